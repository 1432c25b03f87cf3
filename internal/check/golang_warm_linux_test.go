package check

// The warm checker's life, seen from /proc: these tests find the
// checker's processes by their TMPDIR, and rely on Linux's parent-death
// signal for a checker run without a sandbox.

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// TestGoCheckerDies kills the checker process between checks: the next
// check starts another and still works.
func TestGoCheckerDies(t *testing.T) {
	testutil.RequireGo(t)
	t.Parallel()
	goFixtures(t, "", Options{}, func(t *testing.T, h *fixture) {
		h.write("go.mod", testutil.GoMod)
		h.write("main.go", testutil.GoMain)
		assert.Empty(t, h.written("util.go", testutil.GoUtil))
		pids := checkerPIDs(t, h.c.golang.tmp)
		require.NotEmpty(t, pids, "the checker runs")
		for _, pid := range pids {
			require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		}
		waitNoCheckers(t, h.c.golang.tmp)
		got := h.written("util.go", "package main\n\nfunc greeting(name string) string {\n\treturn len(name)\n}\n")
		assert.Contains(t, got, "util.go:4:9: cannot use len(name)")
	})
}

// checkerPIDs lists the processes of the Go checker whose TMPDIR is tmp:
// the checker, and the go commands, compilers and build cache it started.
func checkerPIDs(t *testing.T, tmp string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && strings.Contains("\x00"+string(environ), "\x00TMPDIR="+tmp+"\x00") {
			out = append(out, pid)
		}
	}
	return out
}

// waitNoCheckers waits until no process of the Go checker whose TMPDIR is
// tmp is left.
func waitNoCheckers(t *testing.T, tmp string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(checkerPIDs(t, tmp)) > 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("checker processes left: %v", checkerPIDs(t, tmp))
		case <-tick.C:
		}
	}
}

// TestGoCheckerEndsWithServer runs a server stand-in (this test binary,
// running TestGoCheckerServerHelper) that starts a Go checker, kills it
// with SIGKILL, and expects no checker process left behind.
func TestGoCheckerEndsWithServer(t *testing.T) {
	testutil.RequireGo(t)
	for _, sandboxed := range []bool{true, false} {
		t.Run(fmt.Sprintf("sandboxed=%v", sandboxed), func(t *testing.T) {
			t.Parallel()
			ws := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestGoCheckerServerHelper$")
			cmd.Env = append(os.Environ(), "AGENTBOX_CHECKER_HELPER="+ws, "AGENTBOX_CHECKER_HELPER_SANDBOX="+strconv.FormatBool(sandboxed))
			out, err := cmd.StdoutPipe()
			require.NoError(t, err)
			cmd.Stderr = os.Stderr
			require.NoError(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			lines := bufio.NewScanner(out)
			tmp := ""
			for lines.Scan() {
				if s, ok := strings.CutPrefix(lines.Text(), "checker: "); ok {
					tmp = s
					break
				}
				if s, ok := strings.CutPrefix(lines.Text(), "skip: "); ok {
					t.Skip(s)
				}
			}
			require.NotEmpty(t, tmp, "the helper did not start a checker")
			require.NotEmpty(t, checkerPIDs(t, tmp), "the checker runs")
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			waitNoCheckers(t, tmp)
		})
	}
}

// TestGoCheckerServerHelper is the server stand-in of
// TestGoCheckerEndsWithServer: it checks a Go file, says which binary its
// checker runs, and waits to be killed.
func TestGoCheckerServerHelper(t *testing.T) {
	ws := os.Getenv("AGENTBOX_CHECKER_HELPER")
	if ws == "" {
		t.Skip("run by TestGoCheckerEndsWithServer")
	}
	opts := Options{}
	if os.Getenv("AGENTBOX_CHECKER_HELPER_SANDBOX") == "true" {
		sb := testutil.Sandbox(t, ws, sandbox.Config{})
		if missing := sb.Missing(); len(missing) > 0 {
			fmt.Printf("skip: no full sandbox here: %v\n", missing)
			select {}
		}
		opts.Sandbox = sb
	}
	h := newFixtureIn(t, ws, opts)
	h.write("go.mod", testutil.GoMod)
	h.write("main.go", testutil.GoMain)
	h.written("util.go", testutil.GoUtil)
	fmt.Printf("checker: %s\n", h.c.golang.tmp)
	select {} // until killed
}
