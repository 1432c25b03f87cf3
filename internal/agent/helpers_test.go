package agent

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/workspace"
	"github.com/agentbox/agentbox/prompts"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testTools are the tools the tests say the server exposes.
var testTools = []string{"Read", "Write", "Edit", "Glob"}

// builtin loads the embedded definitions.
func builtin(t *testing.T) []*Definition {
	t.Helper()
	defs, err := Load(Source{Label: "prompts", FS: prompts.FS})
	require.NoError(t, err)
	return defs
}

// writeFiles puts files (slash paths) into dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// serve connects an in-process MCP client to a server with defs as prompts
// on the workspace in dir, read through a workspace.Workspace as the server
// does.
func serve(t *testing.T, dir string, defs []*Definition) (*client.Client, *Prompts) {
	t.Helper()
	return serveTo(t, dir, defs, "")
}

// serveTo is serve with a client that calls itself clientName.
func serveTo(t *testing.T, dir string, defs []*Definition, clientName string) (*client.Client, *Prompts) {
	t.Helper()
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	p := NewPrompts(defs, ws.FS(), testTools)
	s := server.NewMCPServer("test", "0",
		server.WithPromptCapabilities(false),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(p))
	s.AddPrompts(p.All()...)
	c, err := client.NewInProcessClient(s)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Start(t.Context()))
	var init mcp.InitializeRequest
	init.Params.ClientInfo.Name = clientName
	_, err = c.Initialize(t.Context(), init)
	require.NoError(t, err)
	return c, p
}

// get asks for a prompt and fails the test on a protocol error.
func get(t *testing.T, c *client.Client, name string, args map[string]string) *mcp.GetPromptResult {
	t.Helper()
	var req mcp.GetPromptRequest
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.GetPrompt(t.Context(), req)
	require.NoError(t, err)
	return res
}

// messageTexts returns each message's role and text.
func messageTexts(t *testing.T, res *mcp.GetPromptResult) (roles, texts []string) {
	t.Helper()
	for _, m := range res.Messages {
		tc, ok := m.Content.(mcp.TextContent)
		require.True(t, ok, "message content is %T, want text", m.Content)
		roles = append(roles, string(m.Role))
		texts = append(texts, tc.Text)
	}
	return roles, texts
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/agent -update to create it")
	require.Equal(t, string(want), string(got), "%s differs; if the change is intended, run go test ./internal/agent -update", path)
}

// indentJSON marshals v for a golden file.
func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return append(b, '\n')
}
