package tools

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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
