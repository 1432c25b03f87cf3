package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// escapeFixture is a workspace with every kind of way out planted in it,
// next to a marker file outside that no tool may ever read or change.
type escapeFixture struct {
	ws      *Workspace
	dir     string // the workspace
	outside string // the directory holding the marker
	marker  string // a file outside the workspace
}

const markerText = "SECRET-OUTSIDE-THE-WORKSPACE"

func newEscapeFixture(t testing.TB) *escapeFixture {
	t.Helper()
	base := t.TempDir()
	f := &escapeFixture{dir: filepath.Join(base, "ws"), outside: filepath.Join(base, "outside")}
	f.marker = filepath.Join(f.outside, "marker.txt")
	require.NoError(t, os.MkdirAll(filepath.Join(f.dir, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(f.outside, 0o755))
	require.NoError(t, os.WriteFile(f.marker, []byte(markerText), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(f.dir, "inside.txt"), []byte("inside\n"), 0o644))
	links := map[string]string{
		"link-file":      f.marker,                      // absolute, out
		"link-dir":       f.outside,                     // a directory out
		"sub/rel-out":    "../../outside/marker.txt",    // relative, out
		"dangling-out":   filepath.Join(f.outside, "x"), // dangling, target out
		"dangling-in":    "nothing-here",                // dangling, target in
		"link-in":        "inside.txt",                  // fine
		"sub/loop":       "loop",                        // a loop
		"proc-root":      "/proc/self/root",             // the host's root
		"sub/up":         "..",                          // the workspace root again
		"sub/up-and-out": "../..",                       // out by two
	}
	for name, target := range links {
		require.NoError(t, os.Symlink(target, filepath.Join(f.dir, name)))
	}
	ws, err := Open(f.dir)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	f.ws = ws
	return f
}

// escapeSeeds are names a hostile or confused client might send.
func escapeSeeds(f *escapeFixture) []string {
	return []string{
		"../outside/marker.txt",
		"sub/../../outside/marker.txt",
		f.marker,
		filepath.Join(f.dir, "..", "outside", "marker.txt"),
		"/proc/self/root" + f.marker,
		"/etc/passwd",
		"link-file",
		"link-dir/marker.txt",
		"sub/rel-out",
		"dangling-out",
		"proc-root" + f.marker,
		"sub/up/link-file",
		"sub/up-and-out/outside/marker.txt",
		"sub/loop",
		"..",
		"/",
		"~/.ssh/id_rsa",
		"",
		"a\x00b",
	}
}

func TestWorkspaceRefusesEscapes(t *testing.T) {
	t.Parallel()
	f := newEscapeFixture(t)
	for _, name := range escapeSeeds(f) {
		t.Run(name, func(t *testing.T) {
			if r, err := f.ws.Open(name); err == nil {
				b := make([]byte, 64)
				n, _ := r.Read(b)
				r.Close()
				assert.NotContains(t, string(b[:n]), markerText, "read the marker through %q", name)
			}
			err := f.ws.WriteFile(name, []byte("pwned"), 0o644, false)
			assert.Error(t, err, "wrote through %q", name)
			if err != nil {
				assert.True(t, strings.HasPrefix(err.Error(), name+":"), "error should name the path as given: %v", err)
			}
		})
	}
	got, err := os.ReadFile(f.marker)
	require.NoError(t, err)
	assert.Equal(t, markerText, string(got), "the marker outside changed")
	entries, err := os.ReadDir(f.outside)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "something was created outside the workspace")
}

func TestWorkspacePaths(t *testing.T) {
	t.Parallel()
	f := newEscapeFixture(t)
	for name, want := range map[string]string{
		"inside.txt":                            "inside.txt",
		"./sub/../inside.txt":                   "inside.txt",
		filepath.Join(f.dir, "inside.txt"):      "inside.txt",
		f.dir:                                   ".",
		f.dir + "/":                             ".",
		".":                                     ".",
		filepath.Join(f.dir, "sub", "x", ".."):  "sub",
		filepath.Join(f.dir, "sub") + "//y.txt": filepath.Join("sub", "y.txt"),
	} {
		got, err := f.ws.Rel(name)
		if assert.NoError(t, err, name) {
			assert.Equal(t, want, got, name)
		}
	}
	_, err := f.ws.Rel("../x")
	assert.ErrorIs(t, err, ErrOutside)
	_, err = f.ws.Open("link-file")
	assert.ErrorIs(t, err, ErrOutside, "a symlink out is reported as outside, not as a raw os.Root error")
	assert.Equal(t, "link-file: outside the workspace; use a path relative to the workspace root, or an absolute path inside it", err.Error())

	r, err := f.ws.Open("link-in")
	require.NoError(t, err, "a symlink that stays inside is followed")
	r.Close()
}

func TestWorkspaceThroughSymlinkedRoot(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	real := filepath.Join(base, "real")
	require.NoError(t, os.Mkdir(real, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(real, "a.txt"), []byte("a"), 0o644))
	link := filepath.Join(base, "link")
	require.NoError(t, os.Symlink(real, link))
	ws, err := Open(link)
	require.NoError(t, err)
	defer ws.Close()
	for _, name := range []string{filepath.Join(link, "a.txt"), filepath.Join(real, "a.txt"), "a.txt"} {
		rel, err := ws.Rel(name)
		require.NoError(t, err, name)
		assert.Equal(t, "a.txt", rel)
	}
}

func TestWorkspaceWriteFile(t *testing.T) {
	t.Parallel()
	f := newEscapeFixture(t)
	ws := f.ws

	t.Run("creates parents and keeps the mode of an existing file", func(t *testing.T) {
		require.NoError(t, ws.WriteFile("deep/er/new.sh", []byte("#!/bin/sh\n"), 0o644, true))
		require.NoError(t, os.Chmod(filepath.Join(f.dir, "deep/er/new.sh"), 0o751))
		require.NoError(t, ws.WriteFile("deep/er/new.sh", []byte("#!/bin/sh\necho hi\n"), 0o644, false))
		fi, err := os.Stat(filepath.Join(f.dir, "deep/er/new.sh"))
		require.NoError(t, err)
		assert.Equal(t, fs.FileMode(0o751), fi.Mode().Perm())
	})
	t.Run("create refuses a file that exists", func(t *testing.T) {
		err := ws.WriteFile("inside.txt", []byte("x"), 0o644, true)
		assert.ErrorIs(t, err, fs.ErrExist)
		assert.Equal(t, "inside\n", readFile(t, f.dir, "inside.txt"))
	})
	t.Run("never writes through a symlink, even one that stays inside", func(t *testing.T) {
		err := ws.WriteFile("link-in", []byte("x"), 0o644, false)
		require.Error(t, err)
		assert.Equal(t, "inside\n", readFile(t, f.dir, "inside.txt"))
		fi, err := os.Lstat(filepath.Join(f.dir, "link-in"))
		require.NoError(t, err)
		assert.NotZero(t, fi.Mode()&fs.ModeSymlink, "the link itself was replaced")
	})
	t.Run("refuses a dangling symlink", func(t *testing.T) {
		require.Error(t, ws.WriteFile("dangling-in", []byte("x"), 0o644, false))
		_, err := os.Stat(filepath.Join(f.dir, "nothing-here"))
		assert.True(t, errors.Is(err, fs.ErrNotExist), "wrote the dangling link's target")
	})
	t.Run("refuses directories and the root", func(t *testing.T) {
		assert.Error(t, ws.WriteFile("sub", []byte("x"), 0o644, false))
		assert.Error(t, ws.WriteFile(".", []byte("x"), 0o644, false))
	})
	t.Run("leaves no temporary files behind", func(t *testing.T) {
		require.NoError(t, ws.WriteFile("sub/t.txt", []byte("1"), 0o644, false))
		require.NoError(t, ws.WriteFile("sub/t.txt", []byte("2"), 0o644, false))
		entries, err := os.ReadDir(filepath.Join(f.dir, "sub"))
		require.NoError(t, err)
		for _, e := range entries {
			assert.NotContains(t, e.Name(), ".agentbox-")
		}
	})
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

// FuzzWorkspaceStaysInside feeds hostile names to every way into the file
// system and fails if any reads the marker outside or changes anything
// outside.
func FuzzWorkspaceStaysInside(f *testing.F) {
	fx := newEscapeFixture(f)
	for _, s := range escapeSeeds(fx) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if r, err := fx.ws.Open(name); err == nil {
			b := make([]byte, len(markerText)+8)
			n, _ := r.Read(b)
			r.Close()
			if strings.Contains(string(b[:n]), markerText) {
				t.Fatalf("Open(%q) read the marker outside the workspace", name)
			}
		}
		if entries, err := fx.ws.ReadDir(name); err == nil {
			for _, e := range entries {
				// A fuzzed write may have made a marker.txt inside; only the
				// one outside holds the marker text.
				if e.Name() != "marker.txt" {
					continue
				}
				if r, err := fx.ws.Open(filepath.Join(name, e.Name())); err == nil {
					b := make([]byte, len(markerText))
					n, _ := r.Read(b)
					r.Close()
					if string(b[:n]) == markerText {
						t.Fatalf("ReadDir(%q) listed the directory outside the workspace", name)
					}
				}
			}
		}
		_ = fx.ws.WriteFile(name, []byte("fuzz"), 0o644, false)
		got, err := os.ReadFile(fx.marker)
		if err != nil || string(got) != markerText {
			t.Fatalf("WriteFile(%q) changed the marker outside: %q %v", name, got, err)
		}
		entries, err := os.ReadDir(fx.outside)
		if err != nil || len(entries) != 1 {
			t.Fatalf("WriteFile(%q) created something outside the workspace", name)
		}
		if beside, err := os.ReadDir(filepath.Dir(fx.dir)); err != nil || len(beside) != 2 {
			t.Fatalf("WriteFile(%q) created something beside the workspace: %v", name, beside)
		}
	})
}

// TestRestoreRootStaysInside writes through RestoreRoot as an undo does
// (a temporary name, then a rename over the path): the links planted in the
// workspace cannot lead it out.
func TestRestoreRootStaysInside(t *testing.T) {
	t.Parallel()
	f := newEscapeFixture(t)
	root := f.ws.RestoreRoot()
	for _, name := range []string{"link-file", "link-dir/marker.txt", "sub/rel-out", "sub/up-and-out/outside/marker.txt", "dangling-out", "proc-root" + f.marker} {
		t.Run(name, func(t *testing.T) {
			if err := root.WriteFile(name, []byte("pwned"), 0o644); err == nil {
				fi, lerr := os.Lstat(filepath.Join(f.dir, name))
				require.NoError(t, lerr, "a write that succeeded must have landed inside")
				assert.True(t, fi.Mode().IsRegular())
			}
			_ = root.WriteFile("tmp-restore", []byte("pwned"), 0o644)
			_ = root.Rename("tmp-restore", name)
		})
	}
	got, err := os.ReadFile(f.marker)
	require.NoError(t, err)
	assert.Equal(t, markerText, string(got), "the marker outside changed")
	entries, err := os.ReadDir(f.outside)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "something was created outside the workspace")
}
