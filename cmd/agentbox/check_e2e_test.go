//go:build linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/agentbox/agentbox/internal/testutil"
	"github.com/stretchr/testify/require"
)

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
			require.Eventually(t, func() bool { return len(testutil.PythonCheckers(ws)) == 2 }, 30*time.Second, 20*time.Millisecond, "the warm checker and its worker run")
			if end == "is killed" {
				require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
			} else {
				require.NoError(t, s.in.Close())
			}
			require.Eventually(t, func() bool { return len(testutil.PythonCheckers(ws)) == 0 }, 30*time.Second, 20*time.Millisecond, "the warm checker ended with the server")
		})
	}
}
