package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// httpServer is the binary serving HTTP.
type httpServer struct {
	cmd     *exec.Cmd
	url     string
	token   string // as printed, when generated
	startup string // stderr up to the line saying where it serves
	stderr  *bytes.Buffer
	done    chan struct{} // closed when stderr is drained
}

var (
	urlRE   = regexp.MustCompile(`url=(http://\S+)`)
	tokenRE = regexp.MustCompile(`^\s+Authorization: Bearer (\S+)$`)
)

// startHTTP runs the binary with args and env until it says where it
// serves; it is stopped with SIGTERM at the end of the test.
func startHTTP(t *testing.T, env []string, args ...string) *httpServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // not t.Context(): cleanups stop it, with SIGTERM
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	s := &httpServer{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-s.done
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(pipe)
	for s.url == "" && sc.Scan() {
		line := sc.Text()
		s.stderr.WriteString(line + "\n")
		if m := tokenRE.FindStringSubmatch(line); m != nil {
			s.token = m[1]
		}
		if m := urlRE.FindStringSubmatch(line); m != nil && strings.Contains(line, "serving MCP over HTTP") {
			s.url = m[1]
		}
	}
	require.NotEmpty(t, s.url, "the server did not say where it serves:\n%s", s.stderr)
	s.startup = s.stderr.String()
	go func() {
		io.Copy(s.stderr, pipe) //nolint:errcheck // read after the test only
		close(s.done)
	}()
	return s
}

// stop sends SIGTERM and returns the exit status and all of stderr.
func (s *httpServer) stop(t *testing.T) (int, string) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	<-s.done
	err := s.cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, s.stderr.String()
}

func connectHTTP(t *testing.T, url, token string) (*client.Client, error) {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	require.NoError(t, err)
	c := client.NewClient(tr)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Start(t.Context()))
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	_, err = c.Initialize(t.Context(), init)
	return c, err
}

// statusOf returns the HTTP status of an initialize request with token.
func statusOf(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestHTTPServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hello.py"), []byte("print('hi')\n"), 0o644))
	s := startHTTP(t, nil, "serve", "--workspace", dir, "--http", "127.0.0.1:0")
	require.NotEmpty(t, s.token, "a generated token is printed:\n%s", s.startup)
	assert.Contains(t, s.startup, "claude mcp add --transport http agentbox "+s.url+` --header "Authorization: Bearer `+s.token+`"`)

	assert.Equal(t, http.StatusUnauthorized, statusOf(t, s.url, ""))
	assert.Equal(t, http.StatusUnauthorized, statusOf(t, s.url, "wrong-token-0123456789"))
	c, err := connectHTTP(t, s.url, s.token)
	require.NoError(t, err)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	assert.ElementsMatch(t, wantTools, names)
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = "Read", map[string]any{"file_path": "hello.py"}
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, "1\tprint('hi')", res.Content[0].(mcp.TextContent).Text)
	require.NoError(t, c.Close(), "ends its session")

	code, stderr := s.stop(t)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "msg=stopped")
}

func TestHTTPTokenSources(t *testing.T) {
	t.Parallel()
	const token = "from-somewhere-0123456789"
	t.Run("AGENTBOX_TOKEN", func(t *testing.T) {
		t.Parallel()
		s := startHTTP(t, []string{"AGENTBOX_TOKEN=" + token}, "--workspace", t.TempDir(), "--http", "127.0.0.1:0")
		assert.Empty(t, s.token, "a token from the environment is not printed")
		assert.NotContains(t, s.startup, token)
		_, err := connectHTTP(t, s.url, token)
		assert.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, statusOf(t, s.url, token+"x"))
	})
	t.Run("--token-file wins over the environment", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "token")
		require.NoError(t, os.WriteFile(file, []byte(token+"\n"), 0o644))
		s := startHTTP(t, []string{"AGENTBOX_TOKEN=another-token-0123456789"}, "--workspace", t.TempDir(), "--http", "127.0.0.1:0", "--token-file", file)
		assert.Contains(t, s.startup, "chmod 600", "warns of a token file others can read")
		_, err := connectHTTP(t, s.url, token)
		assert.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, statusOf(t, s.url, "another-token-0123456789"))
	})
	t.Run("--no-auth", func(t *testing.T) {
		t.Parallel()
		s := startHTTP(t, nil, "--workspace", t.TempDir(), "--http", "127.0.0.1:0", "--no-auth")
		assert.Contains(t, s.startup, "NO AUTHENTICATION")
		assert.Empty(t, s.token)
		assert.Equal(t, http.StatusOK, statusOf(t, s.url, ""))
	})
}

func TestHTTPFlagErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"--no-auth without --http", nil, []string{"--no-auth"}, 2, "go with --http"},
		{"--token-file without --http", nil, []string{"--token-file", missing}, 2, "go with --http"},
		{"--no-auth with a token file", nil, []string{"--http", "127.0.0.1:0", "--no-auth", "--token-file", missing}, 2, "contradict"},
		{"an address others can reach", nil, []string{"--http", ":0"}, 1, "other machines can reach"},
		{"--no-auth off loopback", nil, []string{"--http", ":0", "--allow-remote", "--no-auth"}, 1, "only on a loopback address"},
		{"a short token", []string{"AGENTBOX_TOKEN=short"}, []string{"--http", "127.0.0.1:0"}, 1, "at least 16"},
		{"a missing token file", nil, []string{"--http", "127.0.0.1:0", "--token-file", missing}, 1, "--token-file"},
		{"no idle time", nil, []string{"--http", "127.0.0.1:0", "--session-idle", "0s"}, 2, "positive duration"},
		{"no grace", nil, []string{"--http", "127.0.0.1:0", "--session-grace", "0s"}, 2, "--session-grace 0s: give a positive duration"},
		{"no sessions", nil, []string{"--http", "127.0.0.1:0", "--max-sessions", "0"}, 2, "--max-sessions 0: give a positive number"},
		{"a bad address", nil, []string{"--http", "127.0.0.1:99999"}, 1, "invalid port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(binary, append([]string{"--workspace", t.TempDir()}, tc.args...)...)
			cmd.Env = append(os.Environ(), tc.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "it should not serve: %s", stderr.String())
			assert.Equal(t, tc.code, ee.ExitCode(), stderr.String())
			assert.Contains(t, stderr.String(), tc.want)
		})
	}
}
