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

	"github.com/agentbox/agentbox/internal/search"
	"github.com/agentbox/agentbox/internal/walk"
)

func TestGrepGoldens(t *testing.T) {
	t.Parallel()
	runGoldens(t, "grep", "Grep")
}

// TestGrepPaging pages through every mode with several page sizes: the
// pages must add up to the whole result, in order, without overlap.
func TestGrepPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 60 {
		name := fmt.Sprintf("d%d/sub%d/f%02d.txt", i%4, i%3, i)
		var b strings.Builder
		for j := range i%7 + 1 {
			fmt.Fprintf(&b, "line %d\nmatch %d.%d\n", j, i, j)
		}
		h.write(name, b.String())
		mt := base.Add(time.Duration(i*37%60) * time.Minute)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, name), mt, mt))
	}
	body := func(mode, text string) []string {
		text, _, _ = strings.Cut(text, "\n\n")
		lines := strings.Split(text, "\n")
		if mode == "files_with_matches" {
			lines = lines[1:] // "Found N files"
		}
		return lines
	}
	for _, mode := range []string{"files_with_matches", "content", "count"} {
		for _, extra := range []map[string]any{{}, {"-C": 1}, {"-o": true}} {
			args := map[string]any{"pattern": `match \d+`, "output_mode": mode, "head_limit": 0}
			for k, v := range extra {
				args[k] = v
			}
			all := body(mode, h.ok("Grep", args))
			require.NotEmpty(t, all)
			for _, size := range []int{1, 7, 50} {
				var paged []string
				for offset := 0; ; offset += size {
					args["head_limit"], args["offset"] = size, offset
					got := h.ok("Grep", args)
					if offset >= len(all) {
						assert.Contains(t, got, "past the end", "%v", args)
						break
					}
					page := body(mode, got)
					require.LessOrEqual(t, len(page), size, "%v", args)
					paged = append(paged, page...)
					if offset+size < len(all) {
						assert.Contains(t, got, fmt.Sprintf("offset=%d for the next page", offset+size), "%v", args)
					}
				}
				assert.Equal(t, all, paged, "mode %s %v, pages of %d", mode, extra, size)
			}
		}
	}
}

// TestGrepReportsAndGoesOn: a file that cannot be searched is named in a
// note, and the others are still searched.
func TestGrepReportsAndGoesOn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.txt", "needle\n")
	h.write("huge/one-line.txt", strings.Repeat("x", search.MaxLine+10)+"\n")
	h.write("z.txt", "needle\n")
	got := h.ok("Grep", map[string]any{"pattern": "needle", "output_mode": "content"})
	assert.Equal(t, "a.txt:1:needle\nz.txt:1:needle\n\n[1 path could not be read and was skipped: huge/one-line.txt (has a line over 16 MB, too long to search).]", got)
}

// TestGrepTreeUnderDeletion searches a tree while it is being deleted: the
// search must finish with a well-formed result, whatever it still finds.
func TestGrepTreeUnderDeletion(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range 400 {
		h.write(fmt.Sprintf("d%02d/f%03d.txt", i%20, i), "needle\n")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			os.RemoveAll(filepath.Join(h.dir, fmt.Sprintf("d%02d", i)))
		}
	}()
	for _, mode := range []string{"files_with_matches", "content", "count"} {
		res := h.call("Grep", map[string]any{"pattern": "needle", "output_mode": mode})
		assert.False(t, res.IsError, text(res))
	}
	<-done
	assert.Equal(t, "No files found", h.ok("Grep", map[string]any{"pattern": "needle"}))
}

func TestGrepFilter(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"*.ts", "*.tsx", "*.{js,jsx}", "!vendor/**"}, splitGlobs(" *.ts,*.tsx  *.{js,jsx}\t!vendor/** "))
	cases := []struct {
		globs, types string
		rel          string
		isDir        bool
		want         walk.Decision
	}{
		{"*.go", "", "a/b.go", false, walk.Include},
		{"*.go", "", "a/b.py", false, walk.Exclude},
		{"*.go", "", "a", true, walk.Pass}, // include globs never keep a directory out
		{"!vendor", "", "vendor", true, walk.Exclude},
		{"*.go !*_test.go", "", "x_test.go", false, walk.Exclude},
		{"!*_test.go *.go", "", "x_test.go", false, walk.Include}, // the last match decides
		{"", "go", "main.go", false, walk.Pass},
		{"", "go", "main.py", false, walk.Exclude},
		{"", "go,py", "main.py", false, walk.Pass},
		{"*.md", "go", "README.md", false, walk.Include}, // as ripgrep: a glob match wins
		{"", "sh", ".bashrc", false, walk.Pass},
	}
	for _, c := range cases {
		f, err := newGrepFilter(c.globs, c.types)
		require.NoError(t, err)
		assert.Equal(t, c.want, f.decide(c.rel, c.isDir), "glob %q type %q on %s", c.globs, c.types, c.rel)
	}
}
