package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/tools"
	"github.com/agentbox/agentbox/internal/workspace"
)

// TestREADME keeps the README's tool list equal to what the server serves:
// the part between the <!-- tools --> markers is generated from the tools'
// own descriptions. Run with -update to rewrite it.
func TestREADME(t *testing.T) {
	dir := t.TempDir()
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	defer ws.Close()
	// A fixed memory limit: the default is half of the machine's memory.
	sb, err := sandbox.New(sandbox.Config{Workspace: dir, Env: []string{"PATH=" + os.Getenv("PATH")}, MemoryLimit: 4 << 30})
	require.NoError(t, err)
	defer sb.Close()
	journal, err := checkpoint.Open(ws.RestoreRoot(), ws.RealDir(), checkpoint.Options{Dir: t.TempDir()})
	require.NoError(t, err)
	defer journal.Close()
	var b strings.Builder
	for _, st := range tools.New(ws, tools.Options{Sandbox: sb, Journal: journal}).All() {
		tool := st.Tool
		kind := "not read-only"
		if a := tool.Annotations; a.ReadOnlyHint != nil && *a.ReadOnlyHint {
			kind = "read-only"
		}
		fmt.Fprintf(&b, "### %s\n\n*%s* (%s)\n\n%s\n\n", tool.Name, tool.Title, kind, tool.Description)
	}
	const begin, end = "<!-- tools -->\n", "<!-- /tools -->"
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the %q and %q markers", begin, end)
	want := s[:i+len(begin)] + "\n" + b.String() + s[j:]
	if *update {
		require.NoError(t, os.WriteFile("../../README.md", []byte(want), 0o644))
		return
	}
	require.Equal(t, want, s, "README.md's tool list is stale: run go test ./cmd/agentbox -run TestREADME -update")
}

// scriptedRun is the example in the README's "Scripted runs" section: a
// small workspace and a script, run by the real binary.
var scriptedRun = struct {
	files  map[string]string
	script string
}{
	files: map[string]string{
		"app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/health\")\ndef health() -> dict[str, str]:\n    return {\"status\": \"ok\"}\n",
	},
	script: `# steps.jsonl: one tool call per line; # comments and blank lines are skipped
{"tool": "Glob", "arguments": {"pattern": "**/*.py"}}
{"tool": "Read", "arguments": {"file_path": "app/main.py"}}
{"tool": "Edit", "arguments": {"file_path": "app/main.py", "old_string": "return {\"status\": \"ok\"}", "new_string": "return {\"status\": \"ok\", \"version\": \"1.2\"}"}}
{"tool": "Read", "arguments": {"file_path": "app/mian.py"}}
`,
}

var durations = regexp.MustCompile(`"duration_ms":[0-9.]+`)

// TestREADMEScriptedRun keeps the README's scripted-run example true: the
// output shown is what the binary prints for the script shown (durations
// aside). Run with -update to rewrite it.
func TestREADMEScriptedRun(t *testing.T) {
	dir := t.TempDir()
	for name, content := range scriptedRun.files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	// The example shows the check after Edit completing, as it does on an
	// idle machine; on a loaded one it can outlast the 2s default.
	out, errOut, code := agentbox(t, scriptedRun.script, "run", "--workspace", dir, "--diagnostics-timeout=1m", "-")
	require.Equal(t, 1, code, "the example ends with a failing step; stderr: %s", errOut)
	block := "A script, `steps.jsonl`:\n\n```jsonl\n" + scriptedRun.script + "```\n\n" +
		"`agentbox run steps.jsonl` (`-` reads the script from stdin) writes one JSON line per step and exits 1, since a step failed:\n\n```json\n" + out + "```\n\n" +
		"A malformed line stops the script before its first step runs, naming the line (exit status 2). With `--stop-on-error` the run stops at the first failing step. Every step runs in one session, so a Read on one line allows the Edit or Write on the next.\n"
	const begin, end = "<!-- scripted-run -->\n", "<!-- /scripted-run -->"
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the %q and %q markers", begin, end)
	want := s[:i+len(begin)] + block + s[j:]
	if *update {
		require.NoError(t, os.WriteFile("../../README.md", []byte(want), 0o644))
		return
	}
	require.Equal(t, durations.ReplaceAllString(want, `"duration_ms":0`), durations.ReplaceAllString(s, `"duration_ms":0`),
		"README.md's scripted run is stale: run go test ./cmd/agentbox -run TestREADMEScriptedRun -update")
}
