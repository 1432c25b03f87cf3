package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// clientConfig describes how one MCP client is told about a stdio server:
// where its configuration lives and the snippet to put there.
type clientConfig struct {
	where   string // the file the snippet goes in, for people
	snippet func(bin string, args []string) string
}

// stdioEntry is a server entry in the JSON most clients share, in the order
// people expect to read it.
type stdioEntry struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
}

var clientConfigs = map[string]clientConfig{
	"claude-desktop": {
		"claude_desktop_config.json (Settings → Developer → Edit Config)",
		func(bin string, args []string) string {
			return jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": stdioEntry{Command: bin, Args: args}}})
		},
	},
	"claude-code": {
		".mcp.json in the project (or run: claude mcp add agentbox -- COMMAND ARGS...)",
		func(bin string, args []string) string {
			return jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": stdioEntry{Type: "stdio", Command: bin, Args: args}}})
		},
	},
	"cursor": {
		"~/.cursor/mcp.json, or .cursor/mcp.json in the project",
		func(bin string, args []string) string {
			return jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": stdioEntry{Command: bin, Args: args}}})
		},
	},
	"vscode": {
		".vscode/mcp.json in the project",
		func(bin string, args []string) string {
			return jsonSnippet(map[string]any{"servers": map[string]any{"agentbox": stdioEntry{Type: "stdio", Command: bin, Args: args}}})
		},
	},
	"zed": {
		"Zed's settings.json (zed: open settings)",
		func(bin string, args []string) string {
			return jsonSnippet(map[string]any{"context_servers": map[string]any{"agentbox": stdioEntry{Command: bin, Args: args}}})
		},
	},
	"codex": {
		"~/.codex/config.toml",
		func(bin string, args []string) string {
			quoted := make([]string, len(args))
			for i, a := range args {
				quoted[i] = strconv.Quote(a) // a TOML basic string accepts Go's escapes for these
			}
			return fmt.Sprintf("[mcp_servers.agentbox]\ncommand = %s\nargs = [%s]\n", strconv.Quote(bin), strings.Join(quoted, ", "))
		},
	},
}

func jsonSnippet(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b) + "\n"
}

// configCmd prints a configuration snippet for an MCP client, with the
// absolute path of this binary and of the workspace. Arguments after the
// client name are passed on to the server (for example --log-level debug).
func configCmd(_ context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "config", &cfg)
	args, code := parse(e, fs, args, "CLIENT [-- SERVER FLAGS...]")
	if code >= 0 {
		return code
	}
	names := make([]string, 0, len(clientConfigs))
	for n := range clientConfigs {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(args) < 1 {
		fmt.Fprintf(e.stderr, "agentbox config: name a client: %s\n", strings.Join(names, ", "))
		return 2
	}
	cc, ok := clientConfigs[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "agentbox config: unknown client %q; the clients are %s\n", args[0], strings.Join(names, ", "))
		return 2
	}
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.EvalSymlinks(bin)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox config: cannot find this binary:", err)
		return 1
	}
	ws, err := filepath.Abs(cfg.workspace)
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox config:", err)
		return 1
	}
	if fi, err := os.Stat(ws); err != nil || !fi.IsDir() {
		fmt.Fprintf(e.stderr, "agentbox config: workspace %s is not a directory\n", ws)
		return 1
	}
	serverArgs := append([]string{"--workspace", ws}, args[1:]...)
	if cfg.audit != "" {
		audit, err := filepath.Abs(cfg.audit)
		if err == nil {
			serverArgs = append(serverArgs, "--audit", audit)
		}
	}
	fmt.Fprintf(e.stderr, "# for %s\n", cc.where)
	fmt.Fprint(e.stdout, cc.snippet(bin, serverArgs))
	return 0
}
