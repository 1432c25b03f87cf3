package server

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeTree(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

// start builds a server from cfg (its Workspace a fresh directory unless
// set) and connects an in-process client; it returns the client, the
// initialize result and the server's log.
func start(t *testing.T, cfg Config) (*client.Client, *mcp.InitializeResult, *syncBuffer) {
	t.Helper()
	if cfg.Workspace == "" {
		cfg.Workspace = t.TempDir()
	}
	log := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(log, nil))
	srv, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c, err := client.NewInProcessClient(srv.MCP())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Start(t.Context()))
	init, err := c.Initialize(t.Context(), mcp.InitializeRequest{})
	require.NoError(t, err)
	return c, init, log
}

func listTools(t *testing.T, c *client.Client) []string {
	t.Helper()
	res, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	return names
}

func listPrompts(t *testing.T, c *client.Client) map[string]string {
	t.Helper()
	res, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	prompts := map[string]string{}
	for _, p := range res.Prompts {
		prompts[p.Name] = p.Description
	}
	return prompts
}

const readerAgent = `---
name: reader
description: Reads and reports, never writes
tools: read, Glob, Bash, mcp__agentbox__Edit
---
# Reader

Only read files; report what you find.
`

func TestAgentFlag(t *testing.T) {
	t.Parallel()

	t.Run("without it every tool is exposed and the instructions are the server's own", func(t *testing.T) {
		t.Parallel()
		c, init, _ := start(t, Config{})
		tools := listTools(t, c)
		assert.Contains(t, tools, "Write")
		assert.Contains(t, tools, "Read")
		assert.NotContains(t, init.Instructions, "runs as the")
		require.NotNil(t, init.Capabilities.Prompts, "prompts capability")
		require.NotNil(t, init.Capabilities.Completions, "completions capability")
	})

	t.Run("exposes only the tools the definition lists and reports the others", func(t *testing.T) {
		t.Parallel()
		dir := writeTree(t, t.TempDir(), map[string]string{"reader.md": readerAgent})
		c, init, log := start(t, Config{PromptsDir: dir, Agent: "reader"})
		assert.Equal(t, []string{"Edit", "Glob", "Read"}, listTools(t, c))
		assert.Contains(t, log.String(), `msg="the agent's definition lists tools this server does not have; they are left out" agent=reader file=`+dir+`/reader.md unknown=Bash`)

		assert.Contains(t, init.Instructions, "This server runs as the reader agent. Follow its instructions:\n\n# Reader\n\nOnly read files; report what you find.\n\n## Workspace\n")
		assert.Contains(t, init.Instructions, "agentbox looked at this workspace when the server started")
		assert.Contains(t, init.Instructions, "Tools: Read, Edit, Glob. agentbox serves them over MCP, confined to this workspace. This agent's definition also lists Bash, which this server does not provide")

		// A tool left out cannot be called either.
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "Write", map[string]any{"file_path": "x", "content": "y"}
		_, err := c.CallTool(t.Context(), req)
		require.Error(t, err)
	})

	t.Run("the python specialist keeps the coding tools it lists", func(t *testing.T) {
		t.Parallel()
		c, init, _ := start(t, Config{Agent: "python-specialist"})
		tools := listTools(t, c)
		assert.Subset(t, tools, []string{"Read", "Write", "Edit", "Glob"})
		assert.Contains(t, init.Instructions, "# Python Backend Specialist")
	})

	t.Run("an unknown agent stops the server with the names it knows", func(t *testing.T) {
		t.Parallel()
		_, err := New(Config{Workspace: t.TempDir(), Agent: "java-specialist"})
		require.Error(t, err)
		assert.Equal(t, `agent "java-specialist": no definition has that name; the definitions are: python-specialist`, err.Error())
	})
}

func TestPromptSources(t *testing.T) {
	t.Parallel()

	t.Run("the built-in python specialist is a prompt", func(t *testing.T) {
		t.Parallel()
		c, _, _ := start(t, Config{})
		assert.Equal(t, map[string]string{
			"python-specialist": "Python backend development expert with FastAPI, Django, Flask, and async programming",
		}, listPrompts(t, c))
	})

	t.Run("the workspace overrides --prompts, which overrides the built-in set", func(t *testing.T) {
		t.Parallel()
		def := func(name, desc string) string {
			return "---\nname: " + name + "\ndescription: " + desc + "\n---\nBody\n"
		}
		flagDir := writeTree(t, t.TempDir(), map[string]string{
			"python.md": def("python-specialist", "from --prompts"),
			"docs.md":   def("docs-writer", "from --prompts too"),
		})
		ws := writeTree(t, t.TempDir(), map[string]string{
			".claude/agents/docs.md":   def("docs-writer", "the team's own"),
			".claude/agents/broken.md": "---\nname: broken\n---\nBody\n",
		})
		c, _, log := start(t, Config{Workspace: ws, PromptsDir: flagDir})
		assert.Equal(t, map[string]string{
			"python-specialist": "from --prompts",
			"docs-writer":       "the team's own",
		}, listPrompts(t, c))
		assert.Contains(t, log.String(), `msg="skipped an agent definition" problem="`+`.claude/agents/broken.md:1: the header has no description`)
		assert.Contains(t, log.String(), `name=docs-writer file=.claude/agents/docs.md overrides=`+flagDir+`/docs.md`)
		assert.Contains(t, log.String(), `name=python-specialist file=`+flagDir+`/python.md overrides=prompts/python-specialist.md`)
	})

	t.Run("workspace definitions are read through the workspace", func(t *testing.T) {
		t.Parallel()
		outside := writeTree(t, t.TempDir(), map[string]string{
			"evil.md": "---\nname: evil\ndescription: from outside\n---\nBody\n",
		})
		ws := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(ws, ".claude"), 0o755))
		require.NoError(t, os.Symlink(outside, filepath.Join(ws, ".claude", "agents")))
		c, _, _ := start(t, Config{Workspace: ws})
		assert.NotContains(t, listPrompts(t, c), "evil")
	})

	t.Run("a missing --prompts directory stops the server", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "nope")
		_, err := New(Config{Workspace: t.TempDir(), PromptsDir: missing})
		require.Error(t, err)
		assert.True(t, strings.HasPrefix(err.Error(), "prompts directory: stat "+missing+": no such file"), err.Error())
	})
}
