package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// TestChecksRunInTheSandbox plants an interpreter in the workspace's venv,
// as a model could with Bash, that tries to write outside the workspace:
// the after-write check runs it, but inside the sandbox, where that fails.
func TestChecksRunInTheSandbox(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	if len(h.ts.opts.Sandbox.Missing()) > 0 {
		t.Skipf("no full sandbox here: %v", h.ts.opts.Sandbox.Missing())
	}
	outside := filepath.Join(t.TempDir(), "escaped")
	h.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
	h.write(".venv/bin/python", "#!/bin/sh\necho ran > ran.txt\necho pwned > "+outside+"\nexit 3\n")
	require.NoError(t, os.Chmod(filepath.Join(h.dir, ".venv/bin/python"), 0o755))
	h.ts.opts.Checks.AfterWrite, h.ts.checks.opts.Timeout = true, time.Minute

	got := h.ok("Write", map[string]any{"file_path": "app.py", "content": "x = 1\n"})
	assert.Contains(t, got, "Created app.py")
	assert.Equal(t, "ran\n", h.file("ran.txt"), "the check did not run the workspace's python")
	_, err := os.Stat(outside)
	assert.True(t, os.IsNotExist(err), "the workspace's python ran outside the sandbox and wrote %s", outside)
}

// TestSandboxedPythonCheck runs the real Python check through the sandbox.
func TestSandboxedPythonCheck(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	if len(h.ts.opts.Sandbox.Missing()) > 0 {
		t.Skipf("no full sandbox here: %v", h.ts.opts.Sandbox.Missing())
	}
	h.ts.opts.Checks.AfterWrite, h.ts.checks.opts.Timeout = true, time.Minute
	h.ts.checks.opts.Env = CheckEnv(os.Getenv, t.TempDir())
	got := h.ok("Write", map[string]any{"file_path": "bad.py", "content": "def f(:\n    pass\n"})
	if strings.Contains(got, "skipped") {
		t.Skipf("no python3 the sandbox can run: %s", got)
	}
	assert.Contains(t, got, "bad.py:1:")
	assert.Contains(t, got, "SyntaxError")
}
