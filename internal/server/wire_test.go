package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/require"
)

// message is one JSON-RPC message as a client sees it on the wire.
type message struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

func (m message) String() string {
	b, _ := json.Marshal(m)
	return string(b)
}

// wire is a raw MCP client, so tests see messages in the order they arrive.
type wire interface {
	// call sends a request and returns every message that arrived for it,
	// in order, ending with its response.
	call(t *testing.T, id int, method string, params any) []message
	// notify sends a notification.
	notify(t *testing.T, method string, params any)
	// start sends a request without waiting for its response.
	start(t *testing.T, id int, method string, params any)
}

const wireTimeout = 20 * time.Second

func request(id int, method string, params any) []byte {
	m := map[string]any{"jsonrpc": "2.0", "method": method}
	if id != 0 {
		m["id"] = id
	}
	if params != nil {
		m["params"] = params
	}
	b, _ := json.Marshal(m)
	return b
}

var initParams = map[string]any{
	"protocolVersion": "2025-11-25",
	"capabilities":    map[string]any{},
	"clientInfo":      map[string]any{"name": "wire", "version": "1"},
}

// stdioWire serves s over pipes and speaks to it line by line.
type stdioWire struct {
	in    io.WriteCloser
	lines chan message
}

// stdioMu keeps stdio servers one at a time: mcp-go's stdio session, with
// its logging level, is one per process.
var stdioMu sync.Mutex

func newStdioWire(t *testing.T, s *Server) *stdioWire {
	t.Helper()
	stdioMu.Lock()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.ServeStdio(ctx, inR, outW); outW.Close() }()
	w := &stdioWire{in: inW, lines: make(chan message, 1000)}
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m message
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				panic(fmt.Sprintf("stdout is not JSON-RPC: %q", sc.Text()))
			}
			w.lines <- m
		}
		close(w.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		cancel()
		<-done
		stdioMu.Unlock()
	})
	w.call(t, 1000, "initialize", initParams)
	w.notify(t, "notifications/initialized", nil)
	return w
}

func (w *stdioWire) notify(t *testing.T, method string, params any) {
	t.Helper()
	_, err := w.in.Write(append(request(0, method, params), '\n'))
	require.NoError(t, err)
}

func (w *stdioWire) start(t *testing.T, id int, method string, params any) {
	t.Helper()
	_, err := w.in.Write(append(request(id, method, params), '\n'))
	require.NoError(t, err)
}

func (w *stdioWire) call(t *testing.T, id int, method string, params any) []message {
	t.Helper()
	_, err := w.in.Write(append(request(id, method, params), '\n'))
	require.NoError(t, err)
	var got []message
	deadline := time.After(wireTimeout)
	for {
		select {
		case m, ok := <-w.lines:
			require.True(t, ok, "stdout closed before the response to %d", id)
			got = append(got, m)
			if string(m.ID) == fmt.Sprint(id) && m.Method == "" {
				return got
			}
		case <-deadline:
			t.Fatalf("no response to %s %d; got %v", method, id, got)
		}
	}
}

// httpWire speaks Streamable HTTP to url as one session.
type httpWire struct {
	url, token, session string
}

func newHTTPWire(t *testing.T, url, token string) *httpWire {
	t.Helper()
	w := &httpWire{url: url, token: token}
	w.call(t, 1000, "initialize", initParams)
	w.notify(t, "notifications/initialized", nil)
	return w
}

// post sends one message and returns the response.
func (w *httpWire) post(t *testing.T, body []byte) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), wireTimeout)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	if w.session != "" {
		req.Header.Set("Mcp-Session-Id", w.session)
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// start posts a request in the background; its response is discarded.
func (w *httpWire) start(t *testing.T, id int, method string, params any) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.url, bytes.NewReader(request(id, method, params)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Mcp-Session-Id", w.session)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	go func() {
		if resp, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
}

func (w *httpWire) notify(t *testing.T, method string, params any) {
	t.Helper()
	resp := w.post(t, request(0, method, params))
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
}

// call returns the messages of the POST's response: one JSON message, or
// every event of an SSE stream, up to its end. A stream that goes on after
// the response fails the test.
func (w *httpWire) call(t *testing.T, id int, method string, params any) []message {
	t.Helper()
	resp := w.post(t, request(id, method, params))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	if s := resp.Header.Get("Mcp-Session-Id"); s != "" {
		w.session = s
	}
	var got []message
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var m message
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return append(got, m)
	}
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var m message
		require.NoError(t, json.Unmarshal([]byte(data), &m))
		got = append(got, m)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, got)
	last := got[len(got)-1]
	require.Equal(t, fmt.Sprint(id), string(last.ID), "the stream must end with the response: %v", got)
	return got
}

// httpServer serves a new server on a loopback port; stop ends it and
// returns ServeHTTP's error.
type httpServer struct {
	*Server
	url  string
	stop func() error
}

func startHTTP(t *testing.T, cfg HTTPConfig) *httpServer {
	t.Helper()
	return serveHTTP(t, newServer(t), cfg)
}

// serveHTTP serves s on a loopback port.
func serveHTTP(t *testing.T, s *Server, cfg HTTPConfig) *httpServer {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", false)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeHTTP(ctx, ln, cfg) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(wireTimeout):
				serveErr = fmt.Errorf("ServeHTTP did not return")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { _ = stop() })
	return &httpServer{Server: s, url: "http://" + ln.Addr().String() + Path, stop: stop}
}

// newServer returns a server on a fresh workspace, logging to the test.
func newServer(t *testing.T) *Server {
	t.Helper()
	s, _ := newWatchedServer(t)
	return s
}

// newWatchedServer is newServer with a watch on its log.
func newWatchedServer(t *testing.T) (*Server, *logWatch) {
	t.Helper()
	w := &logWatch{Handler: slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}), changed: make(chan struct{})}
	s, err := New(Config{Workspace: t.TempDir(), Version: "test", Logger: slog.New(w)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, w
}

// logWatch is a log handler that lets a test wait for a message.
type logWatch struct {
	slog.Handler
	mu      sync.Mutex
	seen    []string
	changed chan struct{} // closed and replaced on each record
}

func (w *logWatch) Handle(ctx context.Context, r slog.Record) error {
	w.mu.Lock()
	w.seen = append(w.seen, r.Message)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	return w.Handler.Handle(ctx, r)
}

func (w *logWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logWatchAttrs{w, w.Handler.WithAttrs(attrs)}
}

// logWatchAttrs is a logWatch with attributes; records still reach w.
type logWatchAttrs struct {
	w *logWatch
	slog.Handler
}

func (a *logWatchAttrs) Handle(ctx context.Context, r slog.Record) error {
	return a.w.Handle(ctx, r)
}

// wait returns once a message containing part has been logged.
func (w *logWatch) wait(t *testing.T, part string) {
	t.Helper()
	deadline := time.After(wireTimeout)
	for {
		w.mu.Lock()
		for _, m := range w.seen {
			if strings.Contains(m, part) {
				w.mu.Unlock()
				return
			}
		}
		changed := w.changed
		w.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("nothing logged with %q", part)
		}
	}
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// mcpClient connects an mcp-go client to url with token.
func mcpClient(t *testing.T, url, token string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	require.NoError(t, err)
	c := client.NewClient(tr)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.Start(t.Context()))
	var init mcp.InitializeRequest
	init.Params.ClientInfo = mcp.Implementation{Name: "test", Version: "1"}
	_, err = c.Initialize(t.Context(), init)
	require.NoError(t, err)
	return c
}

func callTool(t *testing.T, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = name, args
	return c.CallTool(t.Context(), req)
}

func resultText(r *mcp.CallToolResult) string {
	var parts []string
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}
