//go:build linux

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mcpRequest sends one JSON-RPC message to url as a client of session
// (none when ""), and returns the response, whose body the test closes.
func mcpRequest(t *testing.T, ctx context.Context, method, url, token, session, body string) *http.Response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`

// initialize starts a session as a client does and returns its ID.
func initialize(t *testing.T, url, token string) string {
	t.Helper()
	resp := mcpRequest(t, t.Context(), http.MethodPost, url, token, "", initializeBody)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	io.Copy(io.Discard, resp.Body)
	session := resp.Header.Get("Mcp-Session-Id")
	require.NotEmpty(t, session)
	resp = mcpRequest(t, t.Context(), http.MethodPost, url, token, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	return session
}

// TestHTTPSessionEndsWithItsClient: a client that keeps an event stream
// open and never sends DELETE (Claude Code) exits; its session ends, with
// its background job, once --session-grace has passed after the stream
// closed, not after --session-idle.
func TestHTTPSessionEndsWithItsClient(t *testing.T) {
	t.Parallel()
	const token = "session-test-token-0123456789"
	s := startHTTP(t, []string{"AGENTBOX_TOKEN=" + token}, "--workspace", t.TempDir(), "--http", "127.0.0.1:0",
		"--session-grace", "1s", "--session-idle", "1h", "--diagnostics=off")
	session := initialize(t, s.url, token)
	stream, closeStream := context.WithCancel(t.Context())
	resp := mcpRequest(t, stream, http.MethodGet, s.url, token, session, "")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	job := marker("grace")
	call, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": map[string]any{
		"name": "Bash", "arguments": map[string]any{"command": "exec -a " + job + " sleep 1000", "run_in_background": true}}})
	resp = mcpRequest(t, t.Context(), http.MethodPost, s.url, token, session, string(call))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	require.Contains(t, string(body), "bash_", "a background job started: %s", body)
	require.Eventually(t, func() bool { return len(running(job)) > 0 }, 20*time.Second, 20*time.Millisecond)

	closeStream() // the client exits
	require.Eventually(t, func() bool { return len(running(job)) == 0 }, 20*time.Second, 20*time.Millisecond,
		"the job outlived its client's session")
	resp = mcpRequest(t, t.Context(), http.MethodPost, s.url, token, session, `{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the session ended")

	_, stderr := s.stop(t)
	assert.Contains(t, stderr, "ending a session: its event stream closed")
}

// TestHTTPRestartAnswers404: after a restart, a request naming a session
// of the old server gets 404, the answer on which clients start a new
// session, with a body that says so.
func TestHTTPRestartAnswers404(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "token")
	const token = "restart-test-token-0123456789"
	require.NoError(t, os.WriteFile(file, []byte(token), 0o600))
	first := startHTTP(t, nil, "--workspace", t.TempDir(), "--http", "127.0.0.1:0", "--token-file", file)
	session := initialize(t, first.url, token)
	code, stderr := first.stop(t)
	require.Equal(t, 0, code, stderr)

	addr := strings.TrimSuffix(strings.TrimPrefix(first.url, "http://"), "/mcp")
	second := startHTTP(t, nil, "--workspace", t.TempDir(), "--http", addr, "--token-file", file)
	require.Equal(t, first.url, second.url)

	resp := mcpRequest(t, t.Context(), http.MethodPost, second.url, token, session, `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	var got struct {
		ID    int `json:"id"`
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.Equal(t, 7, got.ID)
	assert.Contains(t, got.Error.Message, "send initialize without Mcp-Session-Id to start a new one")

	resp = mcpRequest(t, t.Context(), http.MethodGet, second.url, token, session, "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the event stream of the old session")
	assert.NotEmpty(t, initialize(t, second.url, token), "a new session starts")
}

// TestHTTPWrongTokenSaysSo: a missing or wrong token is answered 401 with
// invalid_token and a body that says where the token comes from; OAuth's
// discovery paths are 404, so clients do not start an OAuth flow.
func TestHTTPWrongTokenSaysSo(t *testing.T) {
	t.Parallel()
	s := startHTTP(t, []string{"AGENTBOX_TOKEN=the-right-token-0123456789"}, "--workspace", t.TempDir(), "--http", "127.0.0.1:0")
	for _, token := range []string{"", "a-wrong-token-0123456789"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url, strings.NewReader(initializeBody))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `Bearer error="invalid_token", error_description="`)
		assert.Contains(t, string(body), "--token-file")
		assert.Contains(t, string(body), "AGENTBOX_TOKEN")
		assert.NotContains(t, string(body), "the-right-token")
	}
	base := strings.TrimSuffix(s.url, "/mcp")
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/register"} {
		resp, err := http.Post(base+path, "application/json", strings.NewReader("{}"))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}
