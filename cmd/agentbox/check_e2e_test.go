//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// checkers lists the warm Python checkers running in the workspace ws,
// and the workers they forked.
func checkers(ws string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("# agentbox's Python check")) || !bytes.Contains(cmdline, []byte("\x00serve\x00")) {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == ws {
			found = append(found, e.Name())
		}
	}
	return found
}

// TestNoCheckerOutlivesTheServer has a Write start the warm Python checker
// (Debian's python3, first on PATH) and ends the server: the checker ends
// with it, whether the server's input closes or it is killed.
func TestNoCheckerOutlivesTheServer(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	t.Parallel()
	for _, end := range []string{"input closes", "is killed"} {
		t.Run("when its "+end, func(t *testing.T) {
			t.Parallel()
			ws, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			s := startRawEnv(t, ws, []string{"PATH=/usr/bin:/bin"})
			s.call(1, "Write", map[string]any{"file_path": "app.py", "content": "print(undefined_name)\n"}, nil)
			s.await(1)
			require.Eventually(t, func() bool { return len(checkers(ws)) == 2 }, 30*time.Second, 20*time.Millisecond, "the warm checker and its worker run")
			if end == "is killed" {
				require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
			} else {
				require.NoError(t, s.in.Close())
			}
			require.Eventually(t, func() bool { return len(checkers(ws)) == 0 }, 30*time.Second, 20*time.Millisecond, "the warm checker ended with the server")
		})
	}
}
