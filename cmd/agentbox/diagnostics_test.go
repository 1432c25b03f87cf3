package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiagnosticsFlag(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	t.Parallel()
	dir := t.TempDir()
	broken := `{"file_path":"app.py","content":"def f(:\n    pass\n"}`

	// One call waits for the whole check: it has no next result to bring
	// what the check finds late.
	out, errOut, code := agentbox(t, "", "call", "--workspace", dir, "Write", broken)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Created app.py (2 lines, 17 B).\n\nProblems after this change (python")
	assert.Contains(t, out, "\napp.py:1:7: SyntaxError: invalid syntax (python)")

	require.NoError(t, os.Remove(filepath.Join(dir, "app.py")))
	out, errOut, code = agentbox(t, "", "call", "--workspace", dir, "--diagnostics=off", "Write", broken)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "Created app.py (2 lines, 17 B).\n", out)

	_, errOut, code = agentbox(t, "", "call", "--workspace", dir, "--diagnostics=maybe", "Write", broken)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `invalid value "maybe" for flag -diagnostics: want "on" or "off"`)

	out, _, code = agentbox(t, "", "call", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "  --diagnostics on\n      on or off: after Write and Edit of a .go or .py file, type-check or compile it and add the problems to the result (default on)\n")
	assert.Contains(t, out, "  --diagnostics-timeout duration\n      how long Write and Edit wait for their check (a duration); one still running goes on, and what it finds comes with the session's next result (default 1m0s)\n")
	out, _, code = agentbox(t, "", "serve", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "  --diagnostics-timeout duration\n      how long Write and Edit wait for their check (a duration); one still running goes on, and what it finds comes with the session's next result (default 30ms)\n")
}

// TestCheckerEnvironment runs the server with a secret in its environment
// and a python3 that records its own: the checker sees only the
// allow-listed variables.
func TestCheckerEnvironment(t *testing.T) {
	t.Parallel()
	// The checker runs in the sandbox, which hides the host's /tmp and
	// may write only the workspace: the fake python3 and what it writes
	// live in the workspace.
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	envFile := filepath.Join(dir, "env.txt")
	fake := "#!/bin/sh\nenv > " + envFile + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte(fake), 0o755))

	cmd := exec.CommandContext(t.Context(), binary, "call", "--workspace", dir, "Write", `{"file_path":"a.py","content":"x = 1\n"}`)
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=C.UTF-8",
		"AGENTBOX_TEST_SECRET=hunter2", "AWS_SECRET_ACCESS_KEY=hunter2", "GITHUB_TOKEN=hunter2"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	assert.Contains(t, stdout.String(), "Created a.py")
	assert.Contains(t, stdout.String(), "checking it was skipped", "the fake python3 prints no report")

	env, err := os.ReadFile(envFile)
	require.NoError(t, err, "the fake python3 ran")
	assert.NotContains(t, string(env), "hunter2")
	var keys []string
	for _, line := range strings.Split(strings.TrimSpace(string(env)), "\n") {
		k, _, _ := strings.Cut(line, "=")
		keys = append(keys, k)
	}
	// sh itself adds PWD (and may add SHLVL and _).
	for _, k := range keys {
		assert.Contains(t, []string{"PATH", "HOME", "LANG", "TMPDIR", "PWD", "SHLVL", "_"}, k)
	}
	assert.Contains(t, keys, "TMPDIR")
}
