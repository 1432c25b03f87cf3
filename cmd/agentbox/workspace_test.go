package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkspaceChoice starts the binary over stdio without --workspace, as
// clients do, and checks which directory it serves, or that it refuses.
func TestWorkspaceChoice(t *testing.T) {
	t.Parallel()

	refused := func(t *testing.T, dir string, env []string, why string) {
		t.Helper()
		out, errOut, code := runIn(t, dir, env, "", "serve")
		assert.Equal(t, 2, code, "stderr: %s", errOut)
		assert.Empty(t, out, "nothing on stdout: it is the protocol")
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		assert.Contains(t, errOut, why)
		assert.Contains(t, errOut, "--workspace DIR")
		assert.Contains(t, errOut, "agentbox config CLIENT")
	}

	t.Run("refuses the root, where Claude Desktop starts servers", func(t *testing.T) {
		t.Parallel()
		refused(t, "/", nil, "the current directory (/) is the file system's root")
	})
	t.Run("refuses the home directory itself", func(t *testing.T) {
		t.Parallel()
		home := t.TempDir()
		refused(t, home, append(environWithout("CLAUDE_PROJECT_DIR", "HOME"), "HOME="+home), "is your home directory")
	})
	t.Run("refuses a system directory", func(t *testing.T) {
		t.Parallel()
		refused(t, "/usr/bin", nil, "(/usr/bin) is a system directory")
	})
	t.Run("refuses CLAUDE_PROJECT_DIR when it is the root", func(t *testing.T) {
		t.Parallel()
		refused(t, t.TempDir(), append(environWithout("CLAUDE_PROJECT_DIR"), "CLAUDE_PROJECT_DIR=/"), "CLAUDE_PROJECT_DIR (/) is the file system's root")
	})
	t.Run("the call command refuses too", func(t *testing.T) {
		t.Parallel()
		_, errOut, code := runIn(t, "/", nil, "", "call", "Read", `{"file_path":"etc/hostname"}`)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "is the file system's root")
	})
	t.Run("serves CLAUDE_PROJECT_DIR, whatever the current directory", func(t *testing.T) {
		t.Parallel()
		project := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(project, "hello.txt"), []byte("hi\n"), 0o644))
		env := append(environWithout("CLAUDE_PROJECT_DIR"), "CLAUDE_PROJECT_DIR="+project)
		c := spawnIn(t, "/", env, "--diagnostics=off")
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "Read", map[string]any{"file_path": "hello.txt"}
		res, err := c.CallTool(t.Context(), req)
		require.NoError(t, err)
		require.False(t, res.IsError, "%v", res.Content)
		assert.Equal(t, "1\thi", res.Content[0].(mcp.TextContent).Text)
	})
	t.Run("serves the current directory when it is a project", func(t *testing.T) {
		t.Parallel()
		project := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(project, "a.txt"), []byte("x\n"), 0o644))
		out, errOut, code := runIn(t, project, nil, "", "call", "Read", `{"file_path":"a.txt"}`)
		require.Equal(t, 0, code, errOut)
		assert.Equal(t, "1\tx\n", out)
	})
	t.Run("--workspace is never second-guessed, / included", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := runIn(t, "/", nil, "", "serve", "--workspace", "/", "--log-level", "info")
		require.Equal(t, 0, code, errOut)
		assert.Empty(t, out)
		assert.Contains(t, errOut, "workspace=/")
	})
}

func TestNotAWorkspace(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	for dir, want := range map[string]string{
		"/":                  "the file system's root",
		home:                 "your home directory",
		home + "/project":    "",
		"/usr":               "a system directory",
		"/usr/local":         "a system directory",
		"/usr/local/src/app": "",
		"/usr/lib/python3":   "a system directory",
		"/etc":               "a system directory",
		"/etc/nixos":         "a system directory",
		"/var":               "a system directory",
		"/var/www/site":      "",
		"/var/log/app":       "a system directory",
		"/tmp":               "a system directory",
		"/tmp/build":         "",
		"/opt/app":           "",
		"/proc/self":         "a system directory",
		"/System/Library":    "a system directory",
	} {
		assert.Equal(t, want, notAWorkspace(dir, getenv), dir)
	}
}
