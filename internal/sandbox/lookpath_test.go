package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plain"), []byte("x"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "adir"), 0o755))
	env := []string{"PATH=relative:" + dir}

	got, err := LookPath("tool", env)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "tool"), got)

	_, err = LookPath("plain", env)
	assert.ErrorIs(t, err, ErrNotFound, "a file that is not executable is not a program")
	_, err = LookPath("adir", env)
	assert.ErrorIs(t, err, ErrNotFound, "a directory is not a program")
	_, err = LookPath("missing", env)
	assert.EqualError(t, err, "missing: not installed (not found on PATH)")
	_, err = LookPath("tool", []string{"PATH=."})
	assert.Error(t, err, "relative PATH entries would resolve in the workspace")
	_, err = LookPath("tool", []string{"PATH=" + t.TempDir(), "PATH=" + dir})
	assert.NoError(t, err, "the last PATH is the one a process sees")

	got, err = LookPath(filepath.Join(dir, "tool"), nil)
	require.NoError(t, err, "a name with a slash is taken as it is")
	assert.Equal(t, filepath.Join(dir, "tool"), got)
	_, err = LookPath(filepath.Join(dir, "plain"), nil)
	assert.Error(t, err)
}

func TestEnvValue(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "/x", EnvValue([]string{"PATH=/bin", "HOME=/h", "PATH=/x"}, "PATH"), "the last setting wins")
	assert.Equal(t, "", EnvValue([]string{"PATHX=/bin", "NOEQUALS"}, "PATH"))
	assert.Equal(t, "a=b", EnvValue([]string{"K=a=b"}, "K"))
}
