package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedact(t *testing.T) {
	got := redact(map[string]any{
		"file_path": "a.txt",
		"api_key":   "sk-live-123",
		"command":   `curl -H "Authorization: Bearer abc.def" https://x && GITHUB_TOKEN=ghp_123 make && echo ok`,
		"content":   strings.Repeat("y", 300),
		"nested":    map[string]any{"password": "hunter2", "list": []any{"AWS_SECRET_ACCESS_KEY='q w'"}},
	})
	assert.Equal(t, "a.txt", got["file_path"])
	assert.Equal(t, "[redacted]", got["api_key"])
	assert.Equal(t, `curl -H "Authorization: Bearer [redacted]" https://x && GITHUB_TOKEN=[redacted] make && echo ok`, got["command"])
	assert.Regexp(t, `^\[300 bytes, sha256 [0-9a-f]{16}\]$`, got["content"])
	nested := got["nested"].(map[string]any)
	assert.Equal(t, "[redacted]", nested["password"])
	assert.Equal(t, []any{"AWS_SECRET_ACCESS_KEY=[redacted]"}, nested["list"])
}

// lockedBuffer is a writer safe for the test to read while the server
// writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestAuditConcurrentCallsWriteWholeLines(t *testing.T) {
	var buf lockedBuffer
	srv, err := New(Config{Workspace: t.TempDir(), Audit: &buf, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer srv.Close()
	c, err := srv.Connect(t.Context(), "test")
	require.NoError(t, err)
	defer c.Close()

	const calls = 40
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			var req mcp.CallToolRequest
			req.Params.Name = "Write"
			req.Params.Arguments = map[string]any{"file_path": fmt.Sprintf("f%d.txt", i), "content": strings.Repeat("z", 100*i)}
			_, err := c.CallTool(t.Context(), req)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.b.String(), "\n"), "\n")
	require.Len(t, lines, calls)
	for _, line := range lines {
		var l auditLine
		require.NoError(t, json.Unmarshal([]byte(line), &l), "torn line: %q", line)
		assert.Equal(t, "Write", l.Tool)
		assert.False(t, l.IsError)
	}
}

// failingWriter is a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("no space left on device") }

func TestAuditFullDiskDoesNotStopCalls(t *testing.T) {
	var logs lockedBuffer
	srv, err := New(Config{Workspace: t.TempDir(), Audit: failingWriter{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	defer srv.Close()
	c, err := srv.Connect(t.Context(), "test")
	require.NoError(t, err)
	defer c.Close()
	for range 3 {
		var req mcp.CallToolRequest
		req.Params.Name = "Write"
		req.Params.Arguments = map[string]any{"file_path": "a.txt", "content": "x"}
		res, err := c.CallTool(t.Context(), req)
		require.NoError(t, err)
		assert.False(t, res.IsError)
	}
	assert.Equal(t, 1, strings.Count(logs.b.String(), "cannot write the audit log"), "reported once, not per call")
}
