package tools

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCheckEnv is the checkers' environment in tests: the allow-list of
// the test process's own.
func testCheckEnv() []string { return CheckEnv(os.Getenv, os.TempDir()) }

// checkHarness is a harness whose Write and Edit check what they write.
// Its deadline is long, so a busy test machine does not turn a check into
// a skip; the deadline itself has its own test.
func checkHarness(t *testing.T, opts CheckOptions) *harness {
	t.Helper()
	opts.AfterWrite = true
	if opts.Env == nil {
		opts.Env = testCheckEnv()
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	return newHarnessWith(t, Options{Checks: opts})
}

func requireGo(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
}

const fixtureGoMod = "module example.com/fixture\n\ngo 1.22\n"

const fixtureMain = `package main

import "fmt"

func main() {
	fmt.Println(greeting("world"))
}
`

const fixtureUtil = `package main

func greeting(name string) string {
	return "hello, " + name
}
`

func TestCheckAfterEditGo(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	h.write("go.mod", fixtureGoMod)
	h.write("main.go", fixtureMain)
	h.write("util.go", fixtureUtil)
	h.ok("Read", map[string]any{"file_path": "util.go"})

	t.Run("an edit that breaks the build reports the compiler's line", func(t *testing.T) {
		got := h.ok("Edit", map[string]any{"file_path": "util.go", "old_string": `return "hello, " + name`, "new_string": `return len(name)`})
		assert.Contains(t, got, "util.go: replaced 1 occurrence.")
		assert.Contains(t, got, "Problems after this change (go types; package example.com/fixture): 1 in util.go:\n")
		assert.Contains(t, got, "\nutil.go:4:9: cannot use len(name) (value of type int) as string value in return statement (go types)")
		assert.Equal(t, "package main\n\nfunc greeting(name string) string {\n\treturn len(name)\n}\n", h.file("util.go"), "the edit is made all the same")
	})
	t.Run("problems in other files of the package are counted and shown", func(t *testing.T) {
		got := h.ok("Edit", map[string]any{"file_path": "util.go", "old_string": "func greeting(name string) string {\n\treturn len(name)", "new_string": "func greet(name string) string {\n\treturn name"})
		assert.Contains(t, got, "Problems after this change (go types; package example.com/fixture): 0 in util.go, 1 in other files:\n")
		assert.Contains(t, got, "\nmain.go:6:14: undefined: greeting (go types)")
	})
	t.Run("a second edit that fixes it says the problems are gone", func(t *testing.T) {
		got := h.ok("Edit", map[string]any{"file_path": "util.go", "old_string": "func greet(", "new_string": "func greeting("})
		assert.Contains(t, got, "\n\nNo problems left in util.go (go types; package example.com/fixture).")
		assert.NotContains(t, got, "Problems after")
	})
	t.Run("a clean edit of a clean package adds nothing", func(t *testing.T) {
		got := h.ok("Edit", map[string]any{"file_path": "util.go", "old_string": "return name", "new_string": `return "hi, " + name`})
		assert.Equal(t, "util.go: replaced 1 occurrence.\n1\tpackage main\n2\t\n3\tfunc greeting(name string) string {\n4\t\treturn \"hi, \" + name\n5\t}", got)
	})
	t.Run("Write is checked the same way", func(t *testing.T) {
		got := h.ok("Write", map[string]any{"file_path": "extra.go", "content": "package main\n\nfunc extra() int { return undefinedThing }\n"})
		assert.Contains(t, got, "Created extra.go")
		assert.Contains(t, got, "\nextra.go:3:27: undefined: undefinedThing (go types)")
	})
	t.Run("a syntax error is reported by the parser", func(t *testing.T) {
		got := h.ok("Write", map[string]any{"file_path": "extra.go", "content": "package main\n\nfunc extra() int { return (1 }\n"})
		assert.Contains(t, got, "): 1 in extra.go:\nextra.go:3:30: expected ')', found '}' (go parser)")
	})
}

func TestCheckAfterEditGoTestFile(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	h.write("go.mod", fixtureGoMod)
	h.write("util.go", fixtureUtil)
	got := h.ok("Write", map[string]any{"file_path": "util_test.go", "content": "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting(1) != \"hello, 1\" {\n\t\tt.Fail()\n\t}\n}\n"})
	assert.Contains(t, got, "\nutil_test.go:6:14: cannot use 1 (untyped int constant) as string value in argument to greeting (go types)")
}

func TestCheckAfterEditGoBuildConstraints(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	h.write("go.mod", fixtureGoMod)
	h.write("util.go", fixtureUtil)
	got := h.ok("Write", map[string]any{"file_path": "util_plan9.go", "content": "package main\n\nvar x int = \"no\"\n"})
	assert.Contains(t, got, "checking it was skipped: util_plan9.go is left out of the build on ")
	assert.Contains(t, got, "by its build constraints.")
}

func TestCheckAfterEditGoOutsideModule(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	got := h.ok("Write", map[string]any{"file_path": "scratch/main.go", "content": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(missing) }\n"})
	assert.Contains(t, got, "(go types; checked alone: no go.mod): 1 in scratch/main.go:\nscratch/main.go:5:27: undefined: missing (go types)")
}

// TestCheckAfterEditGoMissingDependency checks a module whose dependency
// is not in the module cache: the check reports it, and the go command was
// told GOPROXY=off, so it tried no network.
func TestCheckAfterEditGoMissingDependency(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	h.write("go.mod", "module example.com/nodeps\n\ngo 1.22\n\nrequire example.invalid/absent v1.2.3\n")
	h.write("go.sum", "example.invalid/absent v1.2.3 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.invalid/absent v1.2.3/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
	got := h.ok("Write", map[string]any{"file_path": "nd.go", "content": "package nodeps\n\nimport \"example.invalid/absent\"\n\nvar X = absent.Y\n"})
	assert.Contains(t, got, "Created nd.go")
	assert.Contains(t, got, "\nnd.go:3:8: example.invalid/absent: module lookup disabled by GOPROXY=off [the dependency is not downloaded, and checks never download (GOPROXY=off): run `go mod download` (or `go mod tidy`), then check again] (go list)")
	assert.Equal(t, "example.invalid/absent v1.2.3 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.invalid/absent v1.2.3/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", h.file("go.sum"), "a check never rewrites go.sum")
}

func TestCheckAfterEditPython(t *testing.T) {
	python := pythonOrSkip(t, "")
	t.Parallel()
	h := checkHarness(t, CheckOptions{Python: python})
	h.write("app.py", "def total(xs):\n    return sum(xs)\n")
	h.ok("Read", map[string]any{"file_path": "app.py"})

	got := h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "return sum(xs)", "new_string": "return sum(xs"})
	assert.Contains(t, got, "app.py: replaced 1 occurrence.")
	assert.Regexp(t, `\nProblems after this change \(python3\.\d+\.\d+ compile[^)]*\): 1 in app.py:\napp.py:2:15: SyntaxError: '\(' was never closed \(python\)`, got)

	got = h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "return sum(xs", "new_string": "return sum(xs)"})
	assert.Regexp(t, `\n\nNo problems left in app.py \(python3\.\d+\.\d+ compile`, got)
	assert.NotContains(t, got, "Problems after")
}

func TestCheckAfterEditPyflakes(t *testing.T) {
	python := pythonOrSkip(t, "/usr/bin/python3")
	if err := exec.Command(python, "-c", "import pyflakes").Run(); err != nil {
		t.Skip("pyflakes is not installed for", python, "(apt-get install python3-pyflakes)")
	}
	t.Parallel()
	h := checkHarness(t, CheckOptions{Python: python})
	got := h.ok("Write", map[string]any{"file_path": "svc/app.py", "content": "import os\n\ndef handler(req):\n    return respond(req)\n"})
	assert.Contains(t, got, "\nsvc/app.py:4:12: undefined name 'respond' (pyflakes)")
	assert.NotContains(t, got, "imported but unused", "after a write only undefined names are reported")
}

// pythonOrSkip returns the interpreter at p, or the first python3 on PATH
// when p is "", and skips the test when there is none.
func pythonOrSkip(t *testing.T, p string) string {
	t.Helper()
	if p == "" {
		p = "python3"
	}
	exe, err := exec.LookPath(p)
	if err != nil {
		t.Skip("no", p)
	}
	return exe
}

// TestCheckDeadline runs a "python3" that never ends: the edit's result
// comes back at the deadline, says the edit was made and the check
// skipped, and the hanging process is killed.
func TestCheckDeadline(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	pidFile := filepath.Join(bin, "pid")
	script := "#!/bin/sh\necho $$ > " + pidFile + "\nexec sleep 60\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte(script), 0o755))
	h := checkHarness(t, CheckOptions{Timeout: 300 * time.Millisecond, Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})
	h.write("app.py", "x = 1\n")
	h.ok("Read", map[string]any{"file_path": "app.py"})

	start := time.Now()
	got := h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "x = 1", "new_string": "x = 2"})
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 10*time.Second, "the result must not wait for the hung checker")
	assert.Contains(t, got, "app.py: replaced 1 occurrence.")
	assert.Contains(t, got, "\n\nThe change is saved; checking it was skipped: it took longer than 300ms.")
	assert.Equal(t, "x = 2\n", h.file("app.py"))

	pid, err := os.ReadFile(pidFile)
	require.NoError(t, err, "the fake interpreter ran")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		// The process group was killed: the sleep is gone (kill -0 fails).
		if exec.CommandContext(ctx, "kill", "-0", strings.TrimSpace(string(pid))).Run() != nil {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the hung checker (pid %s) was not killed", strings.TrimSpace(string(pid)))
}

func TestCheckMissingChecker(t *testing.T) {
	t.Parallel()
	h := checkHarness(t, CheckOptions{Env: []string{"PATH=" + t.TempDir()}})
	got := h.ok("Write", map[string]any{"file_path": "app.py", "content": "x = (\n"})
	assert.Equal(t, "Created app.py (1 line, 6 B).\n\nThe change is saved; checking it was skipped: python3: not installed (not found on PATH).", got)
}

func TestCheckOff(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: CheckOptions{AfterWrite: false, Env: testCheckEnv()}})
	got := h.ok("Write", map[string]any{"file_path": "app.py", "content": "x = (\n"})
	assert.Equal(t, "Created app.py (1 line, 6 B).", got)
	got = h.ok("Write", map[string]any{"file_path": "main.go", "content": "package main\n\nfunc main() { undefined() }\n"})
	assert.Equal(t, "Created main.go (3 lines, 42 B).", got)
}

func TestCheckOtherFilesUntouched(t *testing.T) {
	t.Parallel()
	h := checkHarness(t, CheckOptions{Env: []string{"PATH=" + t.TempDir()}})
	got := h.ok("Write", map[string]any{"file_path": "notes.txt", "content": "x = (\n"})
	assert.Equal(t, "Created notes.txt (1 line, 6 B).", got)
}

// TestCheckPythonLauncher runs a python3 that is a launcher (as pyenv's
// shim is): the first check goes through it, later ones run the
// interpreter it ran directly.
func TestCheckPythonLauncher(t *testing.T) {
	python := pythonOrSkip(t, "/usr/bin/python3")
	t.Parallel()
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	launcher := "#!/bin/sh\necho run >> " + calls + "\nexec " + python + " \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte(launcher), 0o755))
	h := checkHarness(t, CheckOptions{Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})
	for i := range 3 {
		got := h.ok("Write", map[string]any{"file_path": "a.py", "content": strings.Repeat("x = 1\n", i+1) + "def (\n"})
		assert.Contains(t, got, "SyntaxError")
		h.ok("Read", map[string]any{"file_path": "a.py"})
	}
	n, err := os.ReadFile(calls)
	require.NoError(t, err)
	assert.Equal(t, "run\n", string(n), "only the first check goes through the launcher")
}

// TestCheckPythonVenv prefers the workspace's virtual environment to the
// python3 on PATH.
func TestCheckPythonVenv(t *testing.T) {
	python := pythonOrSkip(t, "/usr/bin/python3")
	t.Parallel()
	h := checkHarness(t, CheckOptions{Env: []string{"PATH=" + t.TempDir()}}) // no python3 on PATH
	h.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
	require.NoError(t, os.MkdirAll(filepath.Join(h.dir, ".venv", "bin"), 0o755))
	require.NoError(t, os.Symlink(python, filepath.Join(h.dir, ".venv", "bin", "python")))
	got := h.ok("Write", map[string]any{"file_path": "a.py", "content": "def (\n"})
	assert.Regexp(t, `Problems after this change \(python3\.\d+\.\d+ \(\.venv\) compile`, got)
	assert.Contains(t, got, "\na.py:1:5: SyntaxError: invalid syntax (python)")
}

// TestCheckGoVendored checks a module that vendors its dependency, which
// is in no module cache: the check reads vendor/, offline.
func TestCheckGoVendored(t *testing.T) {
	requireGo(t)
	t.Parallel()
	h := checkHarness(t, CheckOptions{})
	h.write("go.mod", "module example.com/vend\n\ngo 1.22\n\nrequire example.invalid/dep v1.0.0\n")
	h.write("vendor/modules.txt", "# example.invalid/dep v1.0.0\n## explicit\nexample.invalid/dep\n")
	h.write("vendor/example.invalid/dep/dep.go", "package dep\n\nfunc Answer() int { return 42 }\n")
	got := h.ok("Write", map[string]any{"file_path": "main.go", "content": "package vend\n\nimport \"example.invalid/dep\"\n\nvar X string = dep.Answer()\n"})
	assert.Contains(t, got, "\nmain.go:5:16: cannot use dep.Answer() (value of type int) as string value in variable declaration (go types)")
	assert.NotContains(t, got, "GOPROXY")
}
