package tools

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/workspace"
)

var update = flag.Bool("update", false, "rewrite golden files")

// harness is a workspace in a temporary directory with a real MCP client
// connected in process to a server serving its tools.
type harness struct {
	t   testing.TB
	dir string
	ws  *workspace.Workspace
	ts  *Toolset
	c   *client.Client
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	dir := t.TempDir()
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	ts := New(ws, Options{})
	h := &harness{t: t, dir: dir, ws: ws, ts: ts}
	h.c = h.connect()
	return h
}

// connect opens a new client session on the harness's tools.
func (h *harness) connect() *client.Client {
	h.t.Helper()
	s := server.NewMCPServer("test", "0")
	s.AddTools(h.ts.All()...)
	return connectTo(h.t, s)
}

// connectTo opens an initialized in-process client session on s, closed
// with the test.
func connectTo(t testing.TB, s *server.MCPServer) *client.Client {
	t.Helper()
	c, err := client.NewInProcessClient(s)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Start(t.Context()))
	_, err = c.Initialize(t.Context(), mcp.InitializeRequest{})
	require.NoError(t, err)
	return c
}

// call invokes a tool and fails the test on a protocol error: a JSON-RPC
// error means the server broke, not the call.
func (h *harness) call(tool string, args map[string]any) *mcp.CallToolResult {
	h.t.Helper()
	return callOn(h.t, h.c, tool, args)
}

func callOn(t testing.TB, c *client.Client, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = tool, args
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err, "a protocol error means the server broke, not the call")
	return res
}

// ok calls a tool, requires success and returns its text.
func (h *harness) ok(tool string, args map[string]any) string {
	h.t.Helper()
	res := h.call(tool, args)
	require.False(h.t, res.IsError, "unexpected tool error: %s", text(res))
	return text(res)
}

// fail calls a tool, requires an isError result and returns its text.
func (h *harness) fail(tool string, args map[string]any) string {
	h.t.Helper()
	res := h.call(tool, args)
	require.True(h.t, res.IsError, "expected a tool error, got: %s", text(res))
	return text(res)
}

// write puts a file into the workspace behind the tools' back.
func (h *harness) write(name, content string) {
	h.t.Helper()
	p := filepath.Join(h.dir, name)
	require.NoError(h.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(h.t, os.WriteFile(p, []byte(content), 0o644))
}

// file returns a workspace file's content.
func (h *harness) file(name string) string {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, name))
	require.NoError(h.t, err)
	return string(b)
}

// text joins the text items of a result.
func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}
