// Package testutil holds the test setup that the tests of several packages
// share, so that each package's tests stand on their own (no TestMain of
// another package behind them) without copies of the same fixtures.
// Only tests import it.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// GoFile returns a Go-like source file of about n lines: functions that
// differ only in a number, so that many lines look alike, as in real code.
func GoFile(n int) string {
	var b strings.Builder
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < n-6; i++ {
		fmt.Fprintf(&b, "func f%d(x int) int {\n\tif x > %d {\n\t\treturn x - %d\n\t}\n\treturn x + %d\n}\n\n", i, i, i, i)
	}
	return b.String()
}

// WriteFile writes content to name under dir, making its directories.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// ReadFile returns the content of name under dir.
func ReadFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

// RequireGo skips the test when there is no go command (fails it in CI).
func RequireGo(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		Lacking(t, "no go command")
	}
}

// Lacking skips the test for want of what it needs (a tool, a package):
// or, with CI set, fails it, since .ci/run installs all the tests need.
func Lacking(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set: .ci/run must install it)", why)
	}
	t.Skip(why)
}

// Python returns the interpreter at p, or the first python3 on PATH when p
// is "", and skips the test when there is none. Tests that need Debian's
// packages (pyflakes) ask for /usr/bin/python3: the python3 first on PATH
// may be a pyenv build without them.
func Python(t testing.TB, p string) string {
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

// A Go module of two files, for checks: GoMod, GoMain and GoUtil are its
// go.mod, main.go and util.go.
const (
	GoMod = "module example.com/fixture\n\ngo 1.22\n"

	GoMain = `package main

import "fmt"

func main() {
	fmt.Println(greeting("world"))
}
`

	GoUtil = `package main

func greeting(name string) string {
	return "hello, " + name
}
`
)

// Workspace opens dir as a workspace, closed when the test ends.
func Workspace(t testing.TB, dir string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// Sandbox returns a sandbox for commands in the workspace dir, closed when
// the test ends. Unless cfg sets an environment, commands get the test
// process's PATH and HOME. The test binary must be the sandbox's launcher:
// its TestMain calls sandbox.Main first.
func Sandbox(t testing.TB, dir string, cfg sandbox.Config) *sandbox.Sandbox {
	t.Helper()
	cfg.Workspace = dir
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	}
	sb, err := sandbox.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { sb.Close() })
	return sb
}

// Main is the TestMain of a package whose tests start sandboxed commands
// or Go checks: the test binary is then also the sandbox's launcher (see
// sandbox.Main) and the Go checker process (see gocheck.Main).
func Main(m *testing.M) {
	sandbox.Main()
	gocheck.Main()
	os.Exit(m.Run())
}
