package tools

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/testutil"
)

// TestAfterWriteCheck shows the after-write check as a client meets it:
// what the check says follows the result of Write and Edit after a blank
// line, and the change is made all the same. What the checks find is
// tested in internal/check.
func TestAfterWriteCheck(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Timeout: time.Minute}})
	h.write("go.mod", testutil.GoMod)
	h.write("main.go", testutil.GoMain)
	h.write("util.go", testutil.GoUtil)
	h.ok("Read", map[string]any{"file_path": "util.go"})

	got := h.ok("Edit", map[string]any{"file_path": "util.go", "old_string": `return "hello, " + name`, "new_string": `return len(name)`})
	assert.Equal(t, "util.go: replaced 1 occurrence.\n1\tpackage main\n2\t\n3\tfunc greeting(name string) string {\n4\t\treturn len(name)\n5\t}\n\n"+
		"Problems after this change (go types; package example.com/fixture): 1 in util.go:\n"+
		"util.go:4:9: cannot use len(name) (value of type int) as string value in return statement (go types)", got)
	assert.Equal(t, "package main\n\nfunc greeting(name string) string {\n\treturn len(name)\n}\n", h.file("util.go"), "the edit is made all the same")

	got = h.ok("Write", map[string]any{"file_path": "extra.go", "content": "package main\n\nfunc extra() int { return undefinedThing }\n"})
	assert.Contains(t, got, "Created extra.go (3 lines, 57 B).\n\nProblems after this change")
	assert.Contains(t, got, "\nextra.go:3:27: undefined: undefinedThing (go types)")

	got = h.ok("Write", map[string]any{"file_path": "notes.txt", "content": "x = (\n"})
	assert.Equal(t, "Created notes.txt (1 line, 6 B).", got, "a file of no language is not checked")
}

func TestAfterWriteCheckOff(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: false, Env: check.Env(os.Getenv, os.TempDir())}})
	got := h.ok("Write", map[string]any{"file_path": "app.py", "content": "x = (\n"})
	assert.Equal(t, "Created app.py (1 line, 6 B).", got)
	got = h.ok("Write", map[string]any{"file_path": "main.go", "content": "package main\n\nfunc main() { undefined() }\n"})
	assert.Equal(t, "Created main.go (3 lines, 42 B).", got)
}

// TestLateChecksComeWithTheNextResult writes a file whose check outlasts
// Write's wait: what the check finds comes with the session's next result,
// whatever its tool, after that result's own text. The result of another
// session's call does not carry it.
func TestLateChecksComeWithTheNextResult(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Python: python, Timeout: time.Nanosecond}})
	other := h.connect()

	got := h.ok("Write", map[string]any{"file_path": "app/models.py", "content": "def total(xs):\n    return sum(xs\n"})
	assert.Equal(t, "Created app/models.py (2 lines, 33 B).", got, "Write does not wait")
	require.NoError(t, h.ts.checks.Idle(t.Context()))

	assert.Equal(t, "No files found", text(callOn(t, other, "Glob", map[string]any{"pattern": "*.txt"})), "another session is not told")
	res := h.call("Glob", map[string]any{"pattern": "**/*.py"})
	require.False(t, res.IsError)
	assert.Regexp(t, `^app/models.py\n\nChecks of app/models.py after your Write at \d\d:\d\d:\d\d found problems \(python3\.\d+\.\d+ compile[^)]*\): 1 in app/models.py:\n`+
		`app/models.py:2:15: SyntaxError: '\(' was never closed \(python\)$`, text(res))
	assert.Equal(t, "app/models.py", h.ok("Glob", map[string]any{"pattern": "**/*.py"}), "the session is told once")
}

// TestLateChecksInStructuredResults gives a tool with structured output
// (none of agentbox's has one today) the late checks' wrapper: its output
// schema declares a "checks" field after its own, since it allows no
// other, and its results carry what late checks found there too, for the
// clients that show the model structured content instead of the text.
func TestLateChecksInStructuredResults(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Python: python, Timeout: time.Nanosecond}})
	tool := mcp.NewTool("Count")
	tool.RawOutputSchema = json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}`)
	st := h.ts.withLateChecks(server.ServerTool{Tool: tool, Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultStructured(map[string]any{"n": 1}, "1"), nil
	}})
	assert.JSONEq(t, `{"type":"object","properties":{"n":{"type":"integer"},"checks":{"type":"string","description":"what checks of your earlier Writes and Edits found after those returned"}},"required":["n"],"additionalProperties":false}`,
		string(st.Tool.RawOutputSchema))
	assert.Regexp(t, `"properties":\{"n":.*,"checks":`, string(st.Tool.RawOutputSchema), "after the tool's own fields")

	s := server.NewMCPServer("test", "0")
	s.AddTools(append(h.ts.All(), st)...)
	c := connectTo(t, s)
	callOn(t, c, "Write", map[string]any{"file_path": "a.py", "content": "print(nowhere)\n"})
	require.NoError(t, h.ts.checks.Idle(t.Context()))
	res := callOn(t, c, "Count", nil)
	sc, ok := res.StructuredContent.(map[string]any)
	require.True(t, ok)
	assert.EqualValues(t, 1, sc["n"])
	assert.Contains(t, sc["checks"], "a.py:1:7: undefined name 'nowhere' (pyflakes)")
	assert.Contains(t, text(res), "a.py:1:7: undefined name 'nowhere' (pyflakes)")
}

// TestLateChecksOfAnEditedFile edits a file twice, the first check still
// running when the second edit comes: only the second edit's problems are
// told, with the call after it.
func TestLateChecksOfAnEditedFile(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Python: python, Timeout: time.Nanosecond}})
	h.write("app.py", "def f():\n    return 1\n")
	h.ok("Read", map[string]any{"file_path": "app.py"})
	h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "return 1", "new_string": "return (1"})
	h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "return (1", "new_string": "return 1]"})
	require.NoError(t, h.ts.checks.Idle(t.Context()))
	got := h.ok("Read", map[string]any{"file_path": "app.py"})
	assert.Regexp(t, `^1\tdef f\(\):\n2\t    return 1\]\n\nChecks of app.py after your Edit at \d\d:\d\d:\d\d found problems \([^)]*\): 1 in app.py:\n`+
		`app.py:2:13: SyntaxError: unmatched '\]' \(python\)$`, got)
	assert.NotContains(t, got, "was never closed", "the first edit's problem is not told")
}
