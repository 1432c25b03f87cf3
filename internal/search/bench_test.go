package search

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentbox/agentbox/internal/corpus"
)

// benchText is about 16 MB of the generated corpus's source-like text,
// concatenated.
func benchText(b *testing.B) []byte {
	b.Helper()
	dir := b.TempDir()
	if err := corpus.Write(dir, corpus.Spec{Files: 400, Bytes: 16 << 20, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && filepath.Ext(p) != ".bin" {
			data, _ := os.ReadFile(p)
			buf.Write(data)
		}
		return nil
	})
	return buf.Bytes()
}

// BenchmarkSearch measures the engine alone on text in memory: the
// throughput of each path (pure literal, required literal, case folding,
// alternation, no literal at all).
func BenchmarkSearch(b *testing.B) {
	text := benchText(b)
	cases := []struct {
		name    string
		pattern string
		opts    Options
		context bool
	}{
		{"literal", "ReadFile", Options{}, false},
		{"literal-lines", "ReadFile", Options{}, true},
		{"regex-literal", `func \w+Reader\(`, Options{}, false},
		{"ignore-case", "readfile", Options{IgnoreCase: true}, false},
		{"alternation", `\b(TODO|FIXME)\b`, Options{}, false},
		{"no-literal", `\d{3}\)$`, Options{}, false},
		{"multiline", `TODO.*\n.*return`, Options{Multiline: true}, false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			p, err := Compile(c.pattern, c.opts)
			if err != nil {
				b.Fatal(err)
			}
			s := &Searcher{Pattern: p}
			var emit func(*Line) bool
			if c.context {
				s.Before, s.After = 2, 2
				emit = func(*Line) bool { return true }
			}
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				if _, err := s.Search(bytes.NewReader(text), emit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
