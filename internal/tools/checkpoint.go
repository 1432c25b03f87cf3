package tools

import (
	"context"
	"path/filepath"
	"time"

	"github.com/agentbox/agentbox/internal/shell"
)

// Every change the tools make is a checkpoint in the journal (when there
// is one): Write and Edit name the file they change (record), a Bash
// command may change anything, so the journal scans for what it changed
// once it has ended (recordCommand, called by internal/shell as a job
// starts; its end, when the job and all it started are gone, foreground
// and background alike). A checkpoint that cannot be recorded is logged;
// the call itself goes on.

// firstSnapshotWait is how long the server's first command waits for the
// journal's first snapshot of the workspace, which runs in the background
// from the start: a small workspace is done within it, so even its first
// command can be undone in full. A large one is not waited for, and later
// commands never wait: a checkpoint of a command run before the snapshot
// says what it could not hold.
const firstSnapshotWait = 20 * time.Millisecond

// summaryMax bounds the command a checkpoint names, in characters.
const summaryMax = 1000

// record begins the checkpoint of a Write or Edit of name (rel once
// resolved) and returns its end, to be called once the call has written,
// or failed to: it records what changed, nothing when nothing did.
func (t *Toolset) record(ctx context.Context, tool, name, rel string) (done func()) {
	op := t.opts.Journal.Begin(tool, name, filepath.ToSlash(rel))
	return func() {
		if _, err := op.Done(ctx); err != nil {
			t.opts.Logger.WarnContext(ctx, "checkpoint not recorded: this change cannot be undone", "tool", tool, "path", name, "err", err)
		}
	}
}

// recordCommand is the shell's Recorder: it begins the checkpoint of a
// command, and returns its end, which records what changed while it ran.
// The end runs after the call may have returned (a background job), so it
// logs without the call's context: nothing may reach a client after its
// call's result.
func (t *Toolset) recordCommand(ctx context.Context, command string) (ended func()) {
	j := t.opts.Journal
	if j == nil {
		return func() {}
	}
	t.firstCommand.Do(func() {
		wait := time.NewTimer(firstSnapshotWait)
		defer wait.Stop()
		select {
		case <-j.Primed():
		case <-wait.C:
		case <-ctx.Done():
		}
	})
	summary := shell.Shorten(command, summaryMax)
	op, err := j.BeginScan(ctx, "Bash", summary)
	if err != nil {
		t.opts.Logger.WarnContext(ctx, "checkpoint not begun: this command's changes cannot be undone", "command", shell.Shorten(command, 200), "err", err)
		return func() {}
	}
	return func() {
		if _, err := op.Done(context.Background()); err != nil {
			t.opts.Logger.Warn("checkpoint not recorded: this command's changes cannot be undone", "command", shell.Shorten(command, 200), "err", err)
		}
	}
}
