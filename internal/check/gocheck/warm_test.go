package gocheck

import (
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadFor loads "." in dir as the checker does for an after-write check,
// and returns the request and what it answered.
func loadFor(t *testing.T, s *server, dir string) (Request, Response) {
	t.Helper()
	req := Request{ID: 1, Dir: dir, Env: os.Environ(), Patterns: []string{"."}, Reuse: true}
	return req, s.load(t.Context(), req)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(name), 0o755))
	require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
}

// TestRecheckAfterLoad: a load is re-checked next time, from the files as
// they are then.
func TestRecheckAfterLoad(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/w\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "a.go"), "package w\n\nvar A = 1\n")
	// Written a while ago: a file changed just before a load began may
	// have changed while it ran, as far as the file's time tells.
	past := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "go.mod"), past, past))
	s := &server{turns: map[string]chan struct{}{}, warm: newWarmCache()}
	_, first := loadFor(t, s, dir)
	require.Empty(t, first.Err)
	assert.False(t, first.Reused)

	writeFile(t, filepath.Join(dir, "a.go"), "package w\n\nvar A int = \"x\"\n")
	_, again := loadFor(t, s, dir)
	assert.True(t, again.Reused, "an edit of the package is re-checked")
	require.Len(t, again.Packages, 1)
	require.Len(t, again.Packages[0].Errors, 1)
	assert.Contains(t, again.Packages[0].Errors[0].Msg, `cannot use "x" (untyped string constant) as int value`)
}

// TestNoRecheckOfFilesChangedWhileLoading: a load during which a file of
// the package was added, or go.mod changed, is not kept for re-checks: it
// may have seen them as they were, and later checks would miss the change.
func TestNoRecheckOfFilesChangedWhileLoading(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/w\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "a.go"), "package w\n\nvar A = 1\n")
	req := Request{ID: 1, Dir: dir, Env: os.Environ(), Patterns: []string{"."}, Reuse: true}
	fset := token.NewFileSet()
	pkgs, err := loadWith(t.Context(), req, fset)
	require.NoError(t, err)
	keep := func(start loadStart) bool {
		_, ok := newWarmLoad(req, start, fset, pkgs, make([]Package, len(pkgs)))
		return ok
	}
	// began is a load that began after the files were written, with the
	// directory's names as they were then.
	began := loadStart{at: time.Now().Add(time.Second), names: namesIn(dir)}
	assert.True(t, keep(began), "nothing changed while loading: kept")

	writeFile(t, filepath.Join(dir, "b.go"), "package w\n\nvar B = 2\n")
	assert.False(t, keep(began), "a file was added while loading: not kept")

	began = loadStart{at: time.Now().Add(time.Second), names: namesIn(dir)}
	assert.True(t, keep(began))
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/w\n\ngo 1.23\n")
	assert.False(t, keep(loadStart{at: time.Now().Add(-time.Second), names: namesIn(dir)}), "go.mod changed while loading: not kept")
}
