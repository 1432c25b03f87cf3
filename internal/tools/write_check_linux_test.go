package tools

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/testutil"
)

// TestReadStartsTheChecker reads a .py file with after-write checks on:
// the warm Python checker starts then, before any edit (see
// check.Checker.Read).
func TestReadStartsTheChecker(t *testing.T) {
	python := testutil.Python(t, "/usr/bin/python3")
	t.Parallel()
	h := newHarnessWith(t, Options{Checks: check.Options{AfterWrite: true, Env: check.Env(os.Getenv, os.TempDir()), Python: python}})
	h.write("app.py", "x = 1\n")
	dir, err := filepath.EvalSymlinks(h.dir)
	require.NoError(t, err)
	require.Empty(t, warmCheckers(dir), "no checker before the read")
	h.ok("Read", map[string]any{"file_path": "app.py"})
	require.Eventually(t, func() bool { return len(warmCheckers(dir)) > 0 }, time.Minute, 10*time.Millisecond, "the read started the checker")
}

// warmCheckers lists the processes of warm Python checkers running in the
// workspace dir.
func warmCheckers(dir string) []string {
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
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && cwd == dir {
			found = append(found, e.Name())
		}
	}
	return found
}
