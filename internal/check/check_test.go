package check

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

	"github.com/agentbox/agentbox/internal/testutil"
)

// testEnv is the checkers' environment in tests: the allow-list of the
// test process's own.
func testEnv() []string { return Env(os.Getenv, os.TempDir()) }

// fixture is a workspace in a temporary directory with its Checker.
type fixture struct {
	t   testing.TB
	dir string
	c   *Checker
}

// newFixture makes a fixture. Unless opts say otherwise, checkers get the
// test process's allow-listed environment, and AfterWrite waits for the
// whole check (a minute), so that what it says does not depend on how
// busy the test machine is; checks that outlast the wait have their own
// tests.
func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	return newFixtureIn(t, t.TempDir(), opts)
}

// newFixtureIn is newFixture on the workspace dir.
func newFixtureIn(t testing.TB, dir string, opts Options) *fixture {
	t.Helper()
	ws := testutil.Workspace(t, dir)
	if opts.Env == nil {
		opts.Env = testEnv()
	}
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	c := New(ws, opts)
	t.Cleanup(c.Close)
	return &fixture{t: t, dir: dir, c: c}
}

func (f *fixture) write(name, content string) { testutil.WriteFile(f.t, f.dir, name, content) }

// written writes name and returns what the after-write check says of it.
func (f *fixture) written(name, content string) string {
	f.t.Helper()
	f.write(name, content)
	return f.c.AfterWrite(f.t.Context(), Write{Rel: name, Session: "s1", Tool: "Write", At: time.Now()})
}

// edit replaces old by new in name, once, and returns what the
// after-write check says of it.
func (f *fixture) edit(name, old, new string) string {
	f.t.Helper()
	content := testutil.ReadFile(f.t, f.dir, name)
	require.Contains(f.t, content, old)
	return f.written(name, strings.Replace(content, old, new, 1))
}

func TestAfterWriteGo(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	f.write("go.mod", testutil.GoMod)
	f.write("main.go", testutil.GoMain)
	f.write("util.go", testutil.GoUtil)

	t.Run("an edit that breaks the build reports the compiler's line", func(t *testing.T) {
		got := f.edit("util.go", `return "hello, " + name`, `return len(name)`)
		assert.True(t, strings.HasPrefix(got, "Problems after this change (go types; package example.com/fixture): 1 in util.go:\n"), got)
		assert.Contains(t, got, "\nutil.go:4:9: cannot use len(name) (value of type int) as string value in return statement (go types)")
	})
	t.Run("problems in other files of the package are counted and shown", func(t *testing.T) {
		got := f.edit("util.go", "func greeting(name string) string {\n\treturn len(name)", "func greet(name string) string {\n\treturn name")
		assert.Contains(t, got, "Problems after this change (go types; package example.com/fixture): 0 in util.go, 1 in other files:\n")
		assert.Contains(t, got, "\nmain.go:6:14: undefined: greeting (go types)")
	})
	t.Run("a second edit that fixes it says the problems are gone", func(t *testing.T) {
		got := f.edit("util.go", "func greet(", "func greeting(")
		assert.Equal(t, "No problems left in util.go (go types; package example.com/fixture).", got)
	})
	t.Run("a clean edit of a clean package says nothing", func(t *testing.T) {
		assert.Empty(t, f.edit("util.go", "return name", `return "hi, " + name`))
	})
	t.Run("a new file is checked with its package", func(t *testing.T) {
		got := f.written("extra.go", "package main\n\nfunc extra() int { return undefinedThing }\n")
		assert.Contains(t, got, "\nextra.go:3:27: undefined: undefinedThing (go types)")
	})
	t.Run("a syntax error is reported by the parser", func(t *testing.T) {
		got := f.written("extra.go", "package main\n\nfunc extra() int { return (1 }\n")
		assert.Contains(t, got, "): 1 in extra.go:\nextra.go:3:30: expected ')', found '}' (go parser)")
	})
}

func TestAfterWriteGoTestFile(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	f.write("go.mod", testutil.GoMod)
	f.write("util.go", testutil.GoUtil)
	got := f.written("util_test.go", "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting(1) != \"hello, 1\" {\n\t\tt.Fail()\n\t}\n}\n")
	assert.Contains(t, got, "\nutil_test.go:6:14: cannot use 1 (untyped int constant) as string value in argument to greeting (go types)")
}

func TestAfterWriteGoBuildConstraints(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	f.write("go.mod", testutil.GoMod)
	f.write("util.go", testutil.GoUtil)
	got := f.written("util_plan9.go", "package main\n\nvar x int = \"no\"\n")
	assert.Contains(t, got, "checking it was skipped: util_plan9.go is left out of the build on ")
	assert.Contains(t, got, "by its build constraints.")
}

func TestAfterWriteGoOutsideModule(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	got := f.written("scratch/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(missing) }\n")
	assert.Contains(t, got, "(go types; checked alone: no go.mod): 1 in scratch/main.go:\nscratch/main.go:5:27: undefined: missing (go types)")
}

// TestAfterWriteGoMissingDependency checks a module whose dependency is not
// in the module cache: the check reports it, and the go command was told
// GOPROXY=off, so it tried no network.
func TestAfterWriteGoMissingDependency(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	f.write("go.mod", "module example.com/nodeps\n\ngo 1.22\n\nrequire example.invalid/absent v1.2.3\n")
	sum := "example.invalid/absent v1.2.3 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.invalid/absent v1.2.3/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	f.write("go.sum", sum)
	got := f.written("nd.go", "package nodeps\n\nimport \"example.invalid/absent\"\n\nvar X = absent.Y\n")
	assert.Contains(t, got, "\nnd.go:3:8: example.invalid/absent: module lookup disabled by GOPROXY=off [the dependency is not downloaded, and checks never download (GOPROXY=off): run `go mod download` (or `go mod tidy`), then check again] (go list)")
	assert.Equal(t, sum, testutil.ReadFile(t, f.dir, "go.sum"), "a check never rewrites go.sum")
}

// TestAfterWriteGoVendored checks a module that vendors its dependency,
// which is in no module cache: the check reads vendor/, offline.
func TestAfterWriteGoVendored(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	f := newFixture(t, Options{})
	f.write("go.mod", "module example.com/vend\n\ngo 1.22\n\nrequire example.invalid/dep v1.0.0\n")
	f.write("vendor/modules.txt", "# example.invalid/dep v1.0.0\n## explicit\nexample.invalid/dep\n")
	f.write("vendor/example.invalid/dep/dep.go", "package dep\n\nfunc Answer() int { return 42 }\n")
	got := f.written("main.go", "package vend\n\nimport \"example.invalid/dep\"\n\nvar X string = dep.Answer()\n")
	assert.Contains(t, got, "\nmain.go:5:16: cannot use dep.Answer() (value of type int) as string value in variable declaration (go types)")
	assert.NotContains(t, got, "GOPROXY")
}

func TestAfterWritePython(t *testing.T) {
	python := testutil.Python(t, "")
	t.Parallel()
	f := newFixture(t, Options{Python: python})
	f.write("app.py", "def total(xs):\n    return sum(xs)\n")

	got := f.edit("app.py", "return sum(xs)", "return sum(xs")
	assert.Regexp(t, `^Problems after this change \(python3\.\d+\.\d+ compile[^)]*\): 1 in app.py:\napp.py:2:15: SyntaxError: '\(' was never closed \(python\)`, got)

	got = f.edit("app.py", "return sum(xs", "return sum(xs)")
	assert.Regexp(t, `^No problems left in app.py \(python3\.\d+\.\d+ compile`, got)
}

func TestAfterWritePyflakes(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python})
	got := f.written("svc/app.py", "import os\n\ndef handler(req):\n    return respond(req)\n")
	assert.Contains(t, got, "\nsvc/app.py:4:12: undefined name 'respond' (pyflakes)")
	assert.NotContains(t, got, "imported but unused", "after a write only undefined names are reported")
}

// pyflakesPython returns Debian's interpreter when it has pyflakes (CI
// installs python3-pyflakes) and skips the test otherwise.
func pyflakesPython(t testing.TB) string {
	t.Helper()
	python := testutil.Python(t, "/usr/bin/python3")
	if err := exec.Command(python, "-c", "import pyflakes").Run(); err != nil {
		t.Skip("pyflakes is not installed for", python, "(apt-get install python3-pyflakes)")
	}
	return python
}

// TestAfterWriteGivenUp runs a "python3" that never answers: the write's
// result does not wait for it, the check is given up at the limit, the
// session's next result says which file went unchecked, and the hanging
// process is killed.
func TestAfterWriteGivenUp(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	pidFile := filepath.Join(bin, "pid")
	script := "#!/bin/sh\necho $$ > " + pidFile + "\nexec sleep 60\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte(script), 0o755))
	f := newFixture(t, Options{Timeout: 50 * time.Millisecond, Limit: 500 * time.Millisecond, Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})

	start := time.Now()
	assert.Empty(t, f.written("app.py", "x = 2\n"), "nothing found yet")
	assert.Less(t, time.Since(start), 10*time.Second, "the result must not wait for the hung checker")
	require.NoError(t, f.c.Idle(t.Context()))
	assert.Regexp(t, `^Checks of app.py after your Write at \d\d:\d\d:\d\d were given up: it did not finish within the 0.5s a check may take. `+
		`The change stands; call Diagnostics on app.py to check it.$`, f.c.Pending("s1"))
	assert.Empty(t, f.c.Pending("s1"), "a session is told once")

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

func TestAfterWriteMissingChecker(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Env: []string{"PATH=" + t.TempDir()}})
	assert.Equal(t, "The change is saved; checking it was skipped: python3: not installed (not found on PATH).", f.written("app.py", "x = (\n"))
}

func TestAfterWriteOtherFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{Env: []string{"PATH=" + t.TempDir()}})
	assert.Empty(t, f.written("notes.txt", "x = (\n"), "no language, no check")
}

// TestAfterWritePythonLauncher runs a python3 that is a launcher (as
// pyenv's shim is): the first check goes through it, later ones run the
// interpreter it ran directly.
func TestAfterWritePythonLauncher(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	bin := t.TempDir()
	calls := filepath.Join(bin, "calls")
	launcher := "#!/bin/sh\necho run >> " + calls + "\nexec " + python + " \"$@\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte(launcher), 0o755))
	f := newFixture(t, Options{Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})
	for i := range 3 {
		assert.Contains(t, f.written("a.py", strings.Repeat("x = 1\n", i+1)+"def (\n"), "SyntaxError")
	}
	assert.Equal(t, "run\n", testutil.ReadFile(t, bin, "calls"), "only the first check goes through the launcher")
}

// TestAfterWritePythonVenv prefers the workspace's virtual environment to
// the python3 on PATH.
func TestAfterWritePythonVenv(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	f := newFixture(t, Options{Env: []string{"PATH=" + t.TempDir()}}) // no python3 on PATH
	f.write(".venv/pyvenv.cfg", "home = /usr/bin\n")
	require.NoError(t, os.MkdirAll(filepath.Join(f.dir, ".venv", "bin"), 0o755))
	require.NoError(t, os.Symlink(python, filepath.Join(f.dir, ".venv", "bin", "python")))
	got := f.written("a.py", "def (\n")
	assert.Regexp(t, `Problems after this change \(python3\.\d+\.\d+ \(\.venv\) compile`, got)
	assert.Contains(t, got, "\na.py:1:5: SyntaxError: invalid syntax (python)")
}
