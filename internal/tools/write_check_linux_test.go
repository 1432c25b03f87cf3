package tools

import (
	"os"
	"path/filepath"
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
	require.Empty(t, testutil.PythonCheckers(dir), "no checker before the read")
	h.ok("Read", map[string]any{"file_path": "app.py"})
	require.Eventually(t, func() bool { return len(testutil.PythonCheckers(dir)) > 0 }, time.Minute, 10*time.Millisecond, "the read started the checker")
}
