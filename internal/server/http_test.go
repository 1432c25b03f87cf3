package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/notify"
)

// rawPost sends an initialize request with the given headers and returns
// the status and body.
func rawPost(t *testing.T, url string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(string(request(1, "initialize", initParams))))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(body)
}

func TestHTTPAuth(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, HTTPConfig{Token: testToken})
	for _, tc := range []struct {
		name   string
		header string
		want   int
		why    string
	}{
		{"refuses no token", "", http.StatusUnauthorized, "no token"},
		{"refuses a wrong token", "Bearer " + testToken + "x", http.StatusUnauthorized, "wrong token"},
		{"refuses a prefix of the token", "Bearer " + testToken[:10], http.StatusUnauthorized, "wrong token"},
		{"refuses another scheme", "Basic " + testToken, http.StatusUnauthorized, "not a bearer token"},
		{"refuses the bare token", testToken, http.StatusUnauthorized, "not a bearer token"},
		{"takes the token", "Bearer " + testToken, http.StatusOK, ""},
		{"takes the scheme in any case", "bearer " + testToken, http.StatusOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, header, body := rawPost(t, h.url, map[string]string{"Authorization": tc.header})
			assert.Equal(t, tc.want, status)
			if tc.want != http.StatusUnauthorized {
				assert.Contains(t, body, `"agentbox"`)
				return
			}
			// invalid_token: the token is at fault; a bare "Bearer" sends
			// clients looking for an OAuth server.
			assert.Regexp(t, `^Bearer error="invalid_token", error_description="[^"]*`+tc.why+`[^"]*"$`, header.Get("WWW-Authenticate"))
			assert.Contains(t, body, tc.why)
			assert.True(t, strings.HasPrefix(body, "Unauthorized: "), body)
			for _, source := range []string{"--token-file", "$AGENTBOX_TOKEN", "printed on stderr at start"} {
				assert.Contains(t, body, source, "the answer says where the token comes from")
			}
			assert.NotContains(t, body, testToken)
			assert.Empty(t, header.Get("Mcp-Session-Id"))
		})
	}
}

// TestHTTPNoOAuth: OAuth's discovery and registration paths answer 404
// with or without a token, so clients do not go looking for an OAuth
// server; so does any other path but the endpoint.
func TestHTTPNoOAuth(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, HTTPConfig{Token: testToken})
	base := strings.TrimSuffix(h.url, Path)
	for _, path := range []string{
		"/.well-known/oauth-protected-resource",
		"/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-authorization-server",
		"/.well-known/oauth-authorization-server/mcp",
		"/.well-known/openid-configuration",
		"/mcp/.well-known/openid-configuration",
		"/register",
		"/authorize",
		"/token",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			for _, auth := range []string{"", "Bearer " + testToken} {
				req, err := http.NewRequestWithContext(t.Context(), method, base+path, strings.NewReader(`{"client_name":"x","redirect_uris":["http://127.0.0.1/cb"]}`))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/json")
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				var got struct {
					Error       string `json:"error"`
					Description string `json:"error_description"`
				}
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s %s (token %v)", method, path, auth != "")
				assert.Empty(t, resp.Header.Get("WWW-Authenticate"), "%s %s", method, path)
				if assert.NoError(t, err, "%s %s: an OAuth error body", method, path) {
					assert.Equal(t, "invalid_request", got.Error)
					assert.Contains(t, got.Description, "does not use OAuth")
				}
			}
		}
	}
	resp, err := http.Get(base + "/anything")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// rpcError reads a JSON-RPC error response.
func rpcError(t *testing.T, resp *http.Response) (id json.RawMessage, message string) {
	t.Helper()
	defer resp.Body.Close()
	var got struct {
		ID    json.RawMessage `json:"id"`
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.NotZero(t, got.Error.Code)
	return got.ID, got.Error.Message
}

// send makes a request to the endpoint with the token, and session when
// not "". Its body is closed at the end of the test.
func send(t *testing.T, ctx context.Context, method, url, session string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+testToken)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestHTTPNeedsASession: GET and DELETE without a session are 400 (the
// spec: "Servers that require a session ID SHOULD respond to requests
// without an Mcp-Session-Id header (other than initialization) with HTTP
// 400 Bad Request"); naming an unknown one, 404; other methods 405.
func TestHTTPNeedsASession(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ended := make(chan string, 10)
	s.endedSession = func(id string) { ended <- id }
	h := serveHTTP(t, s, HTTPConfig{Token: testToken})
	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	defer cancel()

	resp := send(t, ctx, http.MethodGet, h.url, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "GET without a session")
	_, msg := rpcError(t, resp)
	assert.Contains(t, msg, "needs the Mcp-Session-Id header of a session")

	resp = send(t, ctx, http.MethodGet, h.url, "no-such-session")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "GET naming an unknown session")
	_, msg = rpcError(t, resp)
	assert.Contains(t, msg, "send initialize without Mcp-Session-Id")

	resp = send(t, ctx, http.MethodDelete, h.url, "")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "DELETE without a session")
	resp = send(t, ctx, http.MethodDelete, h.url, "no-such-session")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "DELETE naming an unknown session")

	resp = send(t, ctx, http.MethodPut, h.url, "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, POST, DELETE", resp.Header.Get("Allow"))

	select {
	case id := <-ended:
		t.Fatalf("a session %s was made and ended", id)
	default:
	}
	// And a real session still gets its stream.
	w := newHTTPWire(t, h.url, testToken)
	resp = send(t, ctx, http.MethodGet, h.url, w.session)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
}

// TestHTTPUnknownSession: a server that does not know a session (it
// restarted) answers requests naming it with 404, which tells the client
// to initialize again (the spec's Session Management, point 4).
func TestHTTPUnknownSession(t *testing.T) {
	t.Parallel()
	before := startHTTP(t, HTTPConfig{Token: testToken})
	w := newHTTPWire(t, before.url, testToken)
	require.NoError(t, before.stop())
	after := startHTTP(t, HTTPConfig{Token: testToken})
	w.url = after.url

	resp := w.post(t, request(5, "tools/list", nil))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	id, msg := rpcError(t, resp)
	assert.JSONEq(t, "5", string(id))
	assert.Equal(t, unknownSession, msg)

	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	defer cancel()
	resp = send(t, ctx, http.MethodGet, after.url, w.session)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "a GET stream naming the old session")

	// An initialize that still carries the old ID starts a new session.
	w.call(t, 6, "initialize", initParams)
	assert.Equal(t, http.StatusOK, w.post(t, request(7, "ping", nil)).StatusCode)
}

// TestHTTPMaxSessions: past MaxSessions, initialize is refused with 503
// and a JSON-RPC error saying so; a session that ends makes room.
func TestHTTPMaxSessions(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, HTTPConfig{Token: testToken, MaxSessions: 2})
	a := newHTTPWire(t, h.url, testToken)
	newHTTPWire(t, h.url, testToken)

	third := &httpWire{url: h.url, token: testToken}
	resp := third.post(t, request(1, "initialize", initParams))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Mcp-Session-Id"))
	id, msg := rpcError(t, resp)
	assert.JSONEq(t, "1", string(id))
	assert.Contains(t, msg, "too many sessions: this agentbox serves at most 2 at once (--max-sessions)")

	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	defer cancel()
	require.Equal(t, http.StatusOK, send(t, ctx, http.MethodDelete, h.url, a.session).StatusCode)
	third.call(t, 2, "initialize", initParams)
	assert.NotEmpty(t, third.session, "a session that ended made room")
}

// TestHTTPMaxSessionsConcurrent: initializes at once never open more
// sessions than the cap, and fill it.
func TestHTTPMaxSessionsConcurrent(t *testing.T) {
	t.Parallel()
	const max, tries = 5, 20
	h := startHTTP(t, HTTPConfig{Token: testToken, MaxSessions: max})
	statuses := make(chan int, tries)
	var wg sync.WaitGroup
	for range tries {
		wg.Go(func() {
			w := &httpWire{url: h.url, token: testToken}
			resp := w.post(t, request(1, "initialize", initParams))
			io.Copy(io.Discard, resp.Body)
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: max, http.StatusServiceUnavailable: tries - max}, count)
}

// TestHTTPSessionGrace: a session whose GET stream has closed, with no
// request in flight, ends after SessionGrace, long before SessionIdle;
// sessions with a stream open, or that never opened one, do not.
func TestHTTPSessionGrace(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ended := make(chan string, 10)
	s.endedSession = func(id string) { ended <- id }
	h := serveHTTP(t, s, HTTPConfig{Token: testToken, SessionIdle: time.Hour, SessionGrace: 50 * time.Millisecond})

	postOnly := newHTTPWire(t, h.url, testToken)
	streaming := newHTTPWire(t, h.url, testToken)
	open := send(t, t.Context(), http.MethodGet, h.url, streaming.session)
	require.Equal(t, http.StatusOK, open.StatusCode)

	gone := newHTTPWire(t, h.url, testToken)
	ctx, closeStream := context.WithCancel(t.Context())
	resp := send(t, ctx, http.MethodGet, h.url, gone.session)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	closeStream() // the client exits

	select {
	case id := <-ended:
		require.Equal(t, gone.session, id, "the wrong session ended")
	case <-time.After(wireTimeout):
		t.Fatal("the session whose stream closed did not end")
	}
	assert.Equal(t, http.StatusNotFound, gone.post(t, request(2, "ping", nil)).StatusCode)
	// The sweep that ended it would have ended these.
	assert.Equal(t, http.StatusOK, streaming.post(t, request(2, "ping", nil)).StatusCode, "a session with its stream open ended")
	assert.Equal(t, http.StatusOK, postOnly.post(t, request(2, "ping", nil)).StatusCode, "a session that never had a stream ended")
}

func TestHTTPOrigin(t *testing.T) {
	t.Parallel()
	for _, noAuth := range []bool{false, true} {
		t.Run(fmt.Sprintf("noAuth=%v", noAuth), func(t *testing.T) {
			t.Parallel()
			h := startHTTP(t, HTTPConfig{Token: testToken, NoAuth: noAuth})
			auth := "Bearer " + testToken
			for _, tc := range []struct {
				origin, host string
				want         int
			}{
				{"http://evil.example.com", "", http.StatusForbidden},
				{"http://evil.example.com:" + strings.Split(h.url, ":")[2][:5], "", http.StatusForbidden},
				{"https://localhost.evil.example.com", "", http.StatusForbidden},
				{"null", "", http.StatusForbidden},
				{"file://", "", http.StatusForbidden},
				{"", "evil.example.com", http.StatusForbidden}, // DNS rebinding without Origin: mcp-go's Host check
				{"http://evil.example.com", "evil.example.com", http.StatusForbidden},
				{"", "", http.StatusOK},
				{"http://localhost:6274", "", http.StatusOK},
				{"http://127.0.0.1:3000", "", http.StatusOK},
				{"http://[::1]:3000", "localhost:1234", http.StatusOK},
			} {
				status, _, body := rawPost(t, h.url, map[string]string{"Authorization": auth, "Origin": tc.origin, "Host": tc.host})
				assert.Equal(t, tc.want, status, "Origin %q Host %q: %s", tc.origin, tc.host, body)
			}
		})
	}
}

func TestHTTPRefusesUnsafeConfig(t *testing.T) {
	t.Parallel()
	_, err := Listen(":0", false)
	assert.ErrorContains(t, err, "other machines can reach")

	s := newServer(t)
	ln, err := Listen("127.0.0.1:0", false)
	require.NoError(t, err)
	assert.ErrorContains(t, s.ServeHTTP(t.Context(), ln, HTTPConfig{}), "no token")

	ln, err = Listen(":0", true)
	require.NoError(t, err)
	assert.ErrorContains(t, s.ServeHTTP(t.Context(), ln, HTTPConfig{NoAuth: true}), "only on a loopback address")
}

// TestHTTPDiscoverFallsBack: a client that probes with server/discover at
// protocol 2026-07-28 is told which session-based versions to use; the
// mcp-go client (used by every other HTTP test here) then initializes.
func TestHTTPDiscoverFallsBack(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, HTTPConfig{Token: testToken})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url, strings.NewReader(string(request(1, "server/discover", modernMeta()))))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Mcp-Protocol-Version", mcp.ProtocolVersion20260728)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var got struct {
		Error struct {
			Code int `json:"code"`
			Data struct {
				Supported []string `json:"supported"`
			} `json:"data"`
		} `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, mcp.UNSUPPORTED_PROTOCOL_VERSION, got.Error.Code)
	assert.Contains(t, got.Error.Data.Supported, mcp.ProtocolVersion20251125)
	assert.NotContains(t, got.Error.Data.Supported, mcp.ProtocolVersion20260728)

	c := mcpClient(t, h.url, testToken)
	assert.NotEmpty(t, c.GetSessionId(), "fell back to a session")
}

// TestHTTPSessionsIsolated: what one session has read does not let another
// write.
func TestHTTPSessionsIsolated(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, HTTPConfig{Token: testToken})
	require.NoError(t, os.WriteFile(filepath.Join(h.Workspace().Dir(), "notes.txt"), []byte("old\n"), 0o644))
	a, b := mcpClient(t, h.url, testToken), mcpClient(t, h.url, testToken)
	require.NotEqual(t, a.GetSessionId(), b.GetSessionId())

	res, err := callTool(t, a, "Read", map[string]any{"file_path": "notes.txt"})
	require.NoError(t, err)
	require.False(t, res.IsError, resultText(res))

	res, err = callTool(t, b, "Write", map[string]any{"file_path": "notes.txt", "content": "from b\n"})
	require.NoError(t, err)
	assert.True(t, res.IsError, "session b wrote a file only session a had read")
	assert.Contains(t, resultText(res), "has not read the file")

	res, err = callTool(t, a, "Write", map[string]any{"file_path": "notes.txt", "content": "from a\n"})
	require.NoError(t, err)
	assert.False(t, res.IsError, resultText(res))
	got, err := os.ReadFile(filepath.Join(h.Workspace().Dir(), "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "from a\n", string(got))
}

// TestHTTPConcurrentCalls: two calls of one session at once each get their
// own progress on their own stream, before their own result.
func TestHTTPConcurrentCalls(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	both := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(2)
	addTool(s, "progress", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		arrived.Done()
		<-both // both calls are in flight
		for i := 1; i <= 50; i++ {
			notify.Progress(ctx, float64(i), 50, "")
		}
		return mcp.NewToolResultText("done"), nil
	})
	h := serveHTTP(t, s, HTTPConfig{Token: testToken})
	w := newHTTPWire(t, h.url, testToken)
	go func() { arrived.Wait(); close(both) }()
	var wg sync.WaitGroup
	got := make([][]message, 2)
	for i := range 2 {
		wg.Go(func() { got[i] = w.call(t, i+1, "tools/call", toolCall("progress", fmt.Sprintf("t%d", i))) })
	}
	wg.Wait()
	for i, msgs := range got {
		require.Len(t, msgs, 51)
		for _, m := range msgs[:50] {
			assert.Contains(t, string(m.Params), fmt.Sprintf(`"progressToken":"t%d"`, i))
		}
	}
}

// TestHTTPSessionExpires: a session idle for longer than SessionIdle ends,
// its state is dropped, and its ID is refused.
func TestHTTPSessionExpires(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ended := make(chan string, 10)
	s.endedSession = func(id string) { ended <- id }
	// Long enough for two requests on a busy machine.
	h := serveHTTP(t, s, HTTPConfig{Token: testToken, SessionIdle: 500 * time.Millisecond})
	require.NoError(t, os.WriteFile(filepath.Join(h.Workspace().Dir(), "a.txt"), []byte("a\n"), 0o644))
	w := newHTTPWire(t, h.url, testToken)
	w.call(t, 1, "tools/call", map[string]any{"name": "Read", "arguments": map[string]any{"file_path": "a.txt"}})

	select {
	case id := <-ended:
		assert.Equal(t, w.session, id)
	case <-time.After(wireTimeout):
		t.Fatal("the idle session did not end")
	}
	resp := w.post(t, request(2, "ping", nil))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "an ended session is gone: the client must start a new one")
}

// TestHTTPBusySessionLives: a session with a call in flight does not
// expire, however long the call takes; it is idle from the call's end.
func TestHTTPBusySessionLives(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ended := make(chan string, 10)
	s.endedSession = func(id string) { ended <- id }
	entered, release := make(chan struct{}), make(chan struct{})
	addTool(s, "work", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		close(entered)
		<-release
		return mcp.NewToolResultText("finished"), nil
	})
	// 1 s, not less: the busy session's initialize and its initialized
	// notification must not be that far apart, even on a loaded machine.
	h := serveHTTP(t, s, HTTPConfig{Token: testToken, SessionIdle: time.Second})
	busy := newHTTPWire(t, h.url, testToken)
	result := make(chan message, 1)
	go func() {
		resp := busy.post(t, request(7, "tools/call", toolCall("work", nil)))
		var m message
		_ = json.NewDecoder(resp.Body).Decode(&m)
		result <- m
	}()
	<-entered
	// A session that began after the busy one and is idle: once it has
	// ended, the busy one would have too, were it not busy.
	// Only initialize: the idle time may run out before a second request.
	idle := &httpWire{url: h.url, token: testToken}
	idle.call(t, 1, "initialize", initParams)
	select {
	case id := <-ended:
		require.Equal(t, idle.session, id, "the busy session ended")
	case <-time.After(wireTimeout):
		t.Fatal("the idle session did not end")
	}
	// The sweep that ended the idle session would have ended the busy one.
	assert.Equal(t, http.StatusOK, busy.post(t, request(8, "ping", nil)).StatusCode, "the busy session is gone")
	close(release)
	assert.Contains(t, string((<-result).Result), "finished")
	select {
	case id := <-ended:
		assert.Equal(t, busy.session, id)
	case <-time.After(wireTimeout):
		t.Fatal("the session did not end once idle")
	}
}

// TestHTTPShutdown: on stop, calls in flight finish (within the drain) or
// are cancelled (after it), every session ends, and ServeHTTP returns.
func TestHTTPShutdown(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T, drain time.Duration) (h *httpServer, log *logWatch, entered chan struct{}, release chan struct{}, cancelled chan error, ended chan string) {
		s, log := newWatchedServer(t)
		entered, release, cancelled, ended = make(chan struct{}), make(chan struct{}), make(chan error, 1), make(chan string, 10)
		s.endedSession = func(id string) { ended <- id }
		addTool(s, "work", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			close(entered)
			select {
			case <-release:
				return mcp.NewToolResultText("finished"), nil
			case <-ctx.Done():
				cancelled <- ctx.Err()
				return nil, ctx.Err()
			}
		})
		return serveHTTP(t, s, HTTPConfig{Token: testToken, Drain: drain}), log, entered, release, cancelled, ended
	}

	t.Run("lets a call in flight finish", func(t *testing.T) {
		t.Parallel()
		h, log, entered, release, _, ended := setup(t, wireTimeout)
		w := newHTTPWire(t, h.url, testToken)
		result := make(chan []message, 1)
		go func() {
			resp := w.post(t, request(7, "tools/call", toolCall("work", nil)))
			var m message
			_ = json.NewDecoder(resp.Body).Decode(&m)
			result <- []message{m}
		}()
		<-entered
		stopped := make(chan error, 1)
		go func() { stopped <- h.stop() }()
		log.wait(t, "waiting for calls in flight")
		close(release)
		msgs := <-result
		assert.Contains(t, string(msgs[0].Result), "finished", "the call in flight got its result")
		require.NoError(t, <-stopped)
		assert.Equal(t, w.session, <-ended, "the session ended")
		_, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(h.url, "http://"), Path))
		assert.Error(t, err, "still listening")
	})

	t.Run("cancels a call that outlasts the drain", func(t *testing.T) {
		t.Parallel()
		h, log, entered, _, cancelled, ended := setup(t, 100*time.Millisecond)
		w := newHTTPWire(t, h.url, testToken)
		w.start(t, 7, "tools/call", toolCall("work", nil))
		<-entered
		require.NoError(t, h.stop())
		log.wait(t, "cancelling calls still running")
		assert.ErrorIs(t, <-cancelled, context.Canceled)
		assert.Equal(t, w.session, <-ended, "the session ended")
	})
}
