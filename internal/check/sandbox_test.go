package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// sandboxFixture is a fixture whose checkers run in a sandbox of its
// workspace, as the server's do; it skips when there is no full sandbox.
func sandboxFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	sb := testutil.Sandbox(t, dir, sandbox.Config{})
	if missing := sb.Missing(); len(missing) > 0 {
		t.Skipf("no full sandbox here: %v", missing)
	}
	opts.Sandbox = sb
	return newFixtureIn(t, dir, opts)
}

// localAndSandboxed runs body as two parallel subtests: on a fixture with
// opts whose checkers run locally, and on one whose checkers run in the
// sandbox (skipped where there is no full sandbox).
func localAndSandboxed(t *testing.T, opts Options, body func(t *testing.T, f *fixture)) {
	for _, sandboxed := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "in the sandbox"}[sandboxed], func(t *testing.T) {
			t.Parallel()
			if sandboxed {
				body(t, sandboxFixture(t, opts))
			} else {
				body(t, newFixture(t, opts))
			}
		})
	}
}

// TestChecksRunInTheSandbox plants an interpreter in the workspace's venv,
// as a model could with Bash, that tries to write outside the workspace:
// the after-write check runs it, but inside the sandbox, where that fails.
func TestChecksRunInTheSandbox(t *testing.T) {
	t.Parallel()
	f := sandboxFixture(t, Options{})
	outside := filepath.Join(t.TempDir(), "escaped")
	f.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
	f.write(".venv/bin/python", "#!/bin/sh\necho ran > ran.txt\necho pwned > "+outside+"\nexit 3\n")
	require.NoError(t, os.Chmod(filepath.Join(f.dir, ".venv/bin/python"), 0o755))

	f.written("app.py", "x = 1\n")
	got, err := os.ReadFile(filepath.Join(f.dir, "ran.txt"))
	require.NoError(t, err, "the check did not run the workspace's python")
	assert.Equal(t, "ran\n", string(got))
	_, err = os.Stat(outside)
	assert.True(t, os.IsNotExist(err), "the workspace's python ran outside the sandbox and wrote %s", outside)
}

// TestSandboxedPythonCheck runs the real Python check through the sandbox.
func TestSandboxedPythonCheck(t *testing.T) {
	t.Parallel()
	f := sandboxFixture(t, Options{Env: Env(os.Getenv, t.TempDir())})
	got := f.written("bad.py", "def f(:\n    pass\n")
	if strings.Contains(got, "skipped") {
		t.Skipf("no python3 the sandbox can run: %s", got)
	}
	assert.Contains(t, got, "bad.py:1:")
	assert.Contains(t, got, "SyntaxError")
}
