package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
)

// binary is the agentbox binary built once for the end-to-end tests.
var binary string

var update = flag.Bool("update", false, "rewrite the out sections of testdata/e2e transcripts")

func TestMain(m *testing.M) {
	sandbox.Main() // tests that call run serve Bash with this binary as the launcher
	gocheck.Main() // and run Go checks with it as the checker
	dir, err := os.MkdirTemp("", "agentbox-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "agentbox")
	// The servers the tests start keep their checkpoint journals here, not
	// in the user's state directory.
	if err := os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-ldflags", "-X main.buildVersion=e2e", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building agentbox:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wantTools is what tools/list shows on a plain start.
var wantTools = []string{"Read", "Write", "Edit", "Glob", "Grep", "Diagnostics", "Bash", "BashOutput", "KillShell", "Changes", "Undo"}

// spawn starts the binary over stdio with an MCP client, on dir.
func spawn(t *testing.T, dir string, args ...string) *client.Client {
	t.Helper()
	// Checks after writes are tested on their own (diagnostics_test.go):
	// here they would make results depend on the machine's load.
	args = append([]string{"--workspace", dir, "--log-level", "debug", "--diagnostics=off"}, args...)
	return spawnIn(t, "", os.Environ(), args...)
}

// spawnIn starts the binary over stdio in dir ("" for the test's own) with
// the environment env, and initializes an MCP client on it.
func spawnIn(t *testing.T, dir string, env []string, args ...string) *client.Client {
	t.Helper()
	tr := transport.NewStdioWithOptions(binary, env, args, transport.WithCommandFunc(
		func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, command, args...)
			cmd.Dir, cmd.Env = dir, env
			return cmd, nil
		}))
	c := client.NewClient(tr)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	res, err := c.Initialize(ctx, init)
	require.NoError(t, err)
	assert.Equal(t, "agentbox", res.ServerInfo.Name)
	return c
}

func TestSession(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.py"), []byte("print('hi')\n"), 0o644))
	c := spawn(t, dir)
	ctx := t.Context()

	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		require.NotNil(t, tool.Annotations.ReadOnlyHint, tool.Name)
		require.NotNil(t, tool.Annotations.DestructiveHint, tool.Name)
		require.NotNil(t, tool.Annotations.IdempotentHint, tool.Name)
		require.NotNil(t, tool.Annotations.OpenWorldHint, tool.Name)
	}
	assert.ElementsMatch(t, wantTools, names)

	call := func(tool string, args map[string]any) *mcp.CallToolResult {
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = tool, args
		res, err := c.CallTool(ctx, req)
		require.NoError(t, err)
		return res
	}
	res := call("Write", map[string]any{"file_path": "hello.py", "content": "x"})
	assert.True(t, res.IsError, "wrote a file it had not read")
	res = call("Read", map[string]any{"file_path": "hello.py"})
	require.False(t, res.IsError)
	assert.Equal(t, "1\tprint('hi')", res.Content[0].(mcp.TextContent).Text)
	res = call("Write", map[string]any{"file_path": "hello.py", "content": "print('bye')\n"})
	require.False(t, res.IsError, "%v", res.Content)
	got, err := os.ReadFile(filepath.Join(dir, "hello.py"))
	require.NoError(t, err)
	assert.Equal(t, "print('bye')\n", string(got))
	res = call("Read", map[string]any{"file_path": "/etc/passwd"})
	assert.True(t, res.IsError)
	assert.Equal(t, "/etc/passwd: outside the workspace; use a path relative to the workspace root, or an absolute path inside it", res.Content[0].(mcp.TextContent).Text)
}

// TestTranscripts replays testdata/e2e/*.txtar against the binary: the
// "ws/" sections become the workspace, "in" is sent line by line, and each
// response is matched by id against "out". $WORKSPACE stands for the
// workspace directory. Every line on stdout must be JSON-RPC.
func TestTranscripts(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../testdata/e2e/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			replay(t, file)
		})
	}
}

func replay(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	require.NoError(t, err)
	dir := t.TempDir()
	var in, out *txtar.File
	for i, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "ws/"):
			p := filepath.Join(dir, strings.TrimPrefix(f.Name, "ws/"))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, f.Data, 0o644))
		case f.Name == "in":
			in = &ar.Files[i]
		case f.Name == "out":
			out = &ar.Files[i]
		}
	}
	require.NotNil(t, in, "no in section")
	require.NotNil(t, out, "no out section")
	expand := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("$WORKSPACE"), []byte(dir)) }

	// The ids of the requests sent, in order: one response each is awaited.
	var ids []string
	requests := nonEmptyLines(expand(in.Data))
	for _, line := range requests {
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(line, &msg) != nil {
			ids = append(ids, "null") // unparsable: answered with a null id
		} else if msg.ID != nil {
			ids = append(ids, string(msg.ID))
		}
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "--workspace", dir, "--diagnostics=off")
	// A PATH without python3, so that what the server says of it is the
	// same on every machine.
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	go func() {
		for _, line := range requests {
			if _, err := stdin.Write(append(line, '\n')); err != nil {
				return
			}
		}
	}()
	got := map[string]json.RawMessage{}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	for len(got) < len(ids) && sc.Scan() {
		line := slices.Clone(sc.Bytes())
		var msg struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
		}
		require.NoError(t, json.Unmarshal(line, &msg), "stdout is not JSON-RPC: %s", line)
		require.Equal(t, "2.0", msg.JSONRPC, "stdout is not JSON-RPC: %s", line)
		if msg.ID != nil {
			got[string(msg.ID)] = line
		}
	}
	require.NoError(t, stdin.Close())
	require.NoError(t, cmd.Wait(), "the server should exit cleanly when stdin closes; stderr:\n%s", stderr.String())

	if *update {
		var b bytes.Buffer
		for _, id := range ids {
			b.Write(bytes.ReplaceAll(got[id], []byte(dir), []byte("$WORKSPACE")))
			b.WriteByte('\n')
		}
		out.Data = b.Bytes()
		require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
		return
	}
	want := map[string]json.RawMessage{}
	for _, line := range nonEmptyLines(expand(out.Data)) {
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		require.NoError(t, json.Unmarshal(line, &msg), "out: %s", line)
		want[string(msg.ID)] = line
	}
	assert.Len(t, want, len(ids), "out should answer every request in")
	for _, id := range ids {
		g, ok := got[id]
		if assert.True(t, ok, "no response with id %s", id) && assert.Contains(t, want, id) {
			assert.JSONEq(t, string(want[id]), string(g), "response %s", id)
		}
	}
}

func nonEmptyLines(b []byte) [][]byte {
	var lines [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if l = bytes.TrimSpace(l); len(l) > 0 && l[0] != '#' {
			lines = append(lines, l)
		}
	}
	return lines
}

func TestSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary, "--workspace", t.TempDir())
			stdin, err := cmd.StdinPipe() // held open: only the signal may stop it
			require.NoError(t, err)
			defer stdin.Close()
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			sc := bufio.NewScanner(stderr)
			for sc.Scan() && !strings.Contains(sc.Text(), "serving MCP") {
			}
			require.NoError(t, cmd.Process.Signal(sig))
			go io.Copy(io.Discard, stderr)
			assert.NoError(t, cmd.Wait(), "exit status after %v", sig)
		})
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	runBin := func(args ...string) (string, string, int) { return agentbox(t, "", args...) }
	out, _, code := runBin("--version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "agentbox "), out)

	out, errOut, code := runBin("--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut, "help asked for goes to stdout, for agentbox --help | less")
	assert.Contains(t, out, "--workspace")

	_, errOut, code = runBin("--no-such-flag")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "no-such-flag")

	_, errOut, code = runBin("--workspace", filepath.Join(t.TempDir(), "missing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "workspace")
}
