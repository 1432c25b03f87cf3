package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/agentbox/agentbox/internal/notify"
)

// postStream is the response to one Streamable HTTP POST as mcp-go and our
// notifications share it. mcp-go writes the JSON-RPC response (as JSON, or
// as an SSE stream when it has notifications of its own); send writes a
// notification of the request's tool call straight into the same response,
// turning it into an SSE stream first. When we started the stream and mcp-go
// goes on to write a plain JSON body, that body is held and sent as the
// stream's last event, so the response always follows the notifications.
type postStream struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	started bool         // the status line is out
	sse     bool         // the response is an event stream
	ours    bool         // we made it one; mcp-go believes it is writing JSON
	body    bytes.Buffer // mcp-go's JSON body, when ours
	closed  bool         // the handler returned: nothing more may be written
}

var errStreamClosed = errors.New("response already sent")

func newPostStream(w http.ResponseWriter) *postStream { return &postStream{w: w} }

// Header returns the response headers.
func (p *postStream) Header() http.Header { return p.w.Header() }

// WriteHeader passes mcp-go's status through, unless we already started an
// event stream: then it only notes whether mcp-go is switching to SSE
// itself (its frames pass through) or writing JSON (held for the end).
func (p *postStream) WriteHeader(code int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ours {
		if isEventStream(p.w.Header()) {
			p.ours = false
		}
		return
	}
	p.started = true
	p.sse = isEventStream(p.w.Header())
	p.w.WriteHeader(code)
}

// Write writes mcp-go's bytes, or holds them when they are the JSON body of
// a response we turned into an event stream.
func (p *postStream) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ours {
		return p.body.Write(b)
	}
	p.started = true
	return p.w.Write(b)
}

// Flush sends what is buffered to the client.
func (p *postStream) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ours {
		http.NewResponseController(p.w).Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (p *postStream) Unwrap() http.ResponseWriter { return p.w }

// send writes one notification as an SSE event and flushes it; it is the
// notify.Sender of the request's tool call.
func (p *postStream) send(method string, params any) error {
	data, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("notification %s: %w", method, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errStreamClosed
	}
	if !p.started {
		h := p.w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		p.w.WriteHeader(http.StatusOK)
		p.started, p.sse, p.ours = true, true, true
	} else if !p.sse {
		return errStreamClosed // mcp-go already answered with JSON
	}
	if err := writeEvent(p.w, data); err != nil {
		return err
	}
	return http.NewResponseController(p.w).Flush()
}

// finish sends the held JSON response as the stream's last event; after it
// nothing more is written.
func (p *postStream) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.ours && p.body.Len() > 0 {
		_ = writeEvent(p.w, bytes.TrimSpace(p.body.Bytes()))
		_ = http.NewResponseController(p.w).Flush()
	}
}

// sender returns the postStream as a notify.Sender.
func (p *postStream) sender() notify.Sender { return p.send }

func writeEvent(w http.ResponseWriter, data []byte) error {
	if _, err := fmt.Fprintf(w, "event: message\ndata: %s\n\n", data); err != nil {
		return err
	}
	return nil
}

func isEventStream(h http.Header) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "text/event-stream")
}
