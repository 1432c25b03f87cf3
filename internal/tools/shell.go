package tools

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

	"github.com/agentbox/agentbox/internal/sandbox"
)

// shell is one session's Bash state: the working directory that carries
// from call to call, the session's private space (its commands' TMPDIR and
// the spools of their output), and its jobs. The zero value is ready; the
// private space is made on first use.
type shell struct {
	mu      sync.Mutex
	cwd     string // absolute, inside the workspace; "" means its root
	scratch *sandbox.Scratch
	jobs    map[string]*job
	kept    []string // finished jobs kept for BashOutput, oldest first
	next    int
	closed  bool
	bg      context.Context // background jobs run until it ends: with the session
	cancel  context.CancelFunc
}

const (
	bashMaxJobs = 10 // background jobs one session may run at once
	bashMaxKept = 20 // finished jobs whose output a session keeps
)

// endReason says why a job ended.
type endReason int

const (
	exited    endReason = iota // on its own
	timedOut                   // its timeout passed
	stopped                    // by KillShell
	cancelled                  // the call was cancelled or the session ended
)

// job is one command, in the foreground or the background.
type job struct {
	id         string
	command    string
	background bool
	timeout    time.Duration
	started    time.Time
	out        *output
	cmd        *sandbox.Cmd
	done       chan struct{} // closed when the command and all it started are gone

	// Set before done is closed.
	exit  sandbox.Exit
	err   error // the sandbox could not run it
	ended time.Time
	why   endReason

	// Guarded by shell.mu.
	read     int64 // how far BashOutput has read
	stopping bool  // KillShell asked it to stop
}

var (
	errTimedOut   = errors.New("timed out")
	errShellEnded = errors.New("the session has ended")
)

// start starts command for the session. Foreground jobs run under ctx (the
// call's); background jobs under the session's own context, so they
// outlive the call but not the session.
func (sh *shell) start(ctx context.Context, t *Toolset, command string, timeout time.Duration, background bool) (*job, []string, error) {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return nil, nil, errShellEnded
	}
	if sh.scratch == nil {
		sc, err := t.opts.Sandbox.NewScratch()
		if err != nil {
			sh.mu.Unlock()
			return nil, nil, err
		}
		sh.scratch, sh.jobs = sc, map[string]*job{}
		sh.bg, sh.cancel = context.WithCancel(context.Background())
	}
	if background && sh.running(true) >= bashMaxJobs {
		sh.mu.Unlock()
		return nil, nil, fmt.Errorf("this session already runs %d background jobs, the most it may; stop one with KillShell, or wait for one to end", bashMaxJobs)
	}
	dir, notes := sh.workdir(t.ws)
	sh.next++
	j := &job{
		id: fmt.Sprintf("b%d", sh.next), command: command, background: background, timeout: timeout,
		started: time.Now(), done: make(chan struct{}),
	}
	spool, err := os.OpenFile(filepath.Join(sh.scratch.Spool, j.id+".out"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		spool = nil // keep the tail in memory only
	}
	j.out = newOutput(spool)
	scratch := sh.scratch
	if background {
		ctx = sh.bg
	}
	sh.mu.Unlock()

	cancel := context.CancelFunc(func() {})
	if timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimedOut)
	}
	cmd, err := t.opts.Sandbox.Start(ctx, sandbox.Spec{Command: command, Dir: dir, Scratch: scratch, Output: j.out})
	if err != nil {
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
		cancel()
		j.out.remove()
		return nil, notes, errShellEnded
	}
	sh.jobs[j.id] = j
	sh.mu.Unlock()
	go func() {
		j.exit, j.err = cmd.Wait()
		j.ended = time.Now()
		sh.mu.Lock()
		switch {
		case j.stopping:
			j.why = stopped
		case errors.Is(context.Cause(ctx), errTimedOut):
			j.why = timedOut
		case ctx.Err() != nil:
			j.why = cancelled
		}
		sh.mu.Unlock()
		cancel()
		j.out.close()
		close(j.done)
		if background {
			sh.keep(j)
		}
	}()
	return j, notes, nil
}

// running counts the session's running jobs (background ones only, if so
// asked). The caller holds sh.mu.
func (sh *shell) running(background bool) int {
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
func (sh *shell) workdir(ws *Workspace) (string, []string) {
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
	return ws.Dir(), []string{fmt.Sprintf("[The working directory %s is gone, so this command ran in the workspace root.]", Display(rel))}
}

// moved records where a successful command left the shell, and returns a
// note when it had to bring it back into the workspace.
func (sh *shell) moved(ws *Workspace, dir string) []string {
	if dir == "" {
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, base := range []string{ws.realDir(), ws.Dir()} {
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

// keep keeps a finished job's output for BashOutput, forgetting the
// oldest beyond bashMaxKept.
func (sh *shell) keep(j *job) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		return
	}
	sh.kept = append(sh.kept, j.id)
	for len(sh.kept) > bashMaxKept {
		if old, ok := sh.jobs[sh.kept[0]]; ok {
			delete(sh.jobs, old.id)
			old.out.remove()
		}
		sh.kept = sh.kept[1:]
	}
}

// drop forgets a job and its output.
func (sh *shell) drop(j *job) {
	sh.mu.Lock()
	delete(sh.jobs, j.id)
	sh.mu.Unlock()
	j.out.remove()
}

// find returns the session's job with id, or an error listing the jobs
// there are.
func (sh *shell) find(id string) (*job, error) {
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

// stop asks a running job to stop and waits until it and everything it
// started are gone (SIGTERM, then SIGKILL after sandbox.Grace).
func (sh *shell) stop(j *job) {
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

// close ends the session's shell: it stops every job and removes the
// private space with their output.
func (sh *shell) close() {
	sh.mu.Lock()
	if sh.closed {
		sh.mu.Unlock()
		return
	}
	sh.closed = true
	var jobs []*job
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

// status describes a job's state for BashOutput and KillShell.
func (j *job) status(now time.Time) string {
	select {
	case <-j.done:
	default:
		return "running for " + roundDuration(now.Sub(j.started))
	}
	took := roundDuration(j.ended.Sub(j.started))
	switch {
	case j.err != nil:
		return "could not start: " + j.err.Error()
	case j.why == stopped:
		return "stopped by KillShell after " + took
	case j.why == timedOut:
		return fmt.Sprintf("timed out after %s and was stopped", took)
	case j.why == cancelled:
		return "stopped when its session or call ended, after " + took
	case j.exit.OutOfMemory:
		return fmt.Sprintf("exited with code %d after %s, killed for memory (past its limit of %s)", j.exit.Code, took, j.exit.MemoryLimit)
	}
	return fmt.Sprintf("exited with code %d after %s", j.exit.Code, took)
}

// roundDuration prints d the way people say it: 850ms, 3.2s, 2m5s.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// realDir returns the workspace's directory with symlinks resolved: the
// form the shell's pwd -P prints.
func (w *Workspace) realDir() string {
	if w.real != "" {
		return w.real
	}
	return w.dir
}
