// Package shell is one client session's Bash on top of internal/sandbox:
// the working directory that carries from command to command, the jobs in
// the foreground and the background, and the bounded spool of each job's
// output (the first SpoolMax bytes on disk, the last TailMax in memory),
// from which results are cut and BashOutput pages. It knows nothing of
// MCP; the Bash, BashOutput and KillShell tools drive it. Commands run
// with the workspace's Python virtual environment activated (see
// internal/pyenv), and Python says what python3 is for them.
package shell

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// Session is one client session's Bash state: the working directory that
// carries from call to call, the session's private space (its commands'
// TMPDIR and the spools of their output), and its jobs. The private space
// is made on first use.
type Session struct {
	sb     *sandbox.Sandbox
	ws     *workspace.Workspace
	venv   pyenv.Finder // the virtual environment commands run with
	record Recorder     // the checkpoint journal's hook around each command

	mu      sync.Mutex
	cwd     string // absolute, inside the workspace; "" means its root
	scratch *sandbox.Scratch
	jobs    map[string]*Job
	kept    []string // finished jobs kept for BashOutput, oldest first
	next    int
	closed  bool
	bg      context.Context // background jobs run until it ends: with the session
	cancel  context.CancelFunc
}

// New returns the Bash state of a session whose commands run in sb with
// the workspace ws, with the virtual environment venv finds there
// activated, each recorded by record (nil records nothing).
func New(sb *sandbox.Sandbox, ws *workspace.Workspace, venv pyenv.Finder, record Recorder) *Session {
	if record == nil {
		record = func(context.Context, string) func() { return func() {} }
	}
	return &Session{sb: sb, ws: ws, venv: venv, record: record}
}

// Recorder is called as a command is about to start, with the context of
// the call that starts it, and returns what to call once the command and
// everything it started are gone (before Done is closed): the checkpoint
// journal records the command's changes between the two.
type Recorder func(ctx context.Context, command string) (ended func())

// MaxKept is how many finished jobs' output a session keeps for
// BashOutput; the oldest beyond it are forgotten.
const MaxKept = 20

// maxJobs is how many background jobs one session may run at once.
const maxJobs = 10

// EndReason says why a job ended.
type EndReason int

const (
	Exited    EndReason = iota // on its own
	TimedOut                   // its timeout passed
	Stopped                    // by Stop (KillShell)
	Cancelled                  // the call was cancelled or the session ended
)

// Job is one command, in the foreground or the background. A foreground
// job runs for a tool call: it ends when the call is cancelled, unless
// Detach has moved it to the background first.
type Job struct {
	id      string
	command string
	timeout time.Duration
	started time.Time
	out     *Spool
	cmd     *sandbox.Cmd
	done    chan struct{} // closed when the command and all it started are gone
	unwatch func() bool   // stops watching the call's context; nil in the background

	// Set before done is closed.
	exit  sandbox.Exit
	err   error // the sandbox could not run it
	ended time.Time
	why   EndReason

	mu   sync.Mutex
	read int64 // how far BashOutput has read

	// Guarded by Session.mu.
	background bool // in the background, from the start or since Detach
	stopping   bool // Stop asked it to stop
	cancelled  bool // its call was cancelled while it ran in the foreground
	finished   bool // its command has ended; Detach is too late
}

// ID is the job's name in this session: "b1", "b2", ...
func (j *Job) ID() string { return j.id }

// Command is the command the job runs.
func (j *Job) Command() string { return j.command }

// Started is when the job started.
func (j *Job) Started() time.Time { return j.started }

// Output is what the job printed, stdout and stderr merged.
func (j *Job) Output() *Spool { return j.out }

// Done is closed when the command and everything it started are gone.
// The methods below describe how it ended; call them after Done.
func (j *Job) Done() <-chan struct{} { return j.done }

// Err is why the sandbox could not run the command, or nil.
func (j *Job) Err() error { return j.err }

// Exit is how the command exited: its code and the directory its shell
// ended in.
func (j *Job) Exit() sandbox.Exit { return j.exit }

// Ended is when the job ended.
func (j *Job) Ended() time.Time { return j.ended }

// Why says why the job ended.
func (j *Job) Why() EndReason { return j.why }

// Cursor is how far BashOutput has read the job's output.
func (j *Job) Cursor() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.read
}

// Advance moves the cursor on to offset, never back.
func (j *Job) Advance(offset int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.read = max(j.read, offset)
}

var (
	errTimedOut   = errors.New("timed out")
	errShellEnded = errors.New("the session has ended")
)

// Start starts command for the session, and returns notes for the result
// (a working directory that was gone). Every job runs until it ends, its
// timeout passes (0 is none), it is stopped, or the session ends; a
// foreground job also ends when ctx (its call's) is cancelled, until it is
// detached.
func (sh *Session) Start(ctx context.Context, command string, timeout time.Duration, background bool) (*Job, []string, error) {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return nil, nil, errShellEnded
	}
	if sh.scratch == nil {
		sc, err := sh.sb.NewScratch()
		if err != nil {
			sh.mu.Unlock()
			return nil, nil, err
		}
		sh.scratch, sh.jobs = sc, map[string]*Job{}
		sh.bg, sh.cancel = context.WithCancel(context.Background())
	}
	if background && sh.running(true) >= maxJobs {
		sh.mu.Unlock()
		return nil, nil, fmt.Errorf("this session already runs %d background jobs, the most it may; stop one with KillShell, or wait for one to end", maxJobs)
	}
	dir, notes := sh.workdir()
	sh.next++
	j := &Job{
		id: fmt.Sprintf("b%d", sh.next), command: command, background: background, timeout: timeout,
		started: time.Now(), done: make(chan struct{}),
	}
	jctx, cancel := context.WithCancel(sh.bg)
	spool, err := os.OpenFile(filepath.Join(sh.scratch.Spool, j.id+".out"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		spool = nil // keep the tail in memory only
	}
	j.out = newSpool(spool, err)
	scratch := sh.scratch
	sh.mu.Unlock()

	if timeout > 0 {
		var stopTimer context.CancelFunc
		jctx, stopTimer = context.WithTimeoutCause(jctx, timeout, errTimedOut)
		cancelJob := cancel
		cancel = func() { stopTimer(); cancelJob() }
	}
	src := command
	if env, ok := sh.venv.Find(sh.ws); ok {
		src = activated(env, command)
	}
	ended := sh.record(ctx, command)
	cmd, err := sh.sb.Start(jctx, sandbox.Spec{Command: src, Dir: dir, Scratch: scratch, Output: j.out})
	if err != nil {
		ended()
		cancel()
		j.out.remove()
		return nil, notes, err
	}
	j.cmd = cmd
	sh.mu.Lock()
	if sh.closed { // the session ended while the command started
		sh.mu.Unlock()
		cmd.Stop()
		_, _ = cmd.Wait()
		ended()
		cancel()
		j.out.remove()
		return nil, notes, errShellEnded
	}
	sh.jobs[j.id] = j
	if !background {
		j.unwatch = context.AfterFunc(ctx, func() {
			sh.mu.Lock()
			j.cancelled = true
			sh.mu.Unlock()
			cancel()
		})
	}
	sh.mu.Unlock()
	go func() {
		j.exit, j.err = cmd.Wait()
		j.ended = time.Now()
		if j.unwatch != nil {
			j.unwatch()
		}
		ended()
		sh.mu.Lock()
		switch {
		case j.stopping:
			j.why = Stopped
		case errors.Is(context.Cause(jctx), errTimedOut):
			j.why = TimedOut
		case j.cancelled || jctx.Err() != nil:
			j.why = Cancelled
		}
		j.finished = true
		keep := j.background
		sh.mu.Unlock()
		cancel()
		j.out.close()
		close(j.done)
		if keep {
			sh.Keep(j)
		}
	}()
	return j, notes, nil
}

// Detach moves a running foreground job to the background: it no longer
// ends with its call, and its output is kept for BashOutput once it ends.
// It reports false, and changes nothing, when the job has already ended or
// its call was cancelled.
func (sh *Session) Detach(j *Job) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if j.finished || j.cancelled || j.background {
		return false
	}
	if j.unwatch != nil && !j.unwatch() {
		return false // the call's cancellation is stopping it
	}
	j.background = true
	return true
}

// running counts the session's running jobs (background ones only, if so
// asked). The caller holds sh.mu.
func (sh *Session) running(background bool) int {
	n := 0
	for _, j := range sh.jobs {
		select {
		case <-j.done:
		default:
			if j.background || !background {
				n++
			}
		}
	}
	return n
}

// workdir returns the directory the next command starts in: the one the
// last command left, unless it is gone. The caller holds sh.mu.
func (sh *Session) workdir() (string, []string) {
	ws := sh.ws
	if sh.cwd == "" {
		return ws.Dir(), nil
	}
	rel, err := filepath.Rel(ws.Dir(), sh.cwd)
	if err == nil {
		if fi, err := ws.Stat(rel); err == nil && fi.IsDir() {
			return sh.cwd, nil
		}
	}
	sh.cwd = ""
	return ws.Dir(), []string{fmt.Sprintf("[The working directory %s is gone, so this command ran in the workspace root.]", workspace.Display(rel))}
}

// Moved records dir, where a successful command left the shell, as the
// next command's directory, and returns a note when it had to bring it
// back into the workspace.
func (sh *Session) Moved(dir string) []string {
	ws := sh.ws
	if dir == "" {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, base := range []string{ws.RealDir(), ws.Dir()} {
		if rel, err := filepath.Rel(base, dir); err == nil && (rel == "." || filepath.IsLocal(rel)) {
			sh.cwd = filepath.Join(ws.Dir(), rel)
			if rel == "." {
				sh.cwd = ""
			}
			return nil
		}
	}
	sh.cwd = ""
	return []string{fmt.Sprintf("[Shell cwd was reset to the workspace root: the command ended in %s, outside the workspace.]", dir)}
}

// Keep keeps a finished job's output for BashOutput, forgetting the
// oldest beyond MaxKept.
func (sh *Session) Keep(j *Job) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return
	}
	sh.kept = append(sh.kept, j.id)
	for len(sh.kept) > MaxKept {
		if old, ok := sh.jobs[sh.kept[0]]; ok {
			delete(sh.jobs, old.id)
			old.out.remove()
		}
		sh.kept = sh.kept[1:]
	}
}

// Drop forgets a job and its output.
func (sh *Session) Drop(j *Job) {
	sh.mu.Lock()
	delete(sh.jobs, j.id)
	sh.mu.Unlock()
	j.out.remove()
}

// Find returns the session's job with id, or an error listing the jobs
// there are.
func (sh *Session) Find(id string) (*Job, error) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if j, ok := sh.jobs[id]; ok {
		return j, nil
	}
	var ids []string
	for _, j := range sh.jobs {
		ids = append(ids, j.id)
	}
	slices.SortFunc(ids, cmpID)
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no such job in this session, which has none; start one with Bash and run_in_background: true", id)
	}
	return nil, fmt.Errorf("%s: no such job in this session; its jobs are %s", id, strings.Join(ids, ", "))
}

// cmpID orders job ids by number.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// Stop asks a running job to stop and waits until it and everything it
// started are gone (SIGTERM, then SIGKILL after sandbox.Grace).
func (sh *Session) Stop(j *Job) {
	sh.mu.Lock()
	select {
	case <-j.done:
		sh.mu.Unlock()
		return
	default:
	}
	j.stopping = true
	sh.mu.Unlock()
	j.cmd.Stop()
	<-j.done
}

// Close ends the session's shell: it stops every job and removes the
// private space with their output.
func (sh *Session) Close() {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return
	}
	sh.closed = true
	var jobs []*Job
	for _, j := range sh.jobs {
		jobs = append(jobs, j)
	}
	cancel, scratch := sh.cancel, sh.scratch
	sh.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	for _, j := range jobs {
		if j.cmd != nil {
			j.cmd.Stop()
			<-j.done
		}
	}
	if scratch != nil {
		scratch.Close()
	}
}

// Status describes a job's state for BashOutput and KillShell.
func (j *Job) Status(now time.Time) string {
	select {
	case <-j.done:
	default:
		return "running for " + RoundDuration(now.Sub(j.started))
	}
	took := RoundDuration(j.ended.Sub(j.started))
	switch {
	case j.err != nil:
		return "could not start: " + j.err.Error()
	case j.why == Stopped:
		return "stopped by KillShell after " + took
	case j.why == TimedOut:
		return fmt.Sprintf("timed out after %s and was stopped", took)
	case j.why == Cancelled:
		return "stopped when its session or call ended, after " + took
	case j.exit.OutOfMemory:
		return fmt.Sprintf("exited with code %d after %s, killed for memory (past its limit of %s)", j.exit.Code, took, j.exit.MemoryLimit)
	}
	return fmt.Sprintf("exited with code %d after %s", j.exit.Code, took)
}

// RoundDuration prints d the way people say it: 850ms, 3.2s, 2m5s, 2m.
func RoundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") { // 2m, not 2m0s
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
