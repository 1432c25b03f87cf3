//go:build linux

package sandbox

import (
	"bytes"
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
)

// TestStartGroup runs startGroup, how commands start on macOS and the BSDs,
// here where it can run: real bash, real processes.
func TestStartGroup(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	dir := t.TempDir()
	run := func(ctx context.Context, command string) (string, Exit) {
		t.Helper()
		var out bytes.Buffer
		argv := append([]string{bash}, shellArgs(command)[1:]...)
		c, err := startGroup(ctx, argv, []string{"PATH=" + os.Getenv("PATH")}, Spec{Command: command, Dir: dir, Output: &out})
		require.NoError(t, err)
		exit, err := c.Wait()
		require.NoError(t, err)
		return out.String(), exit
	}
	marker := fmt.Sprintf("agentbox-group-%d", time.Now().UnixNano())
	sleeper := fmt.Sprintf("(exec -a %s sleep 1000)", marker)

	t.Run("merges output, reports the exit and the final directory", func(t *testing.T) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
		out, exit := run(t.Context(), "echo out; echo err >&2; cd sub")
		assert.Equal(t, "out\nerr\n", out)
		assert.Equal(t, Exit{Code: 0, Dir: filepath.Join(dir, "sub")}, exit)
		_, exit = run(t.Context(), "exit 3")
		assert.Equal(t, Exit{Code: 3}, exit)
	})
	t.Run("kills what the shell left in its group, at once", func(t *testing.T) {
		// The sleeper holds the output pipe: Wait returns all the same,
		// and the sleeper is gone when it does.
		out, exit := run(t.Context(), sleeper+" & ( "+sleeper+" & ) ; echo started")
		assert.Equal(t, "started\n", out)
		assert.Equal(t, 0, exit.Code)
		assertGone(t, marker)
	})
	t.Run("a timeout ends the group with SIGTERM", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		_, exit := run(ctx, sleeper+" & "+sleeper+"; wait")
		assert.Equal(t, 143, exit.Code)
		assertGone(t, marker)
	})
	t.Run("setsid escapes it, as Missing says on macOS", func(t *testing.T) {
		escapee := marker + "-setsid"
		t.Cleanup(func() {
			for _, p := range marked(t, escapee) {
				pid, _, _ := strings.Cut(p, ":")
				if n, err := strconv.Atoi(pid); err == nil {
					_ = syscall.Kill(n, syscall.SIGKILL)
				}
			}
		})
		_, exit := run(t.Context(), fmt.Sprintf("setsid bash -c '(exec -a %[1]s sleep 1000)' >/dev/null 2>&1 </dev/null & until pgrep -f %[1]s >/dev/null; do sleep 0.01; done", escapee))
		assert.Equal(t, 0, exit.Code)
		assert.NotEmpty(t, marked(t, escapee), "if setsid no longer escapes, update Missing in sandbox_darwin.go")
	})
}

// assertGone waits until no process holds marker in its command line:
// killed processes take a moment to leave /proc.
func assertGone(t *testing.T, marker string) {
	t.Helper()
	assert.Eventually(t, func() bool { return len(marked(t, marker)) == 0 }, 10*time.Second, 10*time.Millisecond, "%v", marked(t, marker))
}
