//go:build unix

package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBeginProbesOnFirstUse: a Sandbox from Begin does nothing until its
// probe is asked for, then runs commands as one from New does, with the
// same facts.
func TestBeginProbesOnFirstUse(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	cfg := Config{Workspace: t.TempDir(), Home: fakeHome(t), StateDir: state, Env: []string{"PATH=" + os.Getenv("PATH")}}
	s := Begin(cfg)
	t.Cleanup(func() { s.Close() })
	assert.False(t, s.Probed())
	assert.Equal(t, os.Getenv("PATH"), s.Path(), "Path waits for nothing and follows the Config")
	assert.False(t, s.Probed(), "Path started the probe")
	left, err := filepath.Glob(filepath.Join(state, statePrefix+"*"))
	require.NoError(t, err)
	assert.Empty(t, left, "Begin made the private directory before the probe")

	b := &box{t: t, s: s}
	sc, err := s.NewScratch() // waits for the probe
	require.NoError(t, err)
	assert.True(t, s.Probed())
	b.sc = sc
	b.ws, err = filepath.EvalSymlinks(cfg.Workspace)
	require.NoError(t, err)
	assert.Equal(t, "hi\n", b.ok("echo hi"))

	cfg.StateDir = t.TempDir()
	n, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { n.Close() })
	assert.Equal(t, n.Facts(), s.Facts())
	assert.Equal(t, n.Layers(), s.Layers())
	assert.Equal(t, n.Path(), s.Path())
}

// TestBeginClosedUnprobed: closing a Sandbox from Begin that never probed
// probes nothing and leaves nothing behind.
func TestBeginClosedUnprobed(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	s := Begin(Config{Workspace: t.TempDir(), StateDir: state})
	require.NoError(t, s.Close())
	left, err := filepath.Glob(filepath.Join(state, "*"))
	require.NoError(t, err)
	assert.Empty(t, left)
	_, err = s.NewScratch()
	require.ErrorIs(t, err, ErrSetup)
}

// TestBeginFails: what New would have refused with, a Sandbox from Begin
// reports at its first use: Start fails with the error, and Missing and
// Facts say no command can run.
func TestBeginFails(t *testing.T) {
	t.Parallel()
	s := Begin(Config{Workspace: filepath.Join(t.TempDir(), "gone")})
	t.Cleanup(func() { s.Close() })
	require.Error(t, s.Err())
	_, err := s.NewScratch()
	require.ErrorIs(t, err, ErrSetup)
	_, err = s.Start(t.Context(), Spec{Command: "true"})
	require.ErrorIs(t, err, ErrSetup)
	assert.Contains(t, s.Facts().Missing[0], "no command can run")
	assert.False(t, s.Facts().Confined)
}
