package tools

import (
	"context"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/notify"
	"github.com/agentbox/agentbox/internal/shell"
)

// progressEvery is how often a running command reports progress.
const progressEvery = time.Second

// reportProgress reports, about once a second while j runs, the elapsed
// time and the last line printed, when the call's client asked for
// progress (notify.Progress does nothing otherwise). The returned stop ends
// the reports and returns only after the last one has been written, so the
// result the handler returns next comes after all of them: notify writes
// each report before it returns and drops any sent once the handler has
// returned.
//
// That ordering is internal/notify's work around mcp-go, which queues a
// handler's notifications for another goroutine to write: on Streamable HTTP
// one can be dropped when the response is written first
// (https://github.com/mark3labs/mcp-go/pull/969, open), and on stdio it can
// follow the result (no upstream issue found: the stdio transport makes no
// ordering promise for them).
func reportProgress(ctx context.Context, j *shell.Job) (stop func()) {
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-j.Done():
				return
			case <-ctx.Done():
				return
			case now := <-tick.C:
				elapsed := now.Sub(j.Started())
				msg := "Running for " + shell.RoundDuration(elapsed.Truncate(time.Second))
				if line := j.Output().LastLine(); line != "" {
					msg += ": " + line
				}
				notify.Progress(ctx, elapsed.Seconds(), 0, msg)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(quit)
			<-finished
		})
	}
}
