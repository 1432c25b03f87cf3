package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// LogHandler is a slog.Handler that forwards records logged with the context
// of a tool call to that call's client, as notifications/message at the
// matching level, when the client's logging level admits them. Records
// logged outside a tool call are not forwarded anywhere, so one client never
// sees another's logs; pair it with a handler for stderr.
type LogHandler struct {
	logger string // the "logger" field of the notifications
	prefix string // group prefix for attribute keys, "" or ending in "."
	attrs  map[string]any
}

// NewLogHandler returns a handler whose notifications name logger.
func NewLogHandler(logger string) *LogHandler {
	return &LogHandler{logger: logger}
}

// Enabled reports whether ctx is a tool call whose client wants level.
func (h *LogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return callOf(ctx) != nil && Wants(ctx, Level(level))
}

// Handle sends r to the client as {"message": ..., attributes...}.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	data := make(map[string]any, len(h.attrs)+r.NumAttrs()+1)
	for k, v := range h.attrs {
		data[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(data, h.prefix, a)
		return true
	})
	data["message"] = r.Message
	Log(ctx, Level(r.Level), h.logger, data)
	return nil
}

// WithAttrs returns a handler that adds attrs to every record.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = make(map[string]any, len(h.attrs)+len(attrs))
	for k, v := range h.attrs {
		h2.attrs[k] = v
	}
	for _, a := range attrs {
		addAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

// WithGroup returns a handler that qualifies later attribute keys with name.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// addAttr flattens a into m under dotted keys, with values JSON can carry.
func addAttr(m map[string]any, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range v.Group() {
			addAttr(m, p, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	m[prefix+a.Key] = jsonValue(v)
}

func jsonValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindDuration:
		return v.Duration().String()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	case slog.KindAny:
		x := v.Any()
		switch x := x.(type) {
		case error:
			return x.Error()
		case fmt.Stringer:
			return x.String()
		}
		if _, err := json.Marshal(x); err != nil {
			return fmt.Sprint(x)
		}
		return x
	default:
		return v.Any()
	}
}

// Level maps a slog level to the MCP (syslog) level a client sets.
func Level(l slog.Level) mcp.LoggingLevel {
	switch {
	case l < slog.LevelInfo:
		return mcp.LoggingLevelDebug
	case l < slog.LevelInfo+2:
		return mcp.LoggingLevelInfo
	case l < slog.LevelWarn:
		return mcp.LoggingLevelNotice
	case l < slog.LevelError:
		return mcp.LoggingLevelWarning
	case l < slog.LevelError+4:
		return mcp.LoggingLevelError
	default:
		return mcp.LoggingLevelCritical
	}
}
