package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/prompts"
)

// startBinary runs the built agentbox on dir with args, over stdio, and
// returns the connected client and what initialize answered.
func startBinary(t *testing.T, dir string, args ...string) (*client.Client, *mcp.InitializeResult) {
	t.Helper()
	args = append([]string{"--workspace", dir}, args...)
	c, err := client.NewStdioMCPClient(binary, nil, args...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	res, err := c.Initialize(ctx, init)
	require.NoError(t, err)
	return c, res
}

// specialistBody is the built-in python specialist's text after its header:
// what prompts/get must return first.
func specialistBody(t *testing.T) string {
	t.Helper()
	data, err := prompts.FS.ReadFile("python-specialist.md")
	require.NoError(t, err)
	parts := strings.SplitN(string(data), "---\n", 3)
	require.Len(t, parts, 3)
	return strings.TrimSpace(parts[2])
}

func writeWorkspace(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// TestPromptsOverStdio is the acceptance case: over stdio, prompts/list
// shows the python specialist, and prompts/get with a task on a FastAPI
// workspace returns the specialist's text, a Workspace section naming
// FastAPI with its evidence, and the task.
func TestPromptsOverStdio(t *testing.T) {
	t.Parallel()
	dir := writeWorkspace(t, map[string]string{
		"requirements.txt": "fastapi==0.115.0\nuvicorn[standard]\n",
		"app/main.py":      "from fastapi import FastAPI\n\napp = FastAPI()\n",
	})
	c, init := startBinary(t, dir)
	require.NotNil(t, init.Capabilities.Prompts)
	require.NotNil(t, init.Capabilities.Completions)
	ctx := t.Context()

	list, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	require.NoError(t, err)
	require.Len(t, list.Prompts, 1)
	p := list.Prompts[0]
	assert.Equal(t, "python-specialist", p.Name)
	assert.Equal(t, "Python backend development expert with FastAPI, Django, Flask, and async programming", p.Description)
	require.Len(t, p.Arguments, 2)
	assert.Equal(t, "task", p.Arguments[0].Name)
	assert.Equal(t, "framework", p.Arguments[1].Name)
	assert.False(t, p.Arguments[0].Required || p.Arguments[1].Required, "both arguments are optional")

	const task = "Add a POST /orders endpoint with validation and tests"
	var req mcp.GetPromptRequest
	req.Params.Name = "python-specialist"
	req.Params.Arguments = map[string]string{"task": task}
	res, err := c.GetPrompt(ctx, req)
	require.NoError(t, err)
	require.Len(t, res.Messages, 2)
	first, ok := res.Messages[0].Content.(mcp.TextContent)
	require.True(t, ok)
	assert.Equal(t, mcp.RoleUser, res.Messages[0].Role)
	assert.True(t, strings.HasPrefix(first.Text, specialistBody(t)+"\n\n## Workspace\n"), "the specialist's text comes first, then the Workspace section")
	assert.Contains(t, first.Text, "\n- Framework: FastAPI\n"+
		"  - requirements.txt:1 depends on fastapi==0.115.0\n"+
		"  - app/main.py:1 `from fastapi import FastAPI`\n")
	assert.Contains(t, first.Text, "- Entry point: app/main.py:3 `app = FastAPI()` (ASGI app app.main:app)\n")
	second, ok := res.Messages[1].Content.(mcp.TextContent)
	require.True(t, ok)
	assert.Equal(t, mcp.RoleUser, res.Messages[1].Role)
	assert.Equal(t, task, second.Text)

	var creq mcp.CompleteRequest
	creq.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: "python-specialist"}
	creq.Params.Argument = mcp.CompleteArgument{Name: "framework", Value: "fa"}
	comp, err := c.Complete(ctx, creq)
	require.NoError(t, err)
	assert.Equal(t, []string{"FastAPI"}, comp.Completion.Values)
}

// TestAgentOverStdio runs the binary as an agent from a --prompts
// directory: tools/list shows only its tools, and the instructions carry
// its text.
func TestAgentOverStdio(t *testing.T) {
	t.Parallel()
	defs := writeWorkspace(t, map[string]string{
		"reader.md": "---\nname: reader\ndescription: Reads, never writes\ntools: Read, Glob\n---\n# Reader\n\nOnly read.\n",
	})
	c, init := startBinary(t, t.TempDir(), "--prompts", defs, "--agent", "reader")
	assert.Contains(t, init.Instructions, "This server runs as the reader agent. Follow its instructions:\n\n# Reader\n\nOnly read.\n\n## Workspace\n")

	tools, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	assert.Equal(t, []string{"Glob", "Read"}, names)

	list, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	var prompts []string
	for _, p := range list.Prompts {
		prompts = append(prompts, p.Name)
	}
	assert.Equal(t, []string{"python-specialist", "reader"}, prompts)
}
