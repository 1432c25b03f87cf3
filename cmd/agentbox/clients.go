package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/agentbox/agentbox/internal/server"
)

// A client's set-up is a few parts: a file and what goes in it, or a
// command to run. config prints each under a "# " line that says where.
type part struct {
	where string
	body  string
}

// stdioServer is how a client starts agentbox itself.
type stdioServer struct {
	command string
	args    []string
}

// remoteServer is where a client reaches an agentbox already serving.
type remoteServer struct {
	url       string
	token     string // "" with --no-auth
	tokenFrom string // the file the token was read from, or $AGENTBOX_TOKEN
}

// header is the Authorization header clients send, or nil without a token.
func (h remoteServer) header() map[string]string {
	if h.token == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + h.token}
}

// secret is added to where a snippet holding the token goes.
func (h remoteServer) secret() string {
	if h.token == "" {
		return ""
	}
	return " (it holds the token: keep the file private)"
}

// clientForms are the set-ups of one client; http is nil for a client
// whose configuration file takes no HTTP server.
type clientForms struct {
	stdio  func(s stdioServer) []part
	http   func(h remoteServer) []part
	noHTTP string // why there is no HTTP form
}

// mcpEntry is a server entry in the JSON most clients share, in the order
// people expect to read it.
type mcpEntry struct {
	Type    string            `json:"type,omitempty"`
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// vscodeInput is a value VS Code asks the user for, once.
type vscodeInput struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Description string `json:"description"`
	Password    bool   `json:"password"`
}

// claudeCodeOwnTools are the tools of Claude Code (2.1.332) that reach
// past agentbox: they touch files, run processes or reach the network
// unconfined; start or steer other agents and sessions; run work later or
// elsewhere; or, ToolSearch, hide agentbox's tools behind a search (the
// model sees their names only until it asks for them). Denied, they leave
// the model agentbox's tools and nothing else, as `claude --tools ""` does.
// Claude Code knows every name here (it warns of a deny rule that matches
// no tool it knows); a later one may add tools, which only --tools "" keeps
// out.
var claudeCodeOwnTools = []string{
	"Bash", "PowerShell", "Monitor", "Read", "Write", "Edit", "NotebookEdit",
	"Glob", "Grep", "LSP", "WebFetch", "WebSearch",
	"Agent", "SendMessage", "ListAgents", "TaskOutput", "TaskStop", "Workflow", "Skill", "ReportFindings",
	"CronCreate", "CronDelete", "CronList", "ScheduleWakeup", "RemoteTrigger",
	"EnterWorktree", "ExitWorktree", "Artifact", "Projects",
	"ToolSearch",
}

// claudeCodeConfinement is what leaves the model in Claude Code with only
// agentbox's tools: its own are there beside them otherwise (issue 13).
func claudeCodeConfinement() []part {
	return []part{
		{".claude/settings.json in the project: it denies Claude Code's own tools, which are not confined, so the model has agentbox's alone",
			jsonSnippet(map[string]any{"permissions": map[string]any{"deny": claudeCodeOwnTools}})},
		{"or, instead of the deny list, start Claude Code without any tools of its own (agentbox's stay)",
			"claude --tools \"\"\n"},
	}
}

var clients = map[string]clientForms{
	"claude-desktop": {
		stdio: func(s stdioServer) []part {
			return []part{{"claude_desktop_config.json (Settings → Developer → Edit Config)",
				jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": mcpEntry{Command: s.command, Args: s.args}}})}}
		},
		noHTTP: "Claude Desktop's configuration file takes only servers it starts itself; use this form without --http",
	},
	"claude-code": {
		stdio: func(s stdioServer) []part {
			return append([]part{{".mcp.json in the project",
				jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": mcpEntry{Type: "stdio", Command: s.command, Args: s.args}}})}},
				claudeCodeConfinement()...)
		},
		http: func(h remoteServer) []part {
			cmd := "claude mcp add --transport http agentbox " + shellQuote(h.url)
			where := "add the server to Claude Code, for you in this project"
			if h.token != "" {
				cmd += " --header " + shellQuote("Authorization: Bearer "+h.token)
				where += " (the token stays out of the project's files)"
			}
			return append([]part{{where, cmd + "\n"}}, claudeCodeConfinement()...)
		},
	},
	"cursor": {
		stdio: func(s stdioServer) []part {
			return []part{{"~/.cursor/mcp.json, or .cursor/mcp.json in the project",
				jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": mcpEntry{Command: s.command, Args: s.args}}})}}
		},
		http: func(h remoteServer) []part {
			where := "~/.cursor/mcp.json, or .cursor/mcp.json in the project"
			if h.token != "" {
				where = "~/.cursor/mcp.json (it holds the token: not the project's .cursor/mcp.json)"
			}
			return []part{{where,
				jsonSnippet(map[string]any{"mcpServers": map[string]any{"agentbox": mcpEntry{URL: h.url, Headers: h.header()}}})}}
		},
	},
	"vscode": {
		stdio: func(s stdioServer) []part {
			return []part{{".vscode/mcp.json in the project",
				jsonSnippet(map[string]any{"servers": map[string]any{"agentbox": mcpEntry{Type: "stdio", Command: s.command, Args: s.args}}})}}
		},
		http: func(h remoteServer) []part {
			entry := mcpEntry{Type: "http", URL: h.url}
			if h.token == "" {
				return []part{{".vscode/mcp.json in the project",
					jsonSnippet(map[string]any{"servers": map[string]any{"agentbox": entry}})}}
			}
			// VS Code asks for the token once and keeps it, so the
			// project's file does not hold it.
			entry.Headers = map[string]string{"Authorization": "Bearer ${input:agentbox-token}"}
			input := vscodeInput{Type: "promptString", ID: "agentbox-token", Description: "agentbox token (" + h.tokenFrom + ")", Password: true}
			return []part{{".vscode/mcp.json in the project; VS Code asks once for the token",
				jsonSnippet(map[string]any{"inputs": []vscodeInput{input}, "servers": map[string]any{"agentbox": entry}})}}
		},
	},
	"zed": {
		stdio: func(s stdioServer) []part {
			return []part{{"Zed's settings.json (zed: open settings)",
				jsonSnippet(map[string]any{"context_servers": map[string]any{"agentbox": mcpEntry{Command: s.command, Args: s.args}}})}}
		},
		http: func(h remoteServer) []part {
			return []part{{"Zed's settings.json (zed: open settings)" + h.secret(),
				jsonSnippet(map[string]any{"context_servers": map[string]any{"agentbox": mcpEntry{URL: h.url, Headers: h.header()}}})}}
		},
	},
	"codex": {
		stdio: func(s stdioServer) []part {
			quoted := make([]string, len(s.args))
			for i, a := range s.args {
				quoted[i] = strconv.Quote(a) // a TOML basic string accepts Go's escapes for these
			}
			return []part{{"~/.codex/config.toml",
				fmt.Sprintf("[mcp_servers.agentbox]\ncommand = %s\nargs = [%s]\n", strconv.Quote(s.command), strings.Join(quoted, ", "))}}
		},
		http: func(h remoteServer) []part {
			body := fmt.Sprintf("[mcp_servers.agentbox]\nurl = %s\n", strconv.Quote(h.url))
			where := "~/.codex/config.toml"
			if h.token != "" {
				// Codex takes no token in its file, only the name of a
				// variable that holds it.
				body += "bearer_token_env_var = \"AGENTBOX_TOKEN\"\n"
				where += "; start Codex with AGENTBOX_TOKEN set to the token"
				if h.tokenFrom != "AGENTBOX_TOKEN" {
					where += " in " + h.tokenFrom
				}
			}
			return []part{{where, body}}
		},
	},
}

// configCmd prints what it takes to use agentbox from an MCP client: the
// snippet for its configuration, with the absolute path of this binary,
// the workspace and every server flag given here (paths made absolute), and
// for Claude Code the settings that leave the model only agentbox's tools.
// With --http URL it prints the client's HTTP form and the command that
// starts the server. Arguments after "--" go to the server as they are.
func configCmd(_ context.Context, e *env, args []string) int {
	var cfg config
	var h httpFlags
	fs := flags(e, "config", &cfg)
	h.register(fs)
	args, code := parse(e, fs, args, "CLIENT [-- SERVER FLAGS...]")
	if code >= 0 {
		return code
	}
	names := make([]string, 0, len(clients))
	for n := range clients {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(args) < 1 {
		fmt.Fprintf(e.stderr, "agentbox config: name a client: %s\n", strings.Join(names, ", "))
		return 2
	}
	forms, ok := clients[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "agentbox config: unknown client %q; the clients are %s\n", args[0], strings.Join(names, ", "))
		return 2
	}
	httpOnly := httpFlagNames()
	if h.addr == "" {
		var given []string
		fs.Visit(func(f *flag.Flag) {
			if httpOnly[f.Name] {
				given = append(given, "--"+f.Name)
			}
		})
		if len(given) > 0 {
			fmt.Fprintf(e.stderr, "agentbox config: %s go with --http URL\n", strings.Join(given, ", "))
			return 2
		}
	}
	if h.noAuth && h.tokenFile != "" {
		fmt.Fprintln(e.stderr, "agentbox config: --no-auth and --token-file contradict each other")
		return 2
	}
	if h.addr != "" && forms.http == nil {
		fmt.Fprintf(e.stderr, "agentbox config: %s\n", forms.noHTTP)
		return 2
	}
	if err := cfg.chooseWorkspace(); err != nil {
		fmt.Fprintln(e.stderr, "agentbox config:", err)
		var r *refusal
		if errors.As(err, &r) {
			return 2
		}
		return 1
	}
	if fi, err := os.Stat(cfg.workspace); err != nil || !fi.IsDir() {
		fmt.Fprintf(e.stderr, "agentbox config: workspace %s is not a directory\n", cfg.workspace)
		return 1
	}
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.EvalSymlinks(bin)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox config: cannot find this binary:", err)
		return 1
	}

	serverArgs := []string{"--workspace", cfg.workspace}
	var parts []part
	if h.addr == "" {
		serverArgs = append(serverArgs, givenFlags(fs, func(name string) bool { return name == "workspace" })...)
		serverArgs = append(serverArgs, args[1:]...)
		parts = forms.stdio(stdioServer{command: bin, args: serverArgs})
	} else {
		target, addr, err := httpTarget(h.addr)
		if err != nil {
			fmt.Fprintln(e.stderr, "agentbox config:", err)
			return 2
		}
		hs := remoteServer{url: target}
		if !h.noAuth {
			token, generated, err := h.token(e)
			switch {
			case err != nil:
				fmt.Fprintln(e.stderr, "agentbox config:", err)
				return 1
			case generated:
				fmt.Fprintln(e.stderr, "agentbox config: --http needs the token the server will ask for: --token-file FILE (the file the server reads too), or AGENTBOX_TOKEN; or --no-auth")
				return 2
			}
			hs.token, hs.tokenFrom = token, "AGENTBOX_TOKEN"
			if h.tokenFile != "" {
				hs.tokenFrom = absPath(h.tokenFile)
			}
		}
		serve := append([]string{bin, "serve", "--http", addr}, serverArgs...)
		serve = append(serve, givenFlags(fs, func(name string) bool { return name == "workspace" || name == "http" })...)
		serve = append(serve, args[1:]...)
		quoted := make([]string, len(serve))
		for i, a := range serve {
			quoted[i] = shellQuote(a)
		}
		where := "start the server (it serves until stopped)"
		if hs.token != "" && h.tokenFile == "" {
			where += ", with AGENTBOX_TOKEN set as here"
		}
		parts = append([]part{{where, strings.Join(quoted, " ") + "\n"}}, forms.http(hs)...)
	}
	for i, p := range parts {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "# %s:\n%s", p.where, p.body)
	}
	return 0
}

// httpFlagNames are the flags of serving over HTTP, which a stdio snippet
// cannot carry.
func httpFlagNames() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	new(httpFlags).register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// givenFlags are the flags set on the command line, as a server takes them:
// in the flag set's order, each repeated value on its own, paths absolute.
// Every flag of the set is carried, whoever added it; skip leaves some out.
func givenFlags(fs *flag.FlagSet, skip func(name string) bool) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		if skip(f.Name) {
			return
		}
		if l, ok := f.Value.(*listFlag); ok {
			for _, v := range *l {
				out = append(out, "--"+f.Name, flagValue(f, v))
			}
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if f.Value.String() == "true" {
				out = append(out, "--"+f.Name)
			} else {
				out = append(out, "--"+f.Name+"="+f.Value.String())
			}
			return
		}
		out = append(out, "--"+f.Name, flagValue(f, f.Value.String()))
	})
	return out
}

// flagValue is v made absolute when the flag names a path: its usage calls
// the value a `dir`, `directory`, `file` or `path` (flag.UnquoteUsage), the
// convention every path flag follows.
func flagValue(f *flag.Flag, v string) string {
	switch name, _ := flag.UnquoteUsage(f); name {
	case "dir", "directory", "file", "path":
		if v != "" {
			return absPath(v)
		}
	}
	return v
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// httpTarget reads --http for config: the URL clients use, or the ADDR the
// server is given (then the URL is http://ADDR/mcp). It returns both.
func httpTarget(v string) (target, addr string, err error) {
	if !strings.Contains(v, "://") {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return "", "", fmt.Errorf("--http %s: give the server's URL (http://127.0.0.1:8080%s) or its address (127.0.0.1:8080)", v, server.Path)
		}
		return "http://" + v + server.Path, v, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", "", fmt.Errorf("--http %s: give the server's URL, like http://127.0.0.1:8080%s", v, server.Path)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = server.Path
	}
	addr = u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	return u.String(), addr, nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// stringArray is an indented JSON array of strings, which jsonSnippet puts
// on one line.
var stringArray = regexp.MustCompile(`\[\n(?:\s*"(?:[^"\\]|\\.)*",?\n)+\s*\]`)

var jsonString = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// jsonSnippet is v as indented JSON, with arrays of strings on one line as
// people write them.
func jsonSnippet(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // maps and structs of strings: nothing to fail on
	return stringArray.ReplaceAllStringFunc(b.String(), func(arr string) string {
		return "[" + strings.Join(jsonString.FindAllString(arr, -1), ", ") + "]"
	})
}
