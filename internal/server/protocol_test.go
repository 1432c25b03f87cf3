package server

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/notify"
)

const testToken = "test-token-0123456789abcdef"

// onBothTransports runs f against s served over stdio and over HTTP.
func onBothTransports(t *testing.T, setup func(t *testing.T, s *Server), f func(t *testing.T, w wire)) {
	t.Run("stdio", func(t *testing.T) {
		s := newServer(t)
		setup(t, s)
		f(t, newStdioWire(t, s))
	})
	t.Run("http", func(t *testing.T) {
		s := newServer(t)
		setup(t, s)
		h := serveHTTP(t, s, HTTPConfig{Token: testToken})
		f(t, newHTTPWire(t, h.url, testToken))
	})
}

func addTool(s *Server, name string, handler mcpserver.ToolHandlerFunc) {
	s.MCP().AddTool(mcp.NewTool(name, mcp.WithDescription("test tool")), handler)
}

func toolCall(name string, token any) map[string]any {
	p := map[string]any{"name": name, "arguments": map[string]any{}}
	if token != nil {
		p["_meta"] = map[string]any{"progressToken": token}
	}
	return p
}

// TestProgressBeforeResult: a call with a progress token gets all its
// progress before its result, and nothing after it, even from a goroutine
// that goes on reporting after the handler returned.
func TestProgressBeforeResult(t *testing.T) {
	const calls, reports, leaked = 10, 20, 200
	var late sync.WaitGroup // goroutines reporting after their call returned
	onBothTransports(t, func(t *testing.T, s *Server) {
		addTool(s, "progress", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			returned := make(chan struct{})
			defer close(returned)
			late.Go(func() {
				<-returned
				for i := range leaked {
					notify.Progress(ctx, float64(reports+1+i), reports, "late")
				}
			})
			for i := 1; i <= reports; i++ {
				notify.Progress(ctx, float64(i), reports, fmt.Sprintf("step %d", i))
			}
			return mcp.NewToolResultText("done"), nil
		})
	}, func(t *testing.T, w wire) {
		for c := range calls {
			token := fmt.Sprintf("p%d", c)
			msgs := w.call(t, c+1, "tools/call", toolCall("progress", token))
			var got []float64
			for _, m := range msgs[:len(msgs)-1] {
				require.Equal(t, "notifications/progress", m.Method, "%v", m)
				var p struct {
					Token    string  `json:"progressToken"`
					Progress float64 `json:"progress"`
				}
				require.NoError(t, json.Unmarshal(m.Params, &p))
				assert.Equal(t, token, p.Token)
				got = append(got, p.Progress)
			}
			require.GreaterOrEqual(t, len(got), reports, "progress before the result")
			for i := range reports {
				assert.Equal(t, float64(i+1), got[i])
			}
			assert.Contains(t, string(msgs[len(msgs)-1].Result), `"done"`)
		}
		late.Wait()
		// Anything sent late would come before this ping's response.
		msgs := w.call(t, 999, "ping", nil)
		assert.Len(t, msgs, 1, "messages after the calls' results: %v", msgs)
	})
}

// TestProgressWithoutToken: no token, no progress.
func TestProgressWithoutToken(t *testing.T) {
	onBothTransports(t, func(t *testing.T, s *Server) {
		addTool(s, "progress", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			notify.Progress(ctx, 1, 2, "")
			return mcp.NewToolResultText("done"), nil
		})
	}, func(t *testing.T, w wire) {
		msgs := w.call(t, 1, "tools/call", toolCall("progress", nil))
		assert.Len(t, msgs, 1, "%v", msgs)
	})
}

// TestCancellation: notifications/cancelled cancels the call's context.
func TestCancellation(t *testing.T) {
	var entered chan struct{}
	var ended chan error
	onBothTransports(t, func(t *testing.T, s *Server) {
		entered, ended = make(chan struct{}), make(chan error, 1)
		addTool(s, "wait", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			close(entered)
			select {
			case <-ctx.Done():
				ended <- ctx.Err()
			case <-time.After(wireTimeout):
				ended <- fmt.Errorf("not cancelled")
			}
			return mcp.NewToolResultText("stopped"), nil
		})
	}, func(t *testing.T, w wire) {
		w.start(t, 42, "tools/call", toolCall("wait", nil))
		select {
		case <-entered:
		case <-time.After(wireTimeout):
			t.Fatal("the call did not start")
		}
		w.notify(t, "notifications/cancelled", map[string]any{"requestId": 42, "reason": "user pressed stop"})
		assert.ErrorIs(t, <-ended, context.Canceled)
		// The session goes on. (mcp-go still answers the cancelled call,
		// which clients ignore.)
		msgs := w.call(t, 43, "ping", nil)
		assert.JSONEq(t, `{}`, string(msgs[len(msgs)-1].Result))
	})
}

// TestLoggingLevel: log messages of a call reach its client at or above
// the level it set, before the result.
func TestLoggingLevel(t *testing.T) {
	onBothTransports(t, func(t *testing.T, s *Server) {
		addTool(s, "logs", func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			log := s.Logger()
			log.DebugContext(ctx, "debug message")
			log.InfoContext(ctx, "info message", "n", 1)
			log.WarnContext(ctx, "warning message")
			log.ErrorContext(ctx, "error message")
			log.Error("not in a call: stays on stderr")
			return mcp.NewToolResultText("done"), nil
		})
	}, func(t *testing.T, w wire) {
		levels := func(id int) []string {
			msgs := w.call(t, id, "tools/call", toolCall("logs", nil))
			var got []string
			for _, m := range msgs[:len(msgs)-1] {
				require.Equal(t, "notifications/message", m.Method, "%v", m)
				var p struct {
					Level string         `json:"level"`
					Data  map[string]any `json:"data"`
				}
				require.NoError(t, json.Unmarshal(m.Params, &p))
				assert.Equal(t, p.Level+" message", p.Data["message"])
				got = append(got, p.Level)
			}
			return got
		}
		assert.Equal(t, []string{"error"}, levels(1), "the default level is error")
		w.call(t, 2, "logging/setLevel", map[string]any{"level": "warning"})
		assert.Equal(t, []string{"warning", "error"}, levels(3))
		w.call(t, 4, "logging/setLevel", map[string]any{"level": "debug"})
		assert.Equal(t, []string{"debug", "info", "warning", "error"}, levels(5))
	})
}

// TestHandshakes: initialize answers on both transports, with the
// capabilities the server has; server/discover (protocol 2026-07-28) answers
// on stdio, while HTTP, whose sessions carry state, tells a discovering client
// to use a session-based version (see TestHTTPDiscoverFallsBack).
func TestHandshakes(t *testing.T) {
	onBothTransports(t, func(*testing.T, *Server) {}, func(t *testing.T, w wire) {
		msgs := w.call(t, 1, "initialize", initParams)
		var init struct {
			Capabilities map[string]json.RawMessage `json:"capabilities"`
			ServerInfo   mcp.Implementation         `json:"serverInfo"`
		}
		require.NoError(t, json.Unmarshal(msgs[0].Result, &init))
		assert.Equal(t, "agentbox", init.ServerInfo.Name)
		for _, c := range []string{"tools", "logging", "completions"} {
			assert.Contains(t, init.Capabilities, c)
		}
		assert.JSONEq(t, `{}`, string(init.Capabilities["tools"]), "the tool list never changes: no listChanged")

		msgs = w.call(t, 3, "completion/complete", map[string]any{
			"ref":      map[string]any{"type": "ref/prompt", "name": "python-specialist"},
			"argument": map[string]any{"name": "framework", "value": "fa"},
		})
		assert.JSONEq(t, `{"completion":{"values":["FastAPI"],"total":1}}`, string(msgs[0].Result))
	})
	t.Run("stdio discover", func(t *testing.T) {
		w := newStdioWire(t, newServer(t))
		msgs := w.call(t, 2, "server/discover", modernMeta())
		var disc struct {
			SupportedVersions []string                   `json:"supportedVersions"`
			Capabilities      map[string]json.RawMessage `json:"capabilities"`
		}
		require.NoError(t, json.Unmarshal(msgs[0].Result, &disc), "%v", msgs)
		assert.Contains(t, disc.SupportedVersions, mcp.ProtocolVersion20260728)
		assert.Contains(t, disc.SupportedVersions, mcp.ProtocolVersion20251125)
		assert.Contains(t, disc.Capabilities, "tools")
		assert.Contains(t, disc.Capabilities, "logging")
	})
}

// modernMeta is the params of a protocol 2026-07-28 request with no others.
func modernMeta() map[string]any {
	return map[string]any{"_meta": map[string]any{
		mcp.MetaKeyProtocolVersion:    mcp.ProtocolVersion20260728,
		mcp.MetaKeyClientCapabilities: map[string]any{},
		mcp.MetaKeyClientInfo:         map[string]any{"name": "wire", "version": "1"},
	}}
}
