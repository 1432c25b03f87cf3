package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// agentbox runs the built binary with stdin, in the test's directory, and
// returns stdout, stderr and the exit status.
func agentbox(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runIn(t, "", nil, stdin, args...)
}

// runIn runs the built binary in dir with the environment env (nil: the
// test's own, without CLAUDE_PROJECT_DIR) and returns stdout, stderr and
// the exit status.
func runIn(t *testing.T, dir string, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), binary, args...)
	cmd.Dir = dir
	cmd.Env = env
	if env == nil {
		cmd.Env = environWithout("CLAUDE_PROJECT_DIR")
	}
	return runProcess(t, cmd, stdin)
}

// runProcess runs cmd with stdin and returns stdout, stderr and the exit
// status.
func runProcess(t *testing.T, cmd *exec.Cmd, stdin string) (string, string, int) {
	t.Helper()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

// environWithout is the test's environment without the named variables.
func environWithout(names ...string) []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, k)
	})
}

func TestCall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\ntwo\n"), 0o644))

	out, errOut, code := agentbox(t, "", "call", "--workspace", dir, "Read", `{"file_path":"a.txt"}`)
	assert.Equal(t, 0, code, errOut)
	assert.Equal(t, "1\tone\n2\ttwo\n", out)

	out, _, code = agentbox(t, `{"file_path":"a.txt","offset":2}`, "call", "Read", "--workspace", dir)
	assert.Equal(t, 0, code, "flags may follow the arguments, and JSON may come on stdin")
	assert.Equal(t, "2\ttwo\n", out)

	out, _, code = agentbox(t, "", "call", "--workspace", dir, "Read", `{"file_path":"missing.txt"}`)
	assert.Equal(t, 1, code, "a tool error exits 1")
	assert.Contains(t, out, "missing.txt: does not exist")

	_, errOut, code = agentbox(t, "", "call", "--workspace", dir, "Nope", `{}`)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown tool "Nope"; the tools are`)

	_, errOut, code = agentbox(t, "", "call", "--workspace", dir, "Read", `{not json`)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "arguments must be a JSON object")

	_, _, code = agentbox(t, "", "call", "--workspace", dir)
	assert.Equal(t, 2, code)
}

func TestRun(t *testing.T) {
	t.Parallel()
	parseSteps := func(t *testing.T, out string) []stepResult {
		var steps []stepResult
		sc := bufio.NewScanner(strings.NewReader(out))
		for sc.Scan() {
			var s stepResult
			require.NoError(t, json.Unmarshal(sc.Bytes(), &s), "not a JSON line: %s", sc.Text())
			steps = append(steps, s)
		}
		return steps
	}

	t.Run("keeps one session across lines", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "app.py"), []byte("x = 1\n"), 0o644))
		script := `# a comment, then a blank line

{"tool": "Read", "arguments": {"file_path": "app.py"}}
{"tool": "Write", "arguments": {"file_path": "app.py", "content": "x = 2\n"}}
`
		out, errOut, code := agentbox(t, script, "run", "--workspace", dir, "--diagnostics=off", "-")
		require.Equal(t, 0, code, errOut)
		steps := parseSteps(t, out)
		require.Len(t, steps, 2)
		assert.Equal(t, stepResult{Step: 1, Line: 3, Tool: "Read", Text: "1\tx = 1"}, withoutDuration(steps[0]))
		assert.Equal(t, stepResult{Step: 2, Line: 4, Tool: "Write", Text: "Updated app.py (1 line, 6 B)."}, withoutDuration(steps[1]))
		got, err := os.ReadFile(filepath.Join(dir, "app.py"))
		require.NoError(t, err)
		assert.Equal(t, "x = 2\n", string(got), "the Write on line 4 counted the Read on line 3")
	})
	t.Run("runs on after an error and exits 1", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		script := `{"tool": "Read", "arguments": {"file_path": "missing"}}
{"tool": "Write", "arguments": {"file_path": "new.txt", "content": "hi"}}
`
		out, _, code := agentbox(t, script, "run", "--workspace", dir, "-")
		assert.Equal(t, 1, code)
		steps := parseSteps(t, out)
		require.Len(t, steps, 2)
		assert.True(t, steps[0].IsError)
		assert.False(t, steps[1].IsError)
	})
	t.Run("stops at the first error with --stop-on-error", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		file := filepath.Join(t.TempDir(), "script.jsonl")
		require.NoError(t, os.WriteFile(file, []byte(`{"tool": "Read", "arguments": {"file_path": "missing"}}
{"tool": "Write", "arguments": {"file_path": "new.txt", "content": "hi"}}
`), 0o644))
		out, _, code := agentbox(t, "", "run", "--stop-on-error", "--workspace", dir, file)
		assert.Equal(t, 1, code)
		assert.Len(t, parseSteps(t, out), 1)
		assert.NoFileExists(t, filepath.Join(dir, "new.txt"))
	})
	t.Run("refuses a malformed script before running any of it", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		script := `{"tool": "Write", "arguments": {"file_path": "first.txt", "content": "hi"}}
{"tool": "Read", "arguments": {"file_path": "x"}
{"tool": "Write", "arguments": {"file_path": "third.txt", "content": "hi"}}
`
		out, errOut, code := agentbox(t, script, "run", "--workspace", dir, "-")
		assert.Equal(t, 2, code)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "agentbox run: stdin: line 2: malformed step")
		assert.NoFileExists(t, filepath.Join(dir, "first.txt"))
		assert.NoFileExists(t, filepath.Join(dir, "third.txt"))
	})
}

func withoutDuration(s stepResult) stepResult {
	s.DurationMS = 0
	return s
}

func TestAudit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	long := strings.Repeat("x", 1000)
	script := `{"tool": "Write", "arguments": {"file_path": "big.txt", "content": "` + long + `"}}
{"tool": "Read", "arguments": {"file_path": "missing"}}
`
	_, errOut, code := agentbox(t, script, "run", "--workspace", dir, "--audit", audit, "-")
	require.Equal(t, 1, code, errOut)
	b, err := os.ReadFile(audit)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 2)
	var first, second map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.Equal(t, "Write", first["tool"])
	assert.Equal(t, false, first["is_error"])
	args := first["arguments"].(map[string]any)
	assert.Equal(t, "big.txt", args["file_path"])
	assert.Regexp(t, `^\[1000 bytes, sha256 [0-9a-f]{16}\]$`, args["content"], "long contents become size and hash")
	assert.NotEmpty(t, first["session"])
	assert.Equal(t, true, second["is_error"])
	assert.Greater(t, second["output_bytes"], 0.0)
}

func TestPromptCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "app"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("fastapi==0.115.0\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app", "main.py"), []byte("from fastapi import FastAPI\napp = FastAPI()\n"), 0o644))

	out, errOut, code := agentbox(t, "", "prompts", "--workspace", dir)
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "python-specialist\n"), out)
	assert.Contains(t, out, "--arg task=")

	out, errOut, code = agentbox(t, "", "prompt", "python-specialist", "--workspace", dir, "--arg", "task=add a /health endpoint")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "# Python Backend Specialist")
	assert.Contains(t, out, "- Framework: FastAPI")
	assert.True(t, strings.HasSuffix(out, "\n\nadd a /health endpoint\n"), "the task comes last: %q", out[max(0, len(out)-80):])

	_, errOut, code = agentbox(t, "", "prompt", "nope", "--workspace", dir)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "nope")

	_, errOut, code = agentbox(t, "", "prompt", "python-specialist", "--arg", "novalue")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "want key=value")
}
