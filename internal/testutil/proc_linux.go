package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// PythonCheckers lists the pids of the warm Python checkers (and the
// workers they fork) whose working directory is the workspace ws, found by
// the comment that opens internal/check's checkpy.py on their command line.
func PythonCheckers(ws string) []string {
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
