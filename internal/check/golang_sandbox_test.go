package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// The Go check's holes (issue 12): a model that can write files makes the
// go command read files outside the workspace (the assembler's #include,
// a symbolic link, a go.work), and makes cc1 eat memory. Each test runs
// the after-write check and Diagnostics, with the checks in a sandbox (as
// the server runs them) and, where it still matters, without one.

// secretMarkers are words of the fake secret file; none may appear in
// what a check says.
var secretMarkers = []string{"secretmarker", "hiddenuser", "IdentityFile"}

// fakeHome makes a home directory with an SSH config holding the markers,
// and returns the home and the config's path.
func fakeHome(t *testing.T) (home, secret string) {
	t.Helper()
	home = t.TempDir()
	testutil.WriteFile(t, home, ".ssh/config", "Host secretmarker\n  User hiddenuser\n  IdentityFile ~/.ssh/id_secret\n")
	return home, filepath.Join(home, ".ssh", "config")
}

// goSandboxFixture is a fixture whose checks run in a sandbox that hides
// home's secrets; it skips when there is no full sandbox.
func goSandboxFixture(t *testing.T, home string, cfg sandbox.Config, opts Options) *fixture {
	t.Helper()
	dir := t.TempDir()
	cfg.Home = home
	if home == "" {
		home = os.Getenv("HOME")
	}
	cfg.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	sb := testutil.Sandbox(t, dir, cfg)
	if missing := sb.Missing(); len(missing) > 0 {
		t.Skipf("no full sandbox here: %v", missing)
	}
	opts.Sandbox = sb
	return newFixtureIn(t, dir, opts)
}

// goFixtures runs f on a fixture with a sandbox and on one without.
func goFixtures(t *testing.T, home string, opts Options, f func(t *testing.T, h *fixture)) {
	t.Run("sandboxed", func(t *testing.T) {
		t.Parallel()
		f(t, goSandboxFixture(t, home, sandbox.Config{}, opts))
	})
	t.Run("unsandboxed", func(t *testing.T) {
		t.Parallel()
		f(t, newFixture(t, opts))
	})
}

func assertNoMarkers(t *testing.T, got string, markers ...string) {
	t.Helper()
	for _, m := range markers {
		assert.NotContains(t, got, m, "a check quoted a file outside the workspace")
	}
}

// TestGoCheckAssemblerInclude: a .s file that includes a secret makes the
// assembler print the first word of each of its lines as an unknown
// instruction. In the sandbox the file is hidden; without one, the
// messages about it are not shown.
func TestGoCheckAssemblerInclude(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	home, secret := fakeHome(t)
	goFixtures(t, home, Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/leak\n\ngo 1.22\n")
		h.write("leak.s", "#define Host\n#include \""+secret+"\"\n")
		got := h.written("a.go", "package leak\n")
		assertNoMarkers(t, got, secretMarkers...)
		assert.Contains(t, got, "Problems after this change", "the package does not build: the check says so")
		if h.c.opts.Sandbox != nil {
			// The assembler runs in the sandbox, which hides the file:
			// the message is not merely left out.
			assert.Regexp(t, `leak\.s:3: #include: open \S*\.ssh/config: (?i:no such file or directory|permission denied|operation not permitted)`, got)
		}

		diag := h.diagnose("", false)
		assertNoMarkers(t, diag, secretMarkers...)
		assert.Contains(t, diag, "problem")
	})
}

// TestGoCheckSymlinkOut: a .go file that is a symbolic link to a file
// outside the workspace is named as such and never read.
func TestGoCheckSymlinkOut(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "secret.go", "package leak\n\nvar Stolen int = \"symlinkmarker\"\n")
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/leak\n\ngo 1.22\n")
		require.NoError(t, os.Symlink(filepath.Join(outside, "secret.go"), filepath.Join(h.dir, "leak.go")))
		got := h.written("a.go", "package leak\n\nvar A = Stolen\n")
		assertNoMarkers(t, got, "symlinkmarker")
		assert.Contains(t, got, "leak.go: is a symbolic link that leads outside the workspace")

		diag := h.diagnose("", false)
		assertNoMarkers(t, diag, "symlinkmarker")
		assert.Contains(t, diag, "leak.go: is a symbolic link that leads outside the workspace")
	})
}

// TestGoCheckGoWorkOut: a go.work that uses a module outside the
// workspace would build it; the check refuses to.
func TestGoCheckGoWorkOut(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "go.mod", "module example.com/outside\n\ngo 1.22\n")
	testutil.WriteFile(t, outside, "outside.go", "package outside\n\nconst Secret = \"workmarker\"\n")
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/ws\n\ngo 1.22\n")
		h.write("go.work", "go 1.22\n\nuse (\n\t.\n\t"+outside+"\n)\n")
		got := h.written("a.go", "package ws\n\nimport \"example.com/outside\"\n\nvar X int = outside.Secret\n")
		assertNoMarkers(t, got, "workmarker")
		assert.Contains(t, got, "checking it was skipped: go.work uses "+outside+", which is outside the workspace")

		diag := h.diagnose("", false)
		assertNoMarkers(t, diag, "workmarker")
		assert.Contains(t, diag, "go.work uses "+outside+", which is outside the workspace")
	})
}

// TestGoCheckReplaceOut: so does a replace directive in go.mod.
func TestGoCheckReplaceOut(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "go.mod", "module example.com/outside\n\ngo 1.22\n")
	testutil.WriteFile(t, outside, "outside.go", "package outside\n\nconst Secret = \"replacemarker\"\n")
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/ws\n\ngo 1.22\n\nrequire example.com/outside v0.0.0\n\nreplace example.com/outside => "+outside+"\n")
		got := h.written("a.go", "package ws\n\nimport \"example.com/outside\"\n\nvar X int = outside.Secret\n")
		assertNoMarkers(t, got, "replacemarker")
		assert.Contains(t, got, "go.mod replaces example.com/outside with "+outside+", which is outside the workspace")
	})
}

// TestGoCheckLinkedDirOut: a directory of the module that is a symbolic
// link out, imported by the package, is built by the go command; what it
// found there is not shown.
func TestGoCheckLinkedDirOut(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "lib.go", "package lib\n\nconst Secret = \"dirmarker\"\n")
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/ws\n\ngo 1.22\n")
		require.NoError(t, os.MkdirAll(filepath.Join(h.dir, "third"), 0o755))
		require.NoError(t, os.Symlink(outside, filepath.Join(h.dir, "third", "lib")))
		got := h.written("a.go", "package ws\n\nimport \"example.com/ws/third/lib\"\n\nvar X int = lib.Secret\n")
		assertNoMarkers(t, got, "dirmarker")
		diag := h.diagnose("", false)
		assertNoMarkers(t, diag, "dirmarker")
		if h.c.opts.Sandbox != nil {
			// The sandbox hides the temporary directory the link leads
			// to: the go command finds no package there.
			assert.Contains(t, got, "a.go:3:8: cannot find module providing package example.com/ws/third/lib")
			return
		}
		assert.Contains(t, got, "checking it was skipped: it would build code outside the workspace (example.com/ws/third/lib")
		assert.Contains(t, diag, "it would build code outside the workspace (example.com/ws/third/lib")
	})
}

// TestGoCheckDependencyLinkOut: a file of a package the checked package
// imports that is a symbolic link out is not built either.
func TestGoCheckDependencyLinkOut(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "secret.go", "package lib\n\nconst Secret = \"deplinkmarker\"\n")
	f := newFixture(t, Options{})
	f.write("go.mod", "module example.com/ws\n\ngo 1.22\n")
	f.write("lib/lib.go", "package lib\n")
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.go"), filepath.Join(f.dir, "lib", "secret.go")))
	got := f.written("a.go", "package ws\n\nimport \"example.com/ws/lib\"\n\nvar X int = lib.Secret\n")
	assertNoMarkers(t, got, "deplinkmarker")
	assert.Contains(t, got, "it would build code outside the workspace (example.com/ws/lib (its file "+filepath.Join(f.dir, "lib", "secret.go")+")")
}

// TestGoCheckCgoDevZero: a cgo preamble that includes /dev/zero makes cc1
// grow without end. The sandbox's memory limit bounds the checker and all
// it starts, and the C compiler's address space is bounded on its own
// (both lowered here, so the test cannot hurt the machine): cc1 dies of it
// and the check says so, long before its deadline.
func TestGoCheckCgoDevZero(t *testing.T) {
	testutil.RequireGo(t)
	if _, err := sandbox.LookPath("gcc", os.Environ()); err != nil {
		testutil.Lacking(t, "no gcc: the cgo test needs a C compiler")
	}
	saved := goCCAddressLimit
	goCCAddressLimit = 512 << 20
	t.Cleanup(func() { goCCAddressLimit = saved })
	f := func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/z\n\ngo 1.22\n")
		start := time.Now()
		got := h.written("z.go", "package z\n\n// #include \"/dev/zero\"\nimport \"C\"\n")
		assert.Less(t, time.Since(start), time.Minute, "the check must end")
		assert.NotContains(t, got, "skipped", "cc1 must die of its memory bound, not of the deadline")
		assert.Regexp(t, `(?i)memory`, got)

		diag := h.diagnose("", false)
		assert.NotContains(t, diag, "stopped at the", "cc1 must die of its memory bound, not of the deadline")
		assert.Regexp(t, `(?i)memory`, diag)
	}
	// Not parallel: the bound is read when a checker starts.
	t.Run("sandboxed", func(t *testing.T) {
		f(t, goSandboxFixture(t, "", sandbox.Config{MemoryLimit: 1 << 30}, Options{Timeout: 2 * time.Minute}))
	})
	t.Run("unsandboxed", func(t *testing.T) { f(t, newFixture(t, Options{Timeout: 2 * time.Minute})) })
}

// TestGoCheckPrivateBuildCache: the checks' go commands never write the
// user's GOCACHE; they build into a private one.
func TestGoCheckPrivateBuildCache(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	userCache := t.TempDir()
	env := append(testEnv(), "GOCACHE="+userCache)
	goFixtures(t, "", Options{Env: env}, func(t *testing.T, h *fixture) {
		h.write("go.mod", "module example.com/cache\n\ngo 1.22\n")
		got := h.written("a.go", "package cache\n\nvar X int = \"no\"\n")
		assert.Contains(t, got, "cannot use \"no\"")
		entries, err := os.ReadDir(userCache)
		require.NoError(t, err)
		assert.Zero(t, len(entries), "the check wrote the user's GOCACHE")
	})
}

func TestGoCacheProgQuoting(t *testing.T) {
	got, ok := goCacheProg("/a b/agentbox", "/c/d", "")
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(got, "'/a b/agentbox' -test.run=^$ __agentbox-gocache /c/d ''"), got)
	_, ok = goCacheProg(`/a'b"c`, "/c", "/d")
	assert.False(t, ok)
}

// TestGoKilledCompilerHint: a C compiler killed by the sandbox's memory
// limit (not by its own address-space bound) is explained as such.
func TestGoKilledCompilerHint(t *testing.T) {
	f := newFixture(t, Options{})
	got := f.c.goFinding("", "", "gcc: fatal error: Killed signal terminated program cc1", "go build")
	assert.Contains(t, got.msg, "most likely for going past the checks' memory limit")
	got = f.c.goFinding("", "", "cc1: out of memory allocating 65536 bytes", "go build")
	assert.Equal(t, "cc1: out of memory allocating 65536 bytes", got.msg)
}
