package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGlobGoldens(t *testing.T) {
	t.Parallel()
	runGoldens(t, "glob", "Glob")
}

func TestGlobLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 130 {
		name := fmt.Sprintf("d%d/f%03d.py", i%7, i)
		h.write(name, "x")
		mt := base.Add(time.Duration(i) * time.Minute)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, name), mt, mt))
	}
	got := h.ok("Glob", map[string]any{"pattern": "**/*.py"})
	lines := strings.Split(got, "\n")
	require.Len(t, lines, globMaxResults+2)
	assert.Equal(t, "d3/f129.py", lines[0], "newest first")
	assert.Equal(t, "d2/f030.py", lines[globMaxResults-1])
	assert.Equal(t, "", lines[globMaxResults])
	assert.Equal(t, "(Showing 100 of 130 matching files, newest first; 30 more are not listed. Narrow the pattern or path to see the rest.)", lines[globMaxResults+1])
}

func TestGlobTies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mt := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"b.txt", "a.txt", "c/a.txt"} {
		h.write(name, "x")
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, name), mt, mt))
	}
	assert.Equal(t, "a.txt\nb.txt\nc/a.txt", h.ok("Glob", map[string]any{"pattern": "*.txt"}), "same time: by path")
}

// TestGlobPrunes checks that a glob whose directories are known walks only
// those and still finds every match: through brace alternatives, below
// ignored directories only when asked, and through symlinked files (but
// not into symlinked directories).
func TestGlobPrunes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mt := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	files := []string{"a/x/1.go", "a/x/deep/2.go", "a/y/3.go", "b/4.go", "c/5.go", "top.go", "a/x/6.txt"}
	for i, name := range files {
		h.write(name, "x")
		tm := mt.Add(-time.Duration(i) * time.Minute) // listed in this order
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, name), tm, tm))
	}
	h.write(".gitignore", "a/y/\n")
	require.NoError(t, os.Symlink("../c/5.go", filepath.Join(h.dir, "b", "link.go")))
	require.NoError(t, os.Symlink("../a/x", filepath.Join(h.dir, "b", "dirlink")))

	glob := func(pattern string, ignored bool) string {
		return h.ok("Glob", map[string]any{"pattern": pattern, "include_ignored": ignored})
	}
	assert.Equal(t, "a/x/1.go\na/x/deep/2.go\nb/4.go\nb/link.go", glob("{a/x,b}/**/*.go", false))
	assert.Equal(t, "a/x/1.go\nb/4.go\nb/link.go", glob("{a/*,b}/*.go", false))
	assert.Equal(t, "a/x/1.go\na/y/3.go\nb/4.go\nb/link.go", glob("{a/*,b}/*.go", true))
	assert.Equal(t, "a/x/1.go\na/y/3.go", glob("a/[xy]/*.go", true))
	assert.Equal(t, "a/x/deep/2.go", glob("*/*/deep/*.go", false))
	assert.Equal(t, "b/4.go\nb/link.go\nc/5.go", glob("*/*.go", false))
	assert.Equal(t, "a/x/1.go\na/x/deep/2.go\nb/4.go\nb/link.go\nc/5.go\ntop.go", glob("*.go", false), "a name at any depth")
}
