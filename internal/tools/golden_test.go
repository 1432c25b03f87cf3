package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/agentbox/agentbox/internal/testutil"
)

// runGoldens runs every testdata/<dir>/*.txtar case against tool. A case is
// a comment saying what it shows, then the workspace files as sections, then
// one or more calls: an "@args" section (the JSON arguments) followed by
// "@want" (the exact text of a successful result) or "@error" (of an isError
// result). Special sections:
//
//   - "@symlinks": lines "name -> target" made into symlinks;
//   - "@global": the global git excludes file;
//   - a name ending in "/" makes an empty directory;
//   - in file contents, the four characters \x00 stand for a NUL byte.
//
// Files get increasing modification times in archive order, so "newest
// first" lists them in reverse. In arguments and results $WORK stands for
// the workspace directory and $OUTSIDE for a directory outside it. With
// -update the expected sections are rewritten from what the tool returned.
func runGoldens(t *testing.T, dir, tool string) {
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runGolden(t, file, tool)
		})
	}
}

func runGolden(t *testing.T, file, tool string) {
	ar, err := txtar.ParseFile(file)
	require.NoError(t, err)

	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("secret outside the workspace\n"), 0o644))
	var opts Options
	for _, f := range ar.Files {
		if f.Name == "@global" {
			opts.GitExcludesFile = filepath.Join(outside, "global-excludes")
			require.NoError(t, os.WriteFile(opts.GitExcludesFile, f.Data, 0o644))
		}
	}
	h := newHarnessWith(t, opts)
	expand := func(s string) string {
		return strings.NewReplacer("$WORK", h.dir, "$OUTSIDE", outside).Replace(s)
	}
	unexpand := func(s string) string {
		return strings.NewReplacer(h.dir, "$WORK", outside, "$OUTSIDE").Replace(s)
	}

	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range ar.Files {
		switch {
		case f.Name == "@symlinks":
			for _, line := range strings.Split(strings.TrimSpace(string(f.Data)), "\n") {
				name, target, ok := strings.Cut(line, " -> ")
				require.True(t, ok, "bad symlink line %q", line)
				p := filepath.Join(h.dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.Symlink(expand(target), p))
			}
		case strings.HasPrefix(f.Name, "@"):
		case strings.HasSuffix(f.Name, "/"):
			require.NoError(t, os.MkdirAll(filepath.Join(h.dir, f.Name), 0o755))
		default:
			p := filepath.Join(h.dir, f.Name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, bytes.ReplaceAll(f.Data, []byte(`\x00`), []byte{0}), 0o644))
			mtime = mtime.Add(time.Minute)
			require.NoError(t, os.Chtimes(p, mtime, mtime))
		}
	}

	changed := false
	for i := 0; i < len(ar.Files); i++ {
		if ar.Files[i].Name != "@args" {
			continue
		}
		var args map[string]any
		require.NoError(t, json.Unmarshal([]byte(expand(string(ar.Files[i].Data))), &args), "%s: @args", file)
		require.Less(t, i+1, len(ar.Files), "%s: @args without @want or @error", file)
		want := ar.Files[i+1]
		require.Contains(t, []string{"@want", "@error"}, want.Name, "%s: @args must be followed by @want or @error", file)
		res := h.call(tool, args)
		got := unexpand(text(res)) + "\n"
		kind := "@want"
		if res.IsError {
			kind = "@error"
		}
		if *update {
			if want.Name != kind || string(want.Data) != got {
				ar.Files[i+1] = txtar.File{Name: kind, Data: []byte(got)}
				changed = true
			}
			continue
		}
		assert.Equal(t, want.Name, kind, "%s: call %s: %s", file, ar.Files[i].Data, got)
		assert.Equal(t, string(want.Data), got, "%s: call %s", file, ar.Files[i].Data)
	}
	if changed {
		require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
	}
}

// newHarnessWith is newHarness with tool options.
func newHarnessWith(t *testing.T, opts Options) *harness {
	t.Helper()
	dir := t.TempDir()
	ws := testutil.Workspace(t, dir)
	h := &harness{t: t, dir: dir, ws: ws, ts: New(ws, opts)}
	t.Cleanup(h.ts.Close) // its checkers and commands end with the test
	h.c = h.connect()
	return h
}
