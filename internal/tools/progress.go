package tools

import (
	"context"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// progressEvery is how often a running command reports progress.
const progressEvery = time.Second

// reportProgress sends notifications/progress for the call in req about
// once a second while j runs (when the client asked for progress with a
// token), with the elapsed time and the last line printed. The returned
// stop must be called before the call's result is returned: it ends the
// reports and returns only once the last one has been handed to the
// transport, so no notification for a call follows its result.
func (t *Toolset) reportProgress(ctx context.Context, req mcp.CallToolRequest, j *job) (stop func()) {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return func() {}
	}
	token := req.Params.Meta.ProgressToken
	quit, finished := make(chan struct{}), make(chan struct{})
	var queued bool // sent through mcp-go's queue rather than Notify
	go func() {
		defer close(finished)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-j.done:
				return
			case <-ctx.Done():
				return
			case now := <-tick.C:
				elapsed := now.Sub(j.started)
				msg := "Running for " + roundDuration(elapsed.Truncate(time.Second))
				if line := j.out.lastLine(); line != "" {
					msg += ": " + line
				}
				params := map[string]any{
					"progressToken": token,
					"progress":      int(elapsed / time.Second),
					"message":       msg,
				}
				if !t.notify(ctx, "notifications/progress", params) {
					queued = true
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-finished
			if queued {
				drainNotifications(ctx)
			}
		})
	}
}

// notify delivers a notification through Options.Notify when that can, and
// reports whether it did; otherwise it queues it through mcp-go.
func (t *Toolset) notify(ctx context.Context, method string, params map[string]any) bool {
	if t.opts.Notify != nil && t.opts.Notify(ctx, method, params) {
		return true
	}
	if srv := server.ServerFromContext(ctx); srv != nil {
		// A client gone or a full queue loses a report: progress is advisory.
		_ = srv.SendNotificationToClient(ctx, method, params)
	}
	return false
}

// drainNotifications waits, up to a second, until the transport has taken
// every notification queued for the session in ctx, and a moment more for
// it to hand the last one over. mcp-go queues notifications apart from
// responses, so this is the nearest a tool can come to flushing them on
// transports that give no way to write in order (Options.Notify does).
func drainNotifications(ctx context.Context) {
	cs := server.ClientSessionFromContext(ctx)
	if cs == nil {
		return
	}
	ch := cs.NotificationChannel()
	deadline := time.Now().Add(time.Second)
	for len(ch) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond)
}
