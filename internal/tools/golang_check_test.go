package tools

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// TestGoCheckReadsNothingOutside plays issue 12's attacks on the Go check
// as a model would, through Write, Bash and Diagnostics, with the server's
// set-up (checks in the sandbox): the Write result and Diagnostics never
// show what is in a file outside the workspace. What each check says is
// tested in internal/check.
func TestGoCheckReadsNothingOutside(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	home := t.TempDir()
	testutil.WriteFile(t, home, ".ssh/config", "Host secretmarker\n  User hiddenuser\n")
	outside := t.TempDir()
	testutil.WriteFile(t, outside, "secret.go", "package leak\n\nvar Stolen int = \"linkmarker\"\n")
	testutil.WriteFile(t, outside, "mod/go.mod", "module example.com/outside\n\ngo 1.22\n")
	testutil.WriteFile(t, outside, "mod/outside.go", "package outside\n\nconst Secret = \"workmarker\"\n")
	markers := []string{"secretmarker", "hiddenuser", "linkmarker", "workmarker"}

	dir := t.TempDir()
	ws := testutil.Workspace(t, dir)
	sb := testutil.Sandbox(t, dir, sandbox.Config{Home: home, Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}})
	if missing := sb.Missing(); len(missing) > 0 {
		t.Skipf("no full sandbox here: %v", missing)
	}
	ts := New(ws, Options{Sandbox: sb, Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Timeout: time.Minute}})
	t.Cleanup(ts.Close)
	h := &harness{t: t, dir: dir, ws: ws, ts: ts}
	h.c = h.connectBash()
	clean := func(what, got string) {
		t.Helper()
		for _, m := range markers {
			assert.NotContains(t, got, m, "%s quoted a file outside the workspace", what)
		}
	}

	h.ok("Write", map[string]any{"file_path": "leak/go.mod", "content": "module example.com/leak\n\ngo 1.22\n"})
	h.ok("Write", map[string]any{"file_path": "leak/leak.s", "content": "#define Host\n#include \"" + filepath.Join(home, ".ssh", "config") + "\"\n"})
	got := h.ok("Write", map[string]any{"file_path": "leak/a.go", "content": "package leak\n"})
	clean("Write after a .s that includes a secret", got)
	assert.Contains(t, got, "Problems after this change")

	h.ok("Bash", bash("mkdir link && cd link && printf 'module example.com/leak\\n\\ngo 1.22\\n' > go.mod && ln -s "+filepath.Join(outside, "secret.go")+" leak.go"))
	got = h.ok("Write", map[string]any{"file_path": "link/a.go", "content": "package leak\n\nvar A = Stolen\n"})
	clean("Write beside a symbolic link out", got)
	assert.Contains(t, got, "link/leak.go: is a symbolic link that leads outside the workspace")

	h.ok("Write", map[string]any{"file_path": "work/go.mod", "content": "module example.com/ws\n\ngo 1.22\n"})
	h.ok("Write", map[string]any{"file_path": "work/go.work", "content": "go 1.22\n\nuse (\n\t.\n\t" + filepath.Join(outside, "mod") + "\n)\n"})
	got = h.ok("Write", map[string]any{"file_path": "work/a.go", "content": "package ws\n\nimport \"example.com/outside\"\n\nvar X int = outside.Secret\n"})
	clean("Write with a go.work that uses a module outside", got)
	assert.Contains(t, got, "work/go.work uses "+filepath.Join(outside, "mod")+", which is outside the workspace")

	got = h.ok("Diagnostics", map[string]any{"path": "."})
	clean("Diagnostics", got)
	assert.Contains(t, got, "link/leak.go: is a symbolic link that leads outside the workspace")
	assert.Contains(t, got, "work/go.work uses "+filepath.Join(outside, "mod")+", which is outside the workspace")
}
