package check

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/agentbox/agentbox/internal/testutil"
)

// counts returns how many loads the fixture's Go checker answered with
// the go command and by re-checking.
func (f *fixture) counts() (loads, reused int64) {
	return f.c.golang.loads.Load(), f.c.golang.reused.Load()
}

// TestGoRecheck edits files of a module and checks that each result is
// what a fresh checker finds, and that edits within a package are
// re-checked without the go command while anything that changes what the
// package sees is loaded again.
func TestGoRecheck(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/warm\n\ngo 1.22\n")
		h.write("lib/lib.go", "package lib\n\nfunc Name() string { return \"lib\" }\n")
		h.write("main.go", "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/warm/lib\"\n)\n\nfunc main() { fmt.Println(greeting(lib.Name())) }\n")
		h.write("util.go", testutil.GoUtil)

		// fresh is what a new checker says of the same files.
		fresh := func(name string) string {
			t.Helper()
			g := newFixtureIn(t, h.dir, Options{Sandbox: h.c.opts.Sandbox})
			return g.c.AfterWrite(t.Context(), Write{Rel: name, Session: "s1", Tool: "Write", At: time.Now()})
		}
		step := func(what, name, content string, reuse bool) string {
			t.Helper()
			loads, reused := h.counts()
			got := h.written(name, content)
			l2, r2 := h.counts()
			if reuse {
				assert.Equal(t, [2]int64{loads, reused + 1}, [2]int64{l2, r2}, "%s: re-checked without the go command", what)
			} else {
				assert.Equal(t, loads+1, l2, "%s: loaded again", what)
			}
			want := fresh(name)
			if want == "" && strings.HasPrefix(got, "No problems left in ") {
				want = got // the fresh checker did not see the problems before
			}
			assert.Equal(t, want, got, "%s: what a fresh check finds", what)
			return got
		}

		assert.Empty(t, step("the first check", "util.go", testutil.GoUtil, false))
		got := step("a type error", "util.go", "package main\n\nfunc greeting(name string) string {\n\treturn len(name)\n}\n", true)
		assert.Contains(t, got, "util.go:4:9: cannot use len(name) (value of type int) as string value in return statement (go types)")
		got = step("an error in another file", "util.go", "package main\n\nfunc greet(name string) string {\n\treturn name\n}\n", true)
		assert.Contains(t, got, "main.go:9:27: undefined: greeting (go types)")
		got = step("fixed", "util.go", testutil.GoUtil, true)
		assert.Equal(t, "No problems left in util.go (go types; package example.com/warm).", got)

		got = step("a new import", "util.go", "package main\n\nimport \"strings\"\n\nfunc greeting(name string) string {\n\treturn strings.ToUpper(name)\n}\n", false)
		assert.Empty(t, got)
		got = step("the dependency changes", "lib/lib.go", "package lib\n\nfunc Name() int { return 1 }\n", false)
		assert.Empty(t, got)
		got = step("the package sees the dependency's change", "util.go", testutil.GoUtil, false)
		assert.Contains(t, got, "cannot use lib.Name() (value of type int) as string value in argument to greeting")
		got = step("again, re-checked", "util.go", testutil.GoUtil+"\n", true)
		assert.Contains(t, got, "cannot use lib.Name() (value of type int) as string value in argument to greeting")
		step("a new file in the package", "extra.go", "package main\n\nvar extra = 1\n", false)
		step("build constraints that change", "extra.go", "//go:build ignore\n\npackage main\n\nvar extra = 1\n", false)
		h.write("go.mod", "module example.com/warm\n\ngo 1.23\n")
		step("go.mod changes", "util.go", testutil.GoUtil, false)
	})
}

// TestGoRecheckTests re-checks a test file's package with its tests: the
// test variant and the external test package.
func TestGoRecheckTests(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	h := newFixture(t, Options{})
	h.write("go.mod", testutil.GoMod)
	h.write("util.go", testutil.GoUtil)
	h.write("x_test.go", "package main_test\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n")
	const test = "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting(%s) != \"hello, 1\" {\n\t\tt.Fail()\n\t}\n}\n"
	assert.Empty(t, h.written("util_test.go", fmt.Sprintf(test, `"1"`)))
	got := h.written("util_test.go", fmt.Sprintf(test, "1"))
	assert.Contains(t, got, "\nutil_test.go:6:14: cannot use 1 (untyped int constant) as string value in argument to greeting (go types)")
	got = h.written("x_test.go", "package main_test\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) { var s string = 1; _ = s }\n")
	assert.Contains(t, got, "x_test.go:5:43: cannot use 1 (untyped int constant) as string value in variable declaration (go types)")
	_, reused := h.counts()
	assert.Positive(t, reused, "test files are re-checked too")
}
