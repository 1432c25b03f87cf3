package notify

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sent records what a Sender was given.
type sent struct {
	mu   sync.Mutex
	msgs []msg
}

type msg struct {
	method string
	params map[string]any
}

func (s *sent) send(method string, params any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, msg{method, params.(map[string]any)})
	return nil
}

func (s *sent) all() []msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]msg(nil), s.msgs...)
}

// session is a client session with a logging level.
type session struct{ level mcp.LoggingLevel }

func (s *session) Initialize()                                         {}
func (s *session) Initialized() bool                                   { return true }
func (s *session) NotificationChannel() chan<- mcp.JSONRPCNotification { return nil }
func (s *session) SessionID() string                                   { return "test" }
func (s *session) SetLogLevel(l mcp.LoggingLevel)                      { s.level = l }
func (s *session) GetLogLevel() mcp.LoggingLevel                       { return s.level }

// runCall runs handler as a tool call through Middleware, with a Sender and a
// session at level, and returns what was sent.
func runCall(t *testing.T, token any, level mcp.LoggingLevel, handler server.ToolHandlerFunc) []msg {
	t.Helper()
	var s sent
	ctx := server.NewMCPServer("t", "0").WithContext(t.Context(), &session{level: level})
	ctx = WithSender(ctx, s.send)
	var req mcp.CallToolRequest
	if token != nil {
		req.Params.Meta = &mcp.Meta{ProgressToken: token}
	}
	_, err := Middleware(handler)(ctx, req)
	require.NoError(t, err)
	return s.all()
}

func TestProgress(t *testing.T) {
	t.Parallel()
	report := func(values ...float64) server.ToolHandlerFunc {
		return func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			for _, v := range values {
				Progress(ctx, v, 10, "")
			}
			return nil, nil
		}
	}
	t.Run("sends nothing without a progress token", func(t *testing.T) {
		t.Parallel()
		assert.Empty(t, runCall(t, nil, mcp.LoggingLevelDebug, report(1, 2)))
	})
	t.Run("sends each report with the request's token", func(t *testing.T) {
		t.Parallel()
		got := runCall(t, "tok", mcp.LoggingLevelDebug, func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			Progress(ctx, 1, 0, "")
			Progress(ctx, 2, 4, "half")
			return nil, nil
		})
		assert.Equal(t, []msg{
			{"notifications/progress", map[string]any{"progressToken": "tok", "progress": 1.0}},
			{"notifications/progress", map[string]any{"progressToken": "tok", "progress": 2.0, "total": 4.0, "message": "half"}},
		}, got)
	})
	t.Run("drops reports that do not grow", func(t *testing.T) {
		t.Parallel()
		var values []any
		for _, m := range runCall(t, 7, mcp.LoggingLevelDebug, report(0, 1, 1, 0.5, 3)) {
			values = append(values, m.params["progress"])
		}
		assert.Equal(t, []any{0.0, 1.0, 3.0}, values)
	})
	t.Run("sends nothing once the call has returned", func(t *testing.T) {
		t.Parallel()
		var ctx context.Context
		got := runCall(t, "tok", mcp.LoggingLevelDebug, func(c context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			ctx = c
			Progress(c, 1, 0, "")
			assert.True(t, Active(c))
			return nil, nil
		})
		Progress(ctx, 2, 0, "late")
		Log(ctx, mcp.LoggingLevelError, "", "late")
		assert.False(t, Active(ctx))
		assert.Len(t, got, 1)
	})
	t.Run("does nothing outside a tool call", func(t *testing.T) {
		t.Parallel()
		var s sent
		ctx := WithSender(t.Context(), s.send)
		Progress(ctx, 1, 0, "")
		Log(ctx, mcp.LoggingLevelEmergency, "", "x")
		assert.Empty(t, s.all())
		assert.False(t, Active(ctx))
	})
}

func TestProgressWaitsForTheCallToClose(t *testing.T) {
	t.Parallel()
	// A goroutine that keeps reporting after the handler returned: every
	// report it gets in comes before the handler's return is complete.
	var s sent
	var returned []msg
	stop := make(chan struct{})
	ctx := WithSender(t.Context(), s.send)
	var req mcp.CallToolRequest
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok"}
	var wg sync.WaitGroup
	_, _ = Middleware(func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		wg.Go(func() {
			for i := 1.0; ; i++ {
				select {
				case <-stop:
					return
				default:
					Progress(ctx, i, 0, "")
				}
			}
		})
		return nil, nil
	})(ctx, req)
	returned = s.all()
	close(stop)
	wg.Wait()
	assert.Equal(t, returned, s.all(), "a report was sent after the call returned")
}

func TestLog(t *testing.T) {
	t.Parallel()
	logAll := func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		for _, l := range []mcp.LoggingLevel{mcp.LoggingLevelDebug, mcp.LoggingLevelInfo, mcp.LoggingLevelWarning, mcp.LoggingLevelError} {
			Log(ctx, l, "test", string(l))
		}
		return nil, nil
	}
	levels := func(msgs []msg) []any {
		var out []any
		for _, m := range msgs {
			assert.Equal(t, "notifications/message", m.method)
			assert.Equal(t, "test", m.params["logger"])
			out = append(out, m.params["data"])
		}
		return out
	}
	assert.Equal(t, []any{"warning", "error"}, levels(runCall(t, nil, mcp.LoggingLevelWarning, logAll)))
	assert.Equal(t, []any{"debug", "info", "warning", "error"}, levels(runCall(t, nil, mcp.LoggingLevelDebug, logAll)))
	assert.Empty(t, levels(runCall(t, nil, mcp.LoggingLevelEmergency, logAll)))
}

func TestLogModernRequests(t *testing.T) {
	t.Parallel()
	// Protocol 2026-07-28 declares the level per request, and a request
	// that declares none gets no log messages.
	for _, tc := range []struct {
		level mcp.LoggingLevel
		want  int
	}{{"", 0}, {mcp.LoggingLevelError, 1}, {mcp.LoggingLevelDebug, 2}} {
		var s sent
		ctx := server.WithRequestProtocolInfo(WithSender(t.Context(), s.send), &server.RequestProtocolInfo{Modern: true, LogLevel: tc.level})
		_, _ = Middleware(func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			Log(ctx, mcp.LoggingLevelInfo, "", "info")
			Log(ctx, mcp.LoggingLevelError, "", "error")
			return nil, nil
		})(ctx, mcp.CallToolRequest{})
		assert.Len(t, s.all(), tc.want, "level %q", tc.level)
	}
}

func TestLogHandler(t *testing.T) {
	t.Parallel()
	log := slog.New(NewLogHandler("agentbox")).With("tool", "Bash").WithGroup("cmd")
	got := runCall(t, nil, mcp.LoggingLevelInfo, func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		log.DebugContext(ctx, "not wanted")
		log.WarnContext(ctx, "sandbox unavailable", "pid", 42, slog.Group("limits", "cpu", "10s"))
		log.Warn("no context: not a call's")
		return nil, nil
	})
	require.Len(t, got, 1)
	assert.Equal(t, map[string]any{
		"level":  mcp.LoggingLevelWarning,
		"logger": "agentbox",
		"data": map[string]any{
			"message":        "sandbox unavailable",
			"tool":           "Bash",
			"cmd.pid":        int64(42),
			"cmd.limits.cpu": "10s",
		},
	}, got[0].params)
}

func TestLevel(t *testing.T) {
	t.Parallel()
	for l, want := range map[slog.Level]mcp.LoggingLevel{
		slog.LevelDebug - 4: mcp.LoggingLevelDebug,
		slog.LevelDebug:     mcp.LoggingLevelDebug,
		slog.LevelInfo:      mcp.LoggingLevelInfo,
		slog.LevelInfo + 2:  mcp.LoggingLevelNotice,
		slog.LevelWarn:      mcp.LoggingLevelWarning,
		slog.LevelError:     mcp.LoggingLevelError,
		slog.LevelError + 4: mcp.LoggingLevelCritical,
	} {
		assert.Equal(t, want, Level(l), "slog level %v", l)
	}
}
