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
