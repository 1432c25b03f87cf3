//go:build linux

package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// smallDisk mounts a tmpfs of the given size (e.g. "64k") for the test and
// returns its directory. It skips the test where mounting is not allowed.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	require.NoError(t, os.Mkdir(dir, 0o700))
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size="+size); err != nil {
		t.Skipf("cannot mount a %s tmpfs to fill (%v): a full disk is tested as root or with CAP_SYS_ADMIN", size, err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill writes a file in dir until the disk is full, and returns a
// function that removes it.
func fill(t *testing.T, dir string) (free func()) {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	require.NoError(t, err)
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			require.ErrorIs(t, err, syscall.ENOSPC)
			break
		}
	}
	return func() { require.NoError(t, os.Remove(name)) }
}

// auditOn starts a server whose audit log is file, with an in-process
// client.
func auditOn(t *testing.T, file string, required bool) (*Server, *client.Client, *logWatch) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	w := &logWatch{Handler: slog.NewTextHandler(testWriter{t}, nil), changed: make(chan struct{})}
	srv, err := New(Config{Workspace: t.TempDir(), Audit: f, AuditRequired: required, Logger: slog.New(w)})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c, err := srv.Connect(t.Context(), "test")
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return srv, c, w
}

// writeCall has the server write name with a line of content: a call with
// an effect to look for, and an audit record of a few hundred bytes.
func writeCall(t *testing.T, c *client.Client, name string) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name = "Write"
	req.Params.Arguments = map[string]any{"file_path": name, "content": strings.Repeat(name+" ", 30)[:200]}
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err)
	return res
}

// auditRecords reads the audit log: each line must be a whole JSON
// record. It returns the tools' records and the gaps.
func auditRecords(t *testing.T, file string) (calls []auditLine, gaps []auditGap) {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			auditLine
			Gap *auditGap `json:"audit_gap"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "a torn record in the audit log: %q", sc.Text())
		if rec.Gap != nil {
			gaps = append(gaps, *rec.Gap)
		} else {
			calls = append(calls, rec.auditLine)
		}
	}
	require.NoError(t, sc.Err())
	return calls, gaps
}

// TestAuditFullDisk: on a disk that fills up, every record in the log is
// whole, and the records that could not be written are accounted for by
// a gap record once the disk has room again.
func TestAuditFullDisk(t *testing.T) {
	disk := smallDisk(t, "64k")
	file := filepath.Join(disk, "audit.log")
	srv, c, _ := auditOn(t, file, false)

	const before, during = 3, 40
	for i := range before {
		require.False(t, writeCall(t, c, fmt.Sprintf("before%d.txt", i)).IsError)
	}
	free := fill(t, disk)
	for i := range during {
		res := writeCall(t, c, fmt.Sprintf("during%d.txt", i))
		assert.False(t, res.IsError, "without --audit-required calls go on: %s", resultText(res))
	}
	_, err := os.Stat(filepath.Join(srv.Workspace().Dir(), fmt.Sprintf("during%d.txt", during-1)))
	require.NoError(t, err, "the calls ran")
	free()
	require.False(t, writeCall(t, c, "after.txt").IsError)

	calls, gaps := auditRecords(t, file)
	require.Len(t, gaps, 1, "one gap, written when the log worked again")
	g := gaps[0]
	assert.Positive(t, g.Lost, "the disk filled: some records were lost")
	assert.Zero(t, g.Refused)
	assert.Equal(t, before+during+1, len(calls)+g.Lost, "every call is in the log or counted in the gap")
	assert.Contains(t, g.Error, "no space left on device")
	assert.NotContains(t, g.Error, disk, "the error names no host path")
	assert.NotEmpty(t, g.From)
	assert.LessOrEqual(t, g.From, g.To)
	assert.Equal(t, "after.txt", calls[len(calls)-1].Arguments["file_path"], "the call after the gap is recorded after it")
}

// TestAuditRequired: with AuditRequired, a call is refused, and not run,
// while the log cannot be written; the refusals are counted in the gap.
func TestAuditRequired(t *testing.T) {
	disk := smallDisk(t, "64k")
	file := filepath.Join(disk, "audit.log")
	srv, c, _ := auditOn(t, file, true)
	ran := func(name string) bool {
		_, err := os.Stat(filepath.Join(srv.Workspace().Dir(), name))
		return err == nil
	}

	require.False(t, writeCall(t, c, "before.txt").IsError)
	free := fill(t, disk)
	// Calls run while their records still fit in the log's last page; the
	// first whose record does not is counted lost, and calls are refused
	// from the next one on.
	calls, refused := 1, 0
	for i := 0; refused < 3; i++ {
		require.Less(t, i, 100, "no call was refused on a full disk")
		name := fmt.Sprintf("during%d.txt", i)
		res := writeCall(t, c, name)
		if !res.IsError {
			calls++
			continue
		}
		refused++
		assert.Contains(t, resultText(res), "Write was not run: the audit log cannot be written (no space left on device)")
		assert.Contains(t, resultText(res), "--audit-required")
		assert.NotContains(t, resultText(res), disk, "the refusal names no host path")
		assert.False(t, ran(name), "a refused call ran")
	}
	free()
	require.False(t, writeCall(t, c, "after.txt").IsError, "calls run again once the log can be written")
	calls++

	records, gaps := auditRecords(t, file)
	require.NotEmpty(t, gaps)
	lost, refusals := 0, 0
	for _, g := range gaps {
		lost, refusals = lost+g.Lost, refusals+g.Refused
	}
	assert.Equal(t, refused, refusals, "every refusal is counted")
	assert.Positive(t, lost, "the call that filled the log's last page ran; its record was lost")
	assert.Equal(t, calls, len(records)+lost, "every call that ran is in the log or counted in a gap")
}

func TestAuditRequiredNeedsALog(t *testing.T) {
	_, err := New(Config{Workspace: t.TempDir(), AuditRequired: true})
	assert.ErrorContains(t, err, "audit log is required")
}
