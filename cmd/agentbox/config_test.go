package main

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configParts splits config's output into its parts: a "# where:" line,
// then the body.
func configParts(t *testing.T, out string) []part {
	t.Helper()
	var parts []part
	lines := strings.SplitAfter(out, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "# ") && (i == 0 || lines[i-1] == "\n") {
			parts = append(parts, part{where: strings.TrimSuffix(strings.TrimPrefix(line, "# "), ":\n")})
			continue
		}
		require.NotEmpty(t, parts, "output does not start with a # line:\n%s", out)
		parts[len(parts)-1].body += line
	}
	for i := range parts[:max(0, len(parts)-1)] {
		parts[i].body = strings.TrimSuffix(parts[i].body, "\n")
	}
	return parts
}

func TestConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, client := range []string{"claude-desktop", "claude-code", "cursor", "vscode", "zed"} {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := agentbox(t, "", "config", client, "--workspace", dir)
			require.Equal(t, 0, code, errOut)
			parts := configParts(t, out)
			var v map[string]map[string]mcpEntry
			require.NoError(t, json.Unmarshal([]byte(parts[0].body), &v), "not valid JSON:\n%s", parts[0].body)
			require.Len(t, v, 1)
			for _, servers := range v {
				entry := servers["agentbox"]
				assert.True(t, filepath.IsAbs(entry.Command), entry.Command)
				assert.FileExists(t, entry.Command)
				assert.Equal(t, []string{"--workspace", dir}, entry.Args)
			}
		})
	}
	t.Run("codex", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := agentbox(t, "", "config", "codex", "--workspace", dir)
		require.Equal(t, 0, code, errOut)
		var v struct {
			MCPServers map[string]mcpEntry `json:"mcp_servers"`
		}
		require.NoError(t, json.Unmarshal(parseTOML(t, configParts(t, out)[0].body), &v))
		assert.Equal(t, []string{"--workspace", dir}, v.MCPServers["agentbox"].Args)
	})
	t.Run("claude-code leaves the model only agentbox's tools", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := agentbox(t, "", "config", "claude-code", "--workspace", dir)
		require.Equal(t, 0, code, errOut)
		parts := configParts(t, out)
		require.Len(t, parts, 3)
		assert.True(t, strings.HasPrefix(parts[1].where, ".claude/settings.json"), parts[1].where)
		var settings struct {
			Permissions struct{ Deny []string } `json:"permissions"`
		}
		require.NoError(t, json.Unmarshal([]byte(parts[1].body), &settings))
		for _, tool := range []string{"Bash", "Read", "Write", "Edit", "Glob", "Grep", "NotebookEdit", "WebFetch", "WebSearch"} {
			assert.Contains(t, settings.Permissions.Deny, tool)
		}
		assert.Equal(t, "claude --tools \"\"\n", parts[2].body)
	})
	t.Run("an unknown client", func(t *testing.T) {
		t.Parallel()
		_, errOut, code := agentbox(t, "", "config", "emacs")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "the clients are claude-code, claude-desktop, codex, cursor, vscode, zed")
	})
	t.Run("HTTP flags without --http", func(t *testing.T) {
		t.Parallel()
		_, errOut, code := agentbox(t, "", "config", "cursor", "--workspace", dir, "--session-idle", "5m")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "--session-idle go with --http")
	})
}

// parseTOML returns a TOML document as JSON, read by Python's tomllib.
func parseTOML(t *testing.T, doc string) []byte {
	t.Helper()
	py := "/usr/bin/python3" // Debian's, with tomllib (3.11+); the pyenv one first on PATH may differ
	if _, err := os.Stat(py); err != nil {
		t.Skip("no /usr/bin/python3 to parse TOML with")
	}
	check := exec.Command(py, "-c", `import sys, tomllib, json; print(json.dumps(tomllib.loads(sys.stdin.read())))`)
	check.Stdin = strings.NewReader(doc)
	parsed, err := check.Output()
	require.NoError(t, err, "TOML does not parse:\n%s", doc)
	return parsed
}

// flagSamples are values for the flags a test passes to config, beside
// the defaults. A flag not listed here (one added later) gets a value of
// its kind: true, a relative path, or its default given explicitly.
var flagSamples = map[string][]string{
	"log-level":           {"debug"},
	"audit":               {"audit.jsonl"},
	"prompts":             {"defs"},
	"diagnostics":         {"off"},
	"diagnostics-timeout": {"7s"},
	"agent":               {"python-specialist"},
	"sandbox":             {"require"},
	"env":                 {"GOFLAGS", "SSL_CERT_FILE"},
	"read-confinement":    {"strict"},
	"allow-read":          {"shared/docs", "/opt/data"},
	"allow-write":         {"out"},
	"token-file":          {"token"},
	"no-auth":             {"false"},
	"session-idle":        {"45m"},
	"foreground-limit":    {"90s"},
	"python-env":          {"off"},
}

// TestConfigCarriesEveryFlag gives config every flag of its set and checks
// that the snippet's server flags, parsed as serve parses them, hold the
// same values, paths made absolute against config's working directory.
func TestConfigCarriesEveryFlag(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	ws := filepath.Join(cwd, "project")
	require.NoError(t, os.Mkdir(ws, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(cwd, "token"), []byte("0123456789abcdef0123456789abcdef\n"), 0o600))

	// config's flags, and what each should read after the round trip.
	var cfg config
	var h httpFlags
	fs := flags(&env{stderr: io.Discard, getenv: func(string) string { return "" }}, "config", &cfg)
	h.register(fs)
	httpOnly := httpFlagNames()
	var stdioArgs, httpArgs []string
	want := map[string][]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "workspace" || f.Name == "http" {
			return
		}
		values, ok := flagSamples[f.Name]
		if !ok {
			kind, _ := flag.UnquoteUsage(f)
			switch b, isBool := f.Value.(interface{ IsBoolFlag() bool }); {
			case isBool && b.IsBoolFlag():
				values = []string{"true"}
			case kind == "dir" || kind == "directory" || kind == "file" || kind == "path":
				values = []string{"some/" + f.Name}
			case f.DefValue != "":
				values = []string{f.DefValue}
			default:
				t.Errorf("no sample value for --%s: add one to flagSamples", f.Name)
				return
			}
		}
		var args []string
		for _, v := range values {
			args = append(args, "--"+f.Name+"="+v)
			want[f.Name] = append(want[f.Name], flagValueIn(f, v, cwd))
		}
		httpArgs = append(httpArgs, args...)
		if !httpOnly[f.Name] {
			stdioArgs = append(stdioArgs, args...)
		}
	})

	// check parses server flags as serve does and compares them with want.
	check := func(t *testing.T, serverArgs []string, names func(string) bool) {
		t.Helper()
		var got config
		var gotHTTP httpFlags
		sfs, _ := serveFlags(&env{stderr: io.Discard, getenv: func(string) string { return "" }}, &got, &gotHTTP)
		require.NoError(t, sfs.Parse(serverArgs), "%q", serverArgs)
		assert.Equal(t, ws, got.workspace)
		seen := map[string]bool{}
		sfs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
		for name, values := range want {
			if !names(name) {
				continue
			}
			f := sfs.Lookup(name)
			require.NotNil(t, f, "--%s is not a serve flag", name)
			assert.True(t, seen[name], "--%s was not carried: %q", name, serverArgs)
			// The values given, as a fresh flag of the same kind holds them.
			var rcfg config
			var rh httpFlags
			rfs, _ := serveFlags(&env{stderr: io.Discard, getenv: func(string) string { return "" }}, &rcfg, &rh)
			for _, v := range values {
				require.NoError(t, rfs.Set(name, v))
			}
			assert.Equal(t, rfs.Lookup(name).Value.String(), f.Value.String(), "--%s", name)
		}
	}

	t.Run("stdio", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := runIn(t, cwd, nil, "", append([]string{"config", "claude-code", "--workspace", "project"}, stdioArgs...)...)
		require.Equal(t, 0, code, errOut)
		var v struct{ MCPServers map[string]mcpEntry }
		require.NoError(t, json.Unmarshal([]byte(configParts(t, out)[0].body), &v))
		check(t, v.MCPServers["agentbox"].Args, func(name string) bool { return !httpOnly[name] })
	})
	t.Run("http", func(t *testing.T) {
		t.Parallel()
		args := append([]string{"config", "cursor", "--workspace", "project", "--http", "127.0.0.1:8080"}, httpArgs...)
		out, errOut, code := runIn(t, cwd, nil, "", args...)
		require.Equal(t, 0, code, errOut)
		parts := configParts(t, out)
		require.Len(t, parts, 2)
		serve := strings.Fields(strings.TrimSpace(parts[0].body)) // no value here needs quoting
		require.Greater(t, len(serve), 4)
		assert.Equal(t, []string{"serve", "--http", "127.0.0.1:8080"}, serve[1:4])
		check(t, serve[4:], func(string) bool { return true })
		var v struct{ MCPServers map[string]mcpEntry }
		require.NoError(t, json.Unmarshal([]byte(parts[1].body), &v))
		assert.Equal(t, mcpEntry{URL: "http://127.0.0.1:8080/mcp",
			Headers: map[string]string{"Authorization": "Bearer 0123456789abcdef0123456789abcdef"}}, v.MCPServers["agentbox"])
	})
}

// flagValueIn is what a flag's value becomes in a snippet made in cwd.
func flagValueIn(f *flag.Flag, v, cwd string) string {
	switch kind, _ := flag.UnquoteUsage(f); kind {
	case "dir", "directory", "file", "path":
		if !filepath.IsAbs(v) {
			return filepath.Join(cwd, v)
		}
	}
	return v
}

func TestConfigHTTP(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	token := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(token, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))

	t.Run("needs a token or --no-auth", func(t *testing.T) {
		t.Parallel()
		_, errOut, code := runIn(t, ws, environWithout("CLAUDE_PROJECT_DIR", "AGENTBOX_TOKEN"), "", "config", "cursor", "--http", "127.0.0.1:8080")
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "--token-file FILE")
	})
	t.Run("--no-auth sends no header", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := runIn(t, ws, nil, "", "config", "zed", "--http", "http://127.0.0.1:9000/mcp", "--no-auth")
		require.Equal(t, 0, code, errOut)
		parts := configParts(t, out)
		assert.Contains(t, parts[0].body, " serve --http 127.0.0.1:9000 --workspace "+ws+" --no-auth\n")
		var v struct {
			ContextServers map[string]mcpEntry `json:"context_servers"`
		}
		require.NoError(t, json.Unmarshal([]byte(parts[1].body), &v))
		assert.Equal(t, mcpEntry{URL: "http://127.0.0.1:9000/mcp"}, v.ContextServers["agentbox"])
	})
	t.Run("Claude Desktop has no HTTP form", func(t *testing.T) {
		t.Parallel()
		_, errOut, code := runIn(t, ws, nil, "", "config", "claude-desktop", "--http", "127.0.0.1:8080", "--token-file", token)
		assert.Equal(t, 2, code)
		assert.Contains(t, errOut, "without --http")
	})
	t.Run("VS Code asks for the token, and the project's file does not hold it", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := runIn(t, ws, nil, "", "config", "vscode", "--http", "127.0.0.1:8080", "--token-file", token)
		require.Equal(t, 0, code, errOut)
		parts := configParts(t, out)
		assert.NotContains(t, parts[1].body, "0123456789abcdef")
		var v struct {
			Inputs  []vscodeInput
			Servers map[string]mcpEntry
		}
		require.NoError(t, json.Unmarshal([]byte(parts[1].body), &v))
		require.Len(t, v.Inputs, 1)
		assert.True(t, v.Inputs[0].Password)
		assert.Equal(t, "Bearer ${input:"+v.Inputs[0].ID+"}", v.Servers["agentbox"].Headers["Authorization"])
	})
	t.Run("Codex reads the token from a variable", func(t *testing.T) {
		t.Parallel()
		out, errOut, code := runIn(t, ws, nil, "", "config", "codex", "--http", "127.0.0.1:8080", "--token-file", token)
		require.Equal(t, 0, code, errOut)
		parts := configParts(t, out)
		assert.NotContains(t, out, "0123456789abcdef", "Codex takes no token in its file")
		var v struct {
			MCPServers map[string]map[string]string `json:"mcp_servers"`
		}
		require.NoError(t, json.Unmarshal(parseTOML(t, parts[1].body), &v))
		assert.Equal(t, map[string]string{"url": "http://127.0.0.1:8080/mcp", "bearer_token_env_var": "AGENTBOX_TOKEN"}, v.MCPServers["agentbox"])
	})
}

// readmeConfig finds the README's config examples: a marker with the
// command, then a fenced block with its output.
var readmeConfig = regexp.MustCompile("(?s)<!-- agentbox (config [^>]*?) -->\n```\n(.*?)```\n")

// TestREADMEConfig keeps the README's client snippets exactly what config
// prints for the command above each, with /usr/local/bin/agentbox for this
// binary, /home/me/project for the workspace and
// /home/me/.config/agentbox/token for a token file. Run with -update to
// rewrite them.
func TestREADMEConfig(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	bin, err := filepath.EvalSymlinks(binary)
	require.NoError(t, err)
	ws := t.TempDir()
	token := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(token, []byte("0123456789abcdef0123456789abcdef\n"), 0o600))
	placeholders := strings.NewReplacer("/home/me/project", ws, "/home/me/.config/agentbox/token", token)
	back := strings.NewReplacer(bin, "/usr/local/bin/agentbox", ws, "/home/me/project", token, "/home/me/.config/agentbox/token")

	s := string(readme)
	matches := readmeConfig.FindAllStringSubmatchIndex(s, -1)
	require.NotEmpty(t, matches, "README.md has no <!-- agentbox config ... --> examples")
	seen := map[string]bool{}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		command, shown := s[m[2]:m[3]], s[m[4]:m[5]]
		args := strings.Fields(placeholders.Replace(command))
		seen[args[1]] = true
		out, errOut, code := runIn(t, ws, environWithout("CLAUDE_PROJECT_DIR", "AGENTBOX_TOKEN"), "", args...)
		require.Equal(t, 0, code, "agentbox %s: %s", command, errOut)
		out = back.Replace(out)
		if !*update {
			assert.Equal(t, out, shown, "README.md's output of agentbox %s is stale: run go test ./cmd/agentbox -run TestREADMEConfig -update", command)
		}
		b.WriteString(s[last:m[4]] + out)
		last = m[5]
	}
	b.WriteString(s[last:])
	for _, client := range []string{"claude-desktop", "claude-code", "cursor", "vscode", "zed", "codex"} {
		assert.True(t, seen[client], "README.md shows no agentbox config %s", client)
	}
	if *update {
		require.NoError(t, os.WriteFile("../../README.md", []byte(b.String()), 0o644))
	}
}
