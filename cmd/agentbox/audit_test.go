package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAuditRequired: with --audit-required, once the audit log fails
// (/dev/full is a disk that is always full) the next call is refused and
// does not run.
func TestAuditRequired(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full to stand for a full disk")
	}
	dir := t.TempDir()
	script := `{"tool": "Write", "arguments": {"file_path": "first.txt", "content": "1"}}
{"tool": "Write", "arguments": {"file_path": "second.txt", "content": "2"}}
`
	out, errOut, code := agentbox(t, script, "run", "--workspace", dir, "--audit", "/dev/full", "--audit-required", "-")
	assert.Equal(t, 1, code, errOut)
	assert.FileExists(t, filepath.Join(dir, "first.txt"), "the log was not known to fail yet")
	assert.NoFileExists(t, filepath.Join(dir, "second.txt"), "a call ran while the audit log could not be written")
	assert.Contains(t, out, "Write was not run: the audit log cannot be written (no space left on device)")
	assert.Contains(t, errOut, "tool calls are refused until it can be written")

	dir = t.TempDir()
	_, errOut, code = agentbox(t, script, "run", "--workspace", dir, "--audit", "/dev/full", "-")
	assert.Equal(t, 0, code, "without --audit-required calls go on: %s", errOut)
	assert.FileExists(t, filepath.Join(dir, "second.txt"))

	_, errOut, code = agentbox(t, "", "call", "--workspace", dir, "--audit-required", "Read", `{"file_path":"first.txt"}`)
	require.Equal(t, 1, code)
	assert.Contains(t, errOut, "--audit-required goes with --audit FILE")
}
