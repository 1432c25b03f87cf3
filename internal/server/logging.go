package server

import (
	"context"
	"errors"
	"log/slog"
)

// tee is a slog.Handler that hands each record to every handler that wants
// it: the server logs to stderr, and through a notify.LogHandler to the
// client of the tool call a record was logged in.
type tee []slog.Handler

func (t tee) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t tee) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (t tee) WithAttrs(attrs []slog.Attr) slog.Handler {
	u := make(tee, len(t))
	for i, h := range t {
		u[i] = h.WithAttrs(attrs)
	}
	return u
}

func (t tee) WithGroup(name string) slog.Handler {
	u := make(tee, len(t))
	for i, h := range t {
		u[i] = h.WithGroup(name)
	}
	return u
}

// debugOnly logs every record at debug level: mcp-go's request log says
// INFO for each request, which is noise at the default level.
type debugOnly struct{ h slog.Handler }

func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.h.Enabled(ctx, slog.LevelDebug)
}

func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return d.h.Handle(ctx, r)
}

func (d debugOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugOnly{d.h.WithAttrs(attrs)}
}

func (d debugOnly) WithGroup(name string) slog.Handler { return debugOnly{d.h.WithGroup(name)} }
