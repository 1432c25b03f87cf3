//go:build !linux

package walk

import "os"

// readNames lists a directory with os.File.ReadDir.
func readNames(_ *os.Root, f *os.File) ([]dirent, error) {
	entries, err := f.ReadDir(-1)
	out := make([]dirent, 0, len(entries))
	for _, e := range entries {
		out = append(out, dirent{name: e.Name(), typ: e.Type()})
	}
	return out, err
}
