//go:build linux

package claudecode

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// claudeCodeVersion is the Claude Code these tests were written against:
// what they expect of it (and the comments that cite it) holds for this
// version. scripts/claude-code/package.json pins the same one.
const claudeCodeVersion = "2.1.332"

// claudeEnv names the claude program to drive. scripts/claude-code.sh
// installs it and prints its path; .ci/run sets it.
const claudeEnv = "AGENTBOX_CLAUDE_CODE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(bridgeEnv); spec != "" {
		os.Exit(bridgeMain(spec, os.Args[1:]))
	}
	code := m.Run()
	if err := writeRecord(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// claudeCode returns the claude program, or skips the test when none is
// configured on a developer's machine. In CI, and whenever one is
// configured, a missing or wrong one fails the test.
func claudeCode(t *testing.T) string {
	t.Helper()
	path := os.Getenv(claudeEnv)
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must install Claude Code (scripts/claude-code.sh) for the real-client tests", claudeEnv)
		}
		t.Skipf("%s is not set; to run the real-client tests: export %s=$(scripts/claude-code.sh)", claudeEnv, claudeEnv)
	}
	versionOnce.Do(func() {
		out, err := exec.Command(path, "--version").CombinedOutput()
		switch {
		case err != nil:
			versionErr = fmt.Errorf("%s=%s: %v\n%s", claudeEnv, path, err, out)
		case !strings.HasPrefix(string(out), claudeCodeVersion+" "):
			versionErr = fmt.Errorf("%s=%s is %q, but these tests are written against Claude Code %s (scripts/claude-code.sh installs it)",
				claudeEnv, path, strings.TrimSpace(string(out)), claudeCodeVersion)
		}
	})
	if versionErr != nil {
		t.Fatal(versionErr)
	}
	return path
}

var (
	versionOnce sync.Once
	versionErr  error
)

// agentbox returns the agentbox binary, built once for the package.
func agentbox(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "agentbox-claudecode")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		bin := filepath.Join(dir, "agentbox")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/agentbox/agentbox/cmd/agentbox").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building agentbox: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var (
	buildOnce sync.Once
	buildErr  error
	binDir    string
	binPath   string
)

// session is one non-interactive Claude Code run: one prompt, played out
// against the fake model's script.
type session struct {
	workspace string
	prompt    string
	marker    string // what marks the conversation's requests; the prompt if ""
	script    []step
	// server is agentbox's entry in the MCP configuration; see stdioServer
	// and startHTTP.
	server map[string]any
	ports  []int // agentbox's HTTP port, to carry into the namespace
	// builtins leaves Claude Code's own tools on (no --tools "").
	builtins bool
	settings string // a --settings file, or ""
}

// transcript is what came of a session.
type transcript struct {
	model  *fakeModel
	dirs   map[string]string // the session's directories, and how -record writes them
	events []map[string]any  // claude's stream-json output, line by line
}

// overEach runs test as parallel sub-tests, one for each way Claude Code
// reaches agentbox: "stdio" and "http".
func overEach(t *testing.T, test func(t *testing.T, transport string)) {
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			test(t, transport)
		})
	}
}

// serve sets up agentbox for s over transport ("stdio" or "http").
func (s *session) serve(t *testing.T, transport string) {
	t.Helper()
	if transport == "stdio" {
		s.server = stdioServer(t, s.workspace)
		return
	}
	var port int
	s.server, port = startHTTP(t, s.workspace)
	s.ports = append(s.ports, port)
}

// stdioServer is the MCP configuration that has Claude Code start agentbox
// over stdio on the workspace.
func stdioServer(t *testing.T, workspace string) map[string]any {
	return map[string]any{"type": "stdio", "command": agentbox(t),
		"args": []string{"--workspace", workspace, "--log-level", "debug"}}
}

// run plays a session: it starts the fake model, runs claude -p with
// agentbox as its only MCP server, and returns once claude has exited.
func run(t *testing.T, s session) *transcript {
	t.Helper()
	claude := claudeCode(t)
	marker := s.marker
	if marker == "" {
		marker = s.prompt
	}
	model := newFakeModel(t, marker, s.script)
	home := t.TempDir()
	config := filepath.Join(home, "mcp.json")
	// Claude Code's debug log: its tail is shown when the test fails, and
	// AGENTBOX_CLAUDE_CODE_LOGS=dir keeps every session's log in dir.
	debugLog := filepath.Join(home, "debug.log")
	if dir := os.Getenv("AGENTBOX_CLAUDE_CODE_LOGS"); dir != "" {
		debugLog = filepath.Join(dir, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())+".log")
	}
	t.Cleanup(func() {
		if t.Failed() {
			logTail(t, "claude's debug log", debugLog, 80)
			model.mu.Lock()
			defer model.mu.Unlock()
			for i, r := range model.log {
				t.Logf("fake model, request %d: %+v", i+1, r)
			}
		}
	})
	writeJSON(t, config, map[string]any{"mcpServers": map[string]any{"agentbox": s.server}})

	args := []string{"-p", s.prompt,
		"--output-format", "stream-json", "--verbose",
		"--mcp-config", config, "--strict-mcp-config",
		// As root, Claude Code refuses --dangerously-skip-permissions and
		// the bypassPermissions mode (2.1.332); allowing the server's tools
		// by name is what a user does anyway.
		"--allowedTools", "mcp__agentbox",
		"--no-session-persistence",
		"--debug-file", debugLog,
	}
	if !s.builtins {
		args = append(args, "--tools", "")
	}
	if s.settings != "" {
		args = append(args, "--settings", s.settings)
	}
	// A session takes seconds; the bound is for a Claude Code that hangs,
	// with room for a machine that is busy with other tests.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, args...)
	cmd.Dir = s.workspace
	cmd.Env = []string{
		"PATH=" + testPath(),
		"HOME=" + home,
		"LANG=C.UTF-8",
		"TMPDIR=" + os.TempDir(),
		"ANTHROPIC_BASE_URL=" + model.srv.URL,
		"ANTHROPIC_API_KEY=sk-ant-fake-key-for-the-fake-model",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_TELEMETRY=1",
		"DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	sockets, err := os.MkdirTemp("", "cc") // short: a socket path is at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockets) })
	isolate(t, cmd, sockets, append([]int{port(t, model.srv.URL)}, s.ports...)...)

	err = cmd.Run()
	tr := &transcript{model: model, dirs: map[string]string{s.workspace: "$WORKSPACE", home: "$HOME"}}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var ev map[string]any
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			t.Errorf("claude wrote a line that is not JSON: %.200s", sc.Text())
			continue
		}
		tr.events = append(tr.events, ev)
	}
	if err != nil {
		t.Fatalf("claude: %v\nstderr:\n%s\nstdout:\n%.4000s", err, stderr.String(), stdout.String())
	}
	tr.checkLoopback(t)
	return tr
}

// checkLoopback checks that the conversation went through the fake model
// and nowhere else: every assistant message claude reports is one the fake
// sent, every tool result claude reports reached the fake, and every
// request the fake got was one it knows.
func (tr *transcript) checkLoopback(t *testing.T) {
	t.Helper()
	f := tr.model
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		t.Errorf("fake model: %s", p)
	}
	issued := map[string]bool{}
	for _, id := range f.issued {
		issued[id] = true
	}
	reported := map[string]bool{}
	for _, ev := range tr.events {
		msg, _ := ev["message"].(map[string]any)
		switch ev["type"] {
		case "assistant":
			id, _ := msg["id"].(string)
			if !issued[id] {
				t.Errorf("claude reports an assistant message %q that the fake model did not send", id)
			}
			reported[id] = true
		case "user":
			blocks, _ := msg["content"].([]any)
			for _, b := range blocks {
				block, _ := b.(map[string]any)
				if block["type"] != "tool_result" {
					continue
				}
				id := strings.TrimPrefix(fmt.Sprint(block["tool_use_id"]), "toolu_")
				if f.results[id] == nil {
					t.Errorf("claude reports a tool result for %s that never reached the fake model", id)
				}
			}
		case "result":
			if ev["is_error"] == true {
				t.Errorf("claude's run ended in an error: %v", ev)
			}
		}
	}
	for _, id := range f.turnIDs {
		if !reported[id] {
			t.Errorf("the fake model answered the conversation with %s, which claude does not report", id)
		}
	}
	for _, r := range f.log {
		if r.Kind == "unknown" {
			t.Errorf("the fake model got %s %s, which no model API serves", r.Method, r.Path)
		}
	}
	if len(f.requests) == 0 {
		t.Errorf("the fake model got no request of the conversation; its log: %+v", f.log)
	}
}

// logTail logs the last n lines of a file.
func logTail(t *testing.T, what, path string, n int) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s: %v", what, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	t.Logf("%s, the last %d lines:\n%s", what, len(lines), strings.Join(lines, "\n"))
}

// testPath is the PATH Claude Code, agentbox and its commands run with:
// the system's directories and Go's, not the developer's (a pyenv shim
// would pick another python3 than CI's).
func testPath() string {
	dirs := []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}
	if goBin, err := exec.LookPath("go"); err == nil {
		dirs = append([]string{filepath.Dir(goBin)}, dirs...)
	}
	return strings.Join(dirs, ":")
}

func port(t *testing.T, rawURL string) int {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := net.SplitHostPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// startHTTP runs agentbox over HTTP on a free loopback port with a token,
// until the test ends, and returns its MCP configuration and port.
func startHTTP(t *testing.T, workspace string) (map[string]any, int) {
	t.Helper()
	token := "claude-code-test-token-0123456789"
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, agentbox(t), "serve", "--workspace", workspace, "--http", "127.0.0.1:0", "--log-level", "debug")
	cmd.Env = []string{"PATH=" + testPath(), "HOME=" + t.TempDir(), "LANG=C.UTF-8", "AGENTBOX_TOKEN=" + token}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	done := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-done
		cmd.Wait() //nolint:errcheck // stopped by the test
		if t.Failed() {
			t.Logf("agentbox over HTTP logged:\n%s", log.String())
		}
	})
	sc := bufio.NewScanner(pipe)
	var endpoint string
	for endpoint == "" && sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if m := urlRE.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), "serving MCP over HTTP") {
			endpoint = m[1]
		}
	}
	go func() {
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
		}
		close(done)
	}()
	if endpoint == "" {
		t.Fatalf("agentbox did not say where it serves:\n%s", log.String())
	}
	return map[string]any{"type": "http", "url": endpoint,
		"headers": map[string]string{"Authorization": "Bearer " + token}}, port(t, endpoint)
}

var urlRE = regexp.MustCompile(`url=(http://\S+)`)
