// Package corpus writes a deterministic tree of source-like files for
// benchmarks, so no benchmark data needs to be checked in: the same spec
// always gives the same tree.
//
// The files mix Go, Python, JavaScript, TypeScript, Markdown, JSON and
// text, in nested directories, with identifiers drawn from a vocabulary so
// that searches have realistic hit rates: "ReadFile" is on about 1 line in
// 400, "func ...Reader(" in Go files, TODO and FIXME markers, mixed case. A
// .gitignore leaves out a node_modules directory and *.log files, and a few
// binary files are scattered about.
package corpus

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// Spec says what tree to write.
type Spec struct {
	Files int   // number of files
	Bytes int64 // total size, roughly
	Seed  uint64
}

var (
	words = []string{
		"user", "config", "handler", "buffer", "request", "response", "value", "index", "count", "name",
		"data", "item", "list", "map", "key", "result", "error", "context", "client", "server", "path",
		"file", "line", "token", "node", "tree", "cache", "queue", "state", "event", "message", "stream",
		"read", "write", "open", "close", "parse", "format", "load", "store", "update", "delete", "get", "set",
	}
	types  = []string{"Reader", "Writer", "Buffer", "Config", "Handler", "Client", "Server", "Error", "Cache", "Parser"}
	exts   = []string{".go", ".go", ".go", ".py", ".py", ".js", ".ts", ".md", ".json", ".txt"}
	rareID = []string{"ReadFile", "readfile", "READFILE"}
)

// Write writes the tree into dir, which must be empty or missing.
func Write(dir string, spec Spec) error {
	rng := rand.New(rand.NewPCG(spec.Seed, 0x5eed))
	perFile := max(spec.Bytes/int64(max(spec.Files, 1)), 64)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ".gitignore"), []byte("node_modules/\n*.log\n/build\n"), 0o644); err != nil {
		return err
	}
	for i := range spec.Files {
		rel := filePath(rng, i)
		if err := writeFile(filepath.Join(dir, rel), rng, perFile, i); err != nil {
			return err
		}
	}
	return nil
}

// filePath spreads files over directories three levels deep, about 20 to
// a directory, and puts a few in ignored places.
func filePath(rng *rand.Rand, i int) string {
	d := i / 20
	dir := filepath.Join(fmt.Sprintf("mod%02d", d/400), fmt.Sprintf("pkg%03d", d/20%20), fmt.Sprintf("%s%d", words[d%len(words)], d%20))
	ext := exts[rng.IntN(len(exts))]
	switch {
	case i%97 == 0:
		dir = filepath.Join("node_modules", dir)
	case i%89 == 0:
		ext = ".log"
	case i%211 == 0:
		ext = ".bin"
	}
	return filepath.Join(dir, fmt.Sprintf("%s_%s%d%s", words[rng.IntN(len(words))], words[rng.IntN(len(words))], i, ext))
}

func writeFile(path string, rng *rand.Rand, size int64, i int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	target := size/2 + rng.Int64N(size+1) // sizes vary around the mean
	if filepath.Ext(path) == ".bin" {
		for n := int64(0); n < target; n++ {
			w.WriteByte(byte(rng.IntN(256)))
		}
	} else {
		var written int64
		for line := 0; written < target; line++ {
			n, _ := writeLine(w, rng, filepath.Ext(path), line)
			written += int64(n)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeLine(w *bufio.Writer, rng *rand.Rand, ext string, line int) (int, error) {
	word := func() string { return words[rng.IntN(len(words))] }
	typ := func() string { return types[rng.IntN(len(types))] }
	indent := "\t"
	if ext == ".py" || ext == ".js" || ext == ".ts" {
		indent = "    "
	}
	switch r := rng.IntN(400); {
	case r == 0:
		return fmt.Fprintf(w, "%s// TODO: %s the %s before %s\n", indent, word(), word(), word())
	case r == 1 && rng.IntN(3) == 0:
		return fmt.Fprintf(w, "%s// FIXME(%s): %s is wrong when %s\n", indent, word(), word(), word())
	case r == 2:
		return fmt.Fprintf(w, "%sdata, err := os.%s(%sPath)\n", indent, rareID[rng.IntN(len(rareID))], word())
	case r < 12 && ext == ".go":
		return fmt.Fprintf(w, "func %s%s(%s %s) (*%s, error) {\n", word(), typ(), word(), typ(), typ())
	case r < 12 && ext == ".py":
		return fmt.Fprintf(w, "def %s_%s(self, %s):\n", word(), word(), word())
	case r < 12:
		return fmt.Fprintf(w, "function %s%s(%s) {\n", word(), typ(), word())
	case r < 40:
		return fmt.Fprintf(w, "\n")
	case r < 120:
		return fmt.Fprintf(w, "%s%s := %s.%s%s(%s, %d)\n", indent, word(), word(), word(), typ(), word(), line)
	case r < 200:
		return fmt.Fprintf(w, "%sif %s != nil && %s.%s > %d {\n", indent, word(), word(), word(), rng.IntN(1000))
	case r < 280:
		return fmt.Fprintf(w, "%s%sreturn %s%s{%s: %s, %s: %q}\n", indent, indent, word(), typ(), word(), word(), word(), word())
	default:
		return fmt.Fprintf(w, "%s%s.%s = append(%s.%s, %s) // %s %s %s\n", indent, word(), word(), word(), word(), word(), word(), word(), word())
	}
}
