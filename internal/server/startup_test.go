package server

import "testing"

// BenchmarkNewServer is the server's share of a spawn: opening the
// workspace, building the tools and loading the prompts.
func BenchmarkNewServer(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		s, err := New(Config{Workspace: dir})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
