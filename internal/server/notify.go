package server

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// orderedWriter serialises whole messages to the stdio transport's output,
// so that a notification a tool writes through it is out before the tool's
// result, which mcp-go writes after the handler returns. (Notifications
// that go through mcp-go's queue are written by another goroutine and can
// land after the result.)
type orderedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *orderedWriter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

// stdioOut is the ordered output of the stdio session being served.
type stdioOut struct {
	w atomic.Pointer[orderedWriter]
}

// use wraps out for serving and makes it the target of notify.
func (s *stdioOut) use(out io.Writer) io.Writer {
	ow := &orderedWriter{w: out}
	s.w.Store(ow)
	return ow
}

// stdioSessionID is the id mcp-go gives its one stdio session.
const stdioSessionID = "stdio"

// notify writes a notification straight to the stdio client when ctx is
// that session's, and reports whether it did (tools.Options.Notify).
func (s *stdioOut) notify(ctx context.Context, method string, params map[string]any) bool {
	ow := s.w.Load()
	cs := mcpserver.ClientSessionFromContext(ctx)
	if ow == nil || cs == nil || cs.SessionID() != stdioSessionID {
		return false
	}
	b, err := json.Marshal(mcp.JSONRPCNotification{
		JSONRPC:      mcp.JSONRPC_VERSION,
		Notification: mcp.Notification{Method: method, Params: mcp.NotificationParams{AdditionalFields: params}},
	})
	if err != nil {
		return false
	}
	_, _ = ow.Write(append(b, '\n'))
	return true
}
