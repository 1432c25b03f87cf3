package shell

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// makeVenv makes a real virtual environment at dir with Debian's python
// (which has pytest and fastapi: --system-site-packages keeps them).
func makeVenv(t *testing.T, dir string) {
	t.Helper()
	py := testutil.Python(t, "/usr/bin/python3")
	out, err := exec.Command(py, "-m", "venv", "--system-site-packages", "--without-pip", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot make a virtual environment with %s: %v\n%s", py, err, out)
	}
}

// output runs command in sh and returns its output.
func output(t *testing.T, sh *Session, command string) string {
	t.Helper()
	j := run(t, sh, command)
	text, _, _ := j.Output().Clip(10000, nil)
	sh.Drop(j)
	return text
}

func TestWorkspaceVenv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	makeVenv(t, filepath.Join(dir, ".venv"))
	sb, ws := testutil.Sandbox(t, dir, sandbox.Config{}), testutil.Workspace(t, dir)
	sh := New(sb, ws, pyenv.Finder{}, nil)
	t.Cleanup(sh.Close)

	t.Run("commands run with it activated", func(t *testing.T) {
		got := output(t, sh, `python3 -c 'import sys; print(sys.prefix)'; echo "$VIRTUAL_ENV"; command -v python3`)
		venv := filepath.Join(dir, ".venv")
		assert.Equal(t, venv+"\n"+venv+"\n"+filepath.Join(venv, "bin", "python3"), got)
	})
	t.Run("bash speaks of the command's own text", func(t *testing.T) {
		j := run(t, sh, "echo )")
		got, _, _ := j.Output().Clip(10000, nil)
		assert.Equal(t, 2, j.Exit().Code)
		assert.Contains(t, got, "syntax error near unexpected token `)'")
		assert.NotContains(t, got, "VIRTUAL_ENV")
	})
	t.Run("the working directory still carries", func(t *testing.T) {
		j := run(t, sh, "cd .venv")
		assert.Empty(t, sh.Moved(j.Exit().Dir))
		assert.Equal(t, filepath.Join(dir, ".venv"), output(t, sh, "pwd"))
		sh.Moved(dir)
	})
	t.Run("off leaves it alone", func(t *testing.T) {
		off := New(sb, ws, pyenv.Finder{Off: true}, nil)
		t.Cleanup(off.Close)
		got := output(t, off, `echo "[$VIRTUAL_ENV]"; python3 -c 'import sys; print(sys.prefix)'`)
		assert.True(t, strings.HasPrefix(got, "[]\n"), got)
		assert.NotContains(t, got, ".venv")
	})
	t.Run("Python says which interpreter it is", func(t *testing.T) {
		py := NewPython(sb, ws, pyenv.Finder{}, nil)
		t.Cleanup(py.Close)
		first := py.Now()
		assert.Equal(t, filepath.Join(dir, ".venv", "bin", "python3"), first.Path, "where it is is known at once")
		require.NotNil(t, first.Env)
		assert.Equal(t, ".venv", first.Env.Name)
		in := py.Wait(t.Context())
		assert.Equal(t, filepath.Join(dir, ".venv", "bin", "python3"), in.Path)
		assert.Regexp(t, `^3\.\d+\.\d+$`, in.Version)
		assert.Equal(t, in, py.Now(), "and remembered")
		assert.Contains(t, in.Sentence(), "(Python "+in.Version+", running /usr/bin/python3."+strings.Split(in.Version, ".")[1]+"), from the workspace's virtual environment .venv")
	})
}

func TestPythonOnPath(t *testing.T) {
	t.Parallel()
	// A PATH entry under /tmp, which commands see though /tmp is private.
	shim := filepath.Join(t.TempDir(), "shim")
	require.NoError(t, os.Mkdir(shim, 0o755))
	require.NoError(t, os.Symlink(testutil.Python(t, "/usr/bin/python3"), filepath.Join(shim, "python3")))
	dir := t.TempDir()
	sb := testutil.Sandbox(t, dir, sandbox.Config{Env: []string{"PATH=" + shim + ":/usr/bin:/bin"}})
	py := NewPython(sb, testutil.Workspace(t, dir), pyenv.Finder{}, nil)
	t.Cleanup(py.Close)
	assert.Equal(t, pyenv.Interpreter{Path: filepath.Join(shim, "python3")}, py.Known())
	assert.Empty(t, py.probes, "Known starts no probe")
	in := py.Wait(t.Context())
	assert.Equal(t, filepath.Join(shim, "python3"), in.Path)
	assert.Regexp(t, `^3\.\d+\.\d+$`, in.Version)
	assert.Nil(t, in.Env)
	assert.Empty(t, in.Problem)
}

func TestMsysPath(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "/c/Users/me/ws/.venv/Scripts", msysPath(`C:\Users\me\ws\.venv\Scripts`))
	assert.Equal(t, "/d/ws", msysPath(`D:\ws`))
	assert.Equal(t, "/home/me/ws/.venv/bin", msysPath("/home/me/ws/.venv/bin"))
}
