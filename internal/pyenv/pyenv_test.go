package pyenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/testutil"
)

// venv makes a directory that looks like a virtual environment to Find:
// pyvenv.cfg, and bin/python as a symlink to an interpreter outside.
func venv(t *testing.T, dir string) {
	t.Helper()
	testutil.WriteFile(t, dir, "pyvenv.cfg", "home = /usr/bin\n")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.Symlink("/usr/bin/python3", filepath.Join(dir, "bin", "python")))
}

func TestFind(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the fixtures are Unix virtual environments")
	}
	t.Run("prefers .venv, then venv", func(t *testing.T) {
		dir := t.TempDir()
		ws := testutil.Workspace(t, dir)
		_, ok := Finder{}.Find(ws)
		assert.False(t, ok, "an empty workspace has none")
		venv(t, filepath.Join(dir, "venv"))
		env, ok := Finder{}.Find(ws)
		require.True(t, ok)
		assert.Equal(t, Env{Dir: filepath.Join(dir, "venv"), Name: "venv", exe: "python"}, env)
		venv(t, filepath.Join(dir, ".venv"))
		env, ok = Finder{}.Find(ws)
		require.True(t, ok)
		assert.Equal(t, ".venv", env.Name)
		assert.Equal(t, filepath.Join(dir, ".venv", "bin", "python"), env.Python())
		_, ok = Finder{Off: true}.Find(ws)
		assert.False(t, ok, "off finds nothing")
	})
	t.Run("prefers the server's VIRTUAL_ENV inside the workspace", func(t *testing.T) {
		dir := t.TempDir()
		ws := testutil.Workspace(t, dir)
		venv(t, filepath.Join(dir, ".venv"))
		venv(t, filepath.Join(dir, "envs", "dev"))
		env, ok := Finder{ServerEnv: filepath.Join(dir, "envs", "dev")}.Find(ws)
		require.True(t, ok)
		assert.Equal(t, "envs/dev", env.Name)
		outside := t.TempDir()
		venv(t, outside)
		env, ok = Finder{ServerEnv: outside}.Find(ws)
		require.True(t, ok)
		assert.Equal(t, ".venv", env.Name, "one outside the workspace is not the workspace's")
	})
	t.Run("needs pyvenv.cfg and a python, inside the workspace", func(t *testing.T) {
		dir := t.TempDir()
		ws := testutil.Workspace(t, dir)
		testutil.WriteFile(t, dir, ".venv/bin/python", "")
		_, ok := Finder{}.Find(ws)
		assert.False(t, ok, "no pyvenv.cfg")
		testutil.WriteFile(t, dir, "venv/pyvenv.cfg", "home = /usr/bin\n")
		_, ok = Finder{}.Find(ws)
		assert.False(t, ok, "no python")
		outside := t.TempDir()
		venv(t, outside)
		require.NoError(t, os.RemoveAll(filepath.Join(dir, ".venv")))
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, ".venv")))
		_, ok = Finder{}.Find(ws)
		assert.False(t, ok, "a symlink that leads out of the workspace is not followed")
	})
}

func TestActivate(t *testing.T) {
	t.Parallel()
	env := Env{Dir: "/ws/.venv", Name: ".venv"}
	got := env.Activate([]string{"HOME=/h", "PATH=/usr/bin:/bin", "VIRTUAL_ENV=/old", "PYTHONHOME=/x", "LANG=C"})
	assert.Equal(t, []string{"HOME=/h", "LANG=C", "VIRTUAL_ENV=/ws/.venv", "PATH=" + filepath.Join("/ws/.venv", binDir) + string(filepath.ListSeparator) + "/usr/bin:/bin"}, got)
	assert.Equal(t, []string{"VIRTUAL_ENV=/ws/.venv", "PATH=" + filepath.Join("/ws/.venv", binDir)}, env.Activate(nil))
}

func TestMode(t *testing.T) {
	t.Parallel()
	var m Mode
	require.NoError(t, m.UnmarshalText([]byte("off")))
	assert.Equal(t, Off, m)
	assert.Equal(t, "off", m.String())
	require.NoError(t, m.UnmarshalText([]byte("auto")))
	assert.Equal(t, Auto, m)
	assert.Error(t, m.UnmarshalText([]byte("on")))
}

func TestSentence(t *testing.T) {
	t.Parallel()
	env := &Env{Dir: "/ws/.venv", Name: ".venv"}
	for _, tc := range []struct {
		in   Interpreter
		want string
	}{
		{Interpreter{}, "Bash finds no `python3` on PATH."},
		{Interpreter{Path: "/ws/.venv/bin/python3", Version: "3.11.2", Real: "/usr/bin/python3.11", Env: env},
			"In Bash, `python3` is /ws/.venv/bin/python3 (Python 3.11.2, running /usr/bin/python3.11), from the workspace's virtual environment .venv, which commands and checks run with activated (VIRTUAL_ENV set, .venv/bin first on PATH)."},
		{Interpreter{Path: "/tmp/shim/python3"},
			"In Bash, `python3` is /tmp/shim/python3; no virtual environment is active (a .venv or venv with pyvenv.cfg in the workspace would be)."},
		{Interpreter{Path: "/usr/bin/python3", Version: "3.11.2", Real: "/usr/bin/python3", Off: true},
			"In Bash, `python3` is /usr/bin/python3 (Python 3.11.2); a virtual environment in the workspace is not activated (--python-env off)."},
		{Interpreter{Path: "/root/.pyenv/shims/python3", Problem: "pyenv: python3: command not found"},
			"In Bash, `python3` is /root/.pyenv/shims/python3 (which fails: pyenv: python3: command not found); no virtual environment is active (a .venv or venv with pyvenv.cfg in the workspace would be)."},
	} {
		assert.Equal(t, tc.want, tc.in.Sentence())
	}
}
