package check

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/testutil"
)

// versions hides the interpreter's version, which differs between machines.
var versions = regexp.MustCompile(`python3\.\d+\.\d+`)

// diagnose runs Diagnostics on path (as the client gives it) and requires
// it to succeed.
func (f *fixture) diagnose(path string, vet bool) string {
	f.t.Helper()
	got, err := f.tryDiagnose(path, vet)
	require.NoError(f.t, err)
	return got
}

func (f *fixture) tryDiagnose(path string, vet bool) (string, error) {
	f.t.Helper()
	ws := testutil.Workspace(f.t, f.dir)
	name := path
	if name == "" {
		name = "."
	}
	rel, err := ws.Rel(name)
	require.NoError(f.t, err)
	fi, err := ws.Stat(name)
	require.NoError(f.t, err)
	return f.c.Diagnose(f.t.Context(), Request{Name: name, Rel: rel, IsDir: fi.IsDir(), GoVet: vet})
}

func diagFixture(h *fixture) {
	h.write("go.mod", testutil.GoMod)
	h.write("main.go", testutil.GoMain)
	h.write("util.go", "package main\n\nfunc greeting(name string) int {\n\treturn name\n}\n")
	h.write("report/report.go", "package report\n\nimport \"fmt\"\n\nfunc Line(n int) string { return fmt.Sprintf(\"%s\", n) }\n")
	h.write("calc/calc.go", "package calc\n\nfunc Double(n int) int { return 2 * n }\n")
	h.write("calc/calc_test.go", "package calc\n\nimport \"testing\"\n\nfunc TestDouble(t *testing.T) { _ = Double(\"x\") }\n")
	h.write("app/main.py", "import os\n\n\ndef handler(req):\n    return respond(req)\n")
	h.write("app/broken.py", "def f(:\n    pass\n")
	h.write("app/fine.py", "X = 1\n")
	h.write(".venv/lib/python3/site-packages/junk.py", "this is not python\n")
	h.write(".venv/pyvenv.cfg", "home = /nowhere\n")
	h.write("ignored/gen.py", "def (\n")
	h.write(".gitignore", "ignored/\n")
	h.write("README.md", "# fixture\n")
}

func TestDiagnose(t *testing.T) {
	testutil.RequireGo(t)
	python := pyflakesPython(t)
	t.Parallel()
	// PATH without ruff and mypy, whatever the machine has.
	env := []string{"PATH=" + filepath.Dir(goBinary(t)) + ":" + t.TempDir(), "HOME=" + os.Getenv("HOME")}
	h := newFixture(t, Options{Python: python, Env: append(env, testGoCacheEnv()...)})
	diagFixture(h)

	t.Run("a directory: Go packages and Python files, grouped by file", func(t *testing.T) {
		got := versions.ReplaceAllString(h.diagnose("", false), "python3.X")
		assert.Equal(t, `5 problems in 4 files, checking 3 Go packages (go types) and 3 Python files (python3.X compile, pyflakes).
Note: ruff is not installed.
Note: mypy is not installed.

app/broken.py:1:7: SyntaxError: invalid syntax (python)

app/main.py:1:1: 'os' imported but unused (pyflakes)
app/main.py:5:12: undefined name 'respond' (pyflakes)

calc/calc_test.go:5:44: cannot use "x" (untyped string constant) as int value in argument to Double (go types)

util.go:4:9: cannot use name (variable of type string) as int value in return statement (go types)`, got)
	})
	t.Run("go vet when asked", func(t *testing.T) {
		got := h.diagnose("report", true)
		assert.Contains(t, got, "checking 1 Go package (go types, go vet).")
		assert.Contains(t, got, "\nreport/report.go:5:47: fmt.Sprintf format %s has arg n of wrong type int (go vet printf)")
		assert.NotContains(t, got, "main.py")
		assert.NotContains(t, got, "calc")
	})
	t.Run("a Go file: its package", func(t *testing.T) {
		got := h.diagnose("util.go", false)
		assert.Equal(t, `1 problem in 1 file, checking 1 Go package (go types).

util.go:4:9: cannot use name (variable of type string) as int value in return statement (go types)`, got)
	})
	t.Run("a Python file by absolute path", func(t *testing.T) {
		got := versions.ReplaceAllString(h.diagnose(filepath.Join(h.dir, "app", "fine.py"), false), "python3.X")
		assert.Equal(t, "No problems found in 1 Python file (python3.X compile, pyflakes).\nNote: ruff is not installed.\nNote: mypy is not installed.", got)
	})
	t.Run("a file that is neither", func(t *testing.T) {
		_, err := h.tryDiagnose("README.md", false)
		assert.EqualError(t, err, "is not a Go or Python file; Diagnostics checks .go files (with their package) and .py files, or every such file under a directory")
	})
	t.Run("a directory with nothing to check", func(t *testing.T) {
		h.write("docs/x.md", "x\n")
		assert.Equal(t, "Nothing was checked in docs.\nNote: there are no .go or .py files here.", h.diagnose("docs", false))
	})
}

// TestDiagnosticsLinters runs stand-ins for ruff and mypy that print what
// the real ones print, to test how they are found, called and read.
func TestDiagnoseLinters(t *testing.T) {
	python := testutil.Python(t, "")
	t.Parallel()
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	ruff := "#!/bin/sh\necho \"$@\" > " + argsFile + ".ruff\n" + `echo '[{"code":"F401","filename":"'"$PWD"'/a.py","message":"` + "`os` imported but unused" + `","location":{"row":1,"column":8}},{"code":null,"filename":"'"$PWD"'/a.py","message":"SyntaxError: nope","location":{"row":2,"column":1}}]'` + "\n"
	mypy := "#!/bin/sh\necho \"$@\" > " + argsFile + ".mypy\n" +
		"echo 'a.py:3:5: error: Incompatible types in assignment (expression has type \"str\", variable has type \"int\")  [assignment]'\n" +
		"echo 'a.py:3:5: note: See https://mypy.rtfd.io'\nexit 1\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "ruff"), []byte(ruff), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "mypy"), []byte(mypy), 0o755))
	h := newFixture(t, Options{Python: python, Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})
	h.write("a.py", "import os\nx: int = 1\nx = 'a'\n")

	got := h.diagnose("a.py", false)
	assert.Contains(t, got, "ruff, mypy).")
	assert.Contains(t, got, "\na.py:1:8: `os` imported but unused (ruff F401)")
	assert.Contains(t, got, "\na.py:2:1: SyntaxError: nope (ruff)")
	assert.Contains(t, got, "\na.py:3:5: Incompatible types in assignment (expression has type \"str\", variable has type \"int\") (mypy assignment)")
	assert.NotContains(t, got, "See https")
	args, err := os.ReadFile(argsFile + ".ruff")
	require.NoError(t, err)
	assert.Equal(t, "check --output-format=json --no-cache --no-fix --exit-zero --force-exclude -- a.py\n", string(args))
	args, err = os.ReadFile(argsFile + ".mypy")
	require.NoError(t, err)
	assert.Contains(t, string(args), "--cache-dir=/dev/null")
}

func TestDiagnoseOrphanGo(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	h := newFixture(t, Options{})
	h.write("scripts/gen.go", "package main\n\nfunc main() { return 1 }\n")
	got := h.diagnose("", false)
	assert.Equal(t, "Nothing was checked in the workspace.\nNote: Go files outside any module were not checked (scripts; no go.mod): pass one of its files as path to check it alone.", got)

	got = h.diagnose("scripts/gen.go", false)
	assert.Equal(t, "1 problem in 1 file, checking 1 Go package (go types).\nNote: scripts/gen.go is in no Go module (no go.mod), so it was checked alone.\n\nscripts/gen.go:3:22: too many return values have (number) want () (go types)", got)
}

func TestDiagnoseGoFileWithTests(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	h := newFixture(t, Options{})
	h.write("go.mod", testutil.GoMod)
	h.write("calc/calc.go", "package calc\n\nimport \"fmt\"\n\nfunc Double(n int) string { return fmt.Sprintf(\"%d\", n*2) }\n")
	h.write("calc/calc_x_test.go", "package calc_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/fixture/calc\"\n)\n\nfunc TestDouble(t *testing.T) { _ = calc.Triple(2) }\n")
	got := h.diagnose("calc/calc.go", true)
	assert.Equal(t, "1 problem in 1 file, checking 1 Go package (go types, go vet).\n\ncalc/calc_x_test.go:9:42: undefined: calc.Triple (go types)", got)
}

func TestParseMypyAndLines(t *testing.T) {
	t.Parallel()
	got := parseMypy([]byte("pkg/m.py:10:2: error: Name \"y\" is not defined  [name-defined]\npkg/m.py:11: warning: unused 'type: ignore' comment\npkg/m.py:12:1: note: hint\nSuccess: nothing\n"))
	require.Len(t, got, 2)
	assert.Equal(t, `pkg/m.py:10:2: Name "y" is not defined (mypy name-defined)`, got[0].String())
	assert.Equal(t, `pkg/m.py:11: unused 'type: ignore' comment (mypy)`, got[1].String())
	assert.Empty(t, parseLines([]byte("no colon here\nx:y: z\n"), "pyflakes"))
}

// goBinary is the go command the tests run.
func goBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	require.NoError(t, err)
	return p
}

// testGoCacheEnv passes the test process's Go cache settings on, for an
// environment made by hand.
func testGoCacheEnv() []string {
	var env []string
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "XDG_CACHE_HOME", "TMPDIR"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
