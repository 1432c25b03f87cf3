package check

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// pyWarm is the warm Python checker of a workspace: one interpreter
// running checkpy.py's serve loop, with compile and pyflakes loaded, fed
// the content of each file written and answering with what it found (see
// checkpy.py for the protocol). It starts with the first check, and a
// check starts it anew when it has died or when the environment it was
// started in has changed: another interpreter or virtual environment, or
// packages installed in the environment.
type pyWarm struct {
	c *Checker

	mu     sync.Mutex
	proc   *pyProc
	closed bool
}

// pyMaxFile is the largest file the warm checker is sent; a larger one is
// left to Diagnostics.
const pyMaxFile = 8 << 20

// errCheckerDied is the error of a check whose checker process ended
// before answering.
var errCheckerDied = errors.New("the checker process ended")

// pyProc is one run of the warm checker.
type pyProc struct {
	exe, how string // the interpreter as chosen, and how (see pyInterpreter)
	w        *warm
	begun    time.Time
	stuck    time.Duration // see stuckAfter
	ready    chan struct{} // closed once hello has arrived or the process has ended
	hello    pyHello
	stamp    string // the environment it started in (see pyStamp), set with hello

	wmu sync.Mutex // one request written at a time

	heard atomic.Int64 // when it last wrote a line, in Unix nanoseconds

	mu    sync.Mutex
	calls map[uint64]*pyCall
	next  uint64
	ended chan struct{} // closed when the process has ended
	err   error         // why it ended, once ended is closed
}

// pyHello is the first line of the serve loop.
type pyHello struct {
	Version    string   `json:"version"`
	Executable string   `json:"executable"`
	Pyflakes   string   `json:"pyflakes"`
	Site       []string `json:"site"` // its site-packages directories
}

// pyAnswer is every other line.
type pyAnswer struct {
	Hello    *pyHello    `json:"hello"`
	ID       uint64      `json:"id"`
	State    string      `json:"state"` // "queued", "done" or "cancelled"
	ETA      int         `json:"eta_ms"`
	Findings []pyFinding `json:"findings"`
}

// pyCall is a request waiting for its answers.
type pyCall struct {
	queued  chan time.Duration // the checker's estimate of when it ends
	done    chan pyAnswer
	started atomic.Bool // the checker's worker has begun it
}

// check runs the warm checker on rel's content as the file is now. expect
// is told, when the checker knows, how long the rest of the check should
// take. A checker that dies during the check is started anew and asked
// again, once.
func (p *pyWarm) check(ctx context.Context, rel string, expect func(time.Duration)) report {
	c := p.c
	exe, how, err := c.pyInterpreter()
	if err != nil {
		return report{skipped: err.Error()}
	}
	disp := workspace.Display(rel)
	src, err := c.readSource(rel, pyMaxFile)
	if err != nil {
		return report{skipped: err.Error()}
	}
	for attempt := 0; ; attempt++ {
		proc, err := p.get(ctx, exe, how)
		if err != nil {
			if ctx.Err() != nil {
				return report{skipped: "python: " + runError(ctx.Err(), ctx)}
			}
			return report{skipped: err.Error()}
		}
		ans, err := proc.check(ctx, disp, src, expect)
		if errors.Is(err, errCheckerDied) && attempt == 0 {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return report{skipped: "python: " + runError(ctx.Err(), ctx)}
			}
			return report{givenUp: fmt.Sprintf("the checker stopped twice while checking it (%v)", err)}
		}
		return c.pyReport(ctx, proc, rel, ans)
	}
}

// pyReport turns the warm checker's answer into a report, running the
// pyflakes command when the interpreter has no pyflakes module.
func (c *Checker) pyReport(ctx context.Context, proc *pyProc, rel string, ans pyAnswer) report {
	var r report
	label := "python" + proc.hello.Version
	if proc.how != "PATH" && proc.how != "configured" {
		label += " (" + proc.how + ")"
	}
	r.checkers = append(r.checkers, label+" compile")
	for _, f := range ans.Findings {
		r.findings = append(r.findings, finding{file: path.Clean(filepath.ToSlash(f.File)), line: f.Line, col: f.Col, msg: f.Msg, checker: f.Checker})
	}
	if proc.hello.Pyflakes != "" {
		r.checkers = append(r.checkers, "pyflakes")
		return r
	}
	c.pyflakesCommand(ctx, []string{workspace.Display(rel)}, false, ans.Findings, &r)
	return r
}

// get returns the running checker for the interpreter exe, starting it
// when there is none, when it has died, or when the environment it
// started in has changed; it waits until the checker has said hello.
func (p *pyWarm) get(ctx context.Context, exe, how string) (*pyProc, error) {
	p.mu.Lock()
	proc := p.proc
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("the server is shutting down")
	}
	if proc != nil && !proc.current(p.c, exe, how) {
		p.proc = nil
		go proc.stop()
		proc = nil
	}
	if proc == nil {
		var err error
		if proc, err = p.start(exe, how); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		p.proc = proc
	}
	p.mu.Unlock()

	select {
	case <-proc.ready:
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && time.Since(proc.begun) >= proc.stuck {
			// A whole check's time, and long, without a hello: it is
			// stuck.
			p.drop(proc)
		}
		return nil, ctx.Err()
	}
	if proc.hello.Version == "" {
		// It ended without a hello: it is not the checker.
		return nil, fmt.Errorf("%s did not run the check: %v", displayExe(exe, p.c.ws.Dir()), proc.err)
	}
	return proc, nil
}

// current reports whether proc still serves checks with exe: it runs,
// runs exe, and its environment has not changed. The caller holds p.mu.
func (proc *pyProc) current(c *Checker, exe, how string) bool {
	select {
	case <-proc.ended:
		return false
	default:
	}
	select {
	case <-proc.ready:
		return proc.exe == exe && proc.how == how && proc.stamp == c.pyStamp(exe, proc.hello.Site)
	default:
		return proc.exe == exe && proc.how == how // still starting
	}
}

// start starts the serve loop with exe.
func (p *pyWarm) start(exe, how string) (*pyProc, error) {
	c := p.c
	env := c.opts.Env
	if venv := c.pyVenvDir(how); venv != "" {
		// The environment is activated, as its bin/activate would.
		env = withEnv(env, "VIRTUAL_ENV="+venv, "PATH="+filepath.Join(venv, "bin")+string(filepath.ListSeparator)+sandbox.EnvValue(env, "PATH"))
	}
	w, err := c.startWarm(command{
		Path: c.resolvedPython(exe),
		Args: []string{"-I", "-B", "-c", checkPyScript, "serve", warmRequests},
		Dir:  c.ws.Dir(),
		Env:  env,
	})
	if err != nil {
		return nil, fmt.Errorf("%s could not be started: %v", displayExe(exe, c.ws.Dir()), err)
	}
	proc := &pyProc{exe: exe, how: how, w: w, begun: time.Now(), stuck: min(stuckAfter, c.limit()/2), ready: make(chan struct{}), ended: make(chan struct{}), calls: map[uint64]*pyCall{}}
	go proc.read(c)
	return proc, nil
}

// read reads the checker's answers until it ends, handing each to the
// call waiting for it.
func (proc *pyProc) read(c *Checker) {
	br := bufio.NewReaderSize(proc.w.Out, 64<<10)
	readyOnce := sync.OnceFunc(func() { close(proc.ready) })
	for {
		line, err := readLine(br, checkMaxOutput)
		if err != nil {
			break
		}
		proc.heard.Store(time.Now().UnixNano())
		var a pyAnswer
		if json.Unmarshal(line, &a) != nil {
			continue // not ours: a sitecustomize that prints, say
		}
		if a.Hello != nil {
			proc.hello = *a.Hello
			proc.stamp = c.pyStamp(proc.exe, a.Hello.Site)
			c.rememberPython(proc.exe, a.Hello.Executable)
			readyOnce()
			continue
		}
		proc.mu.Lock()
		call := proc.calls[a.ID]
		proc.mu.Unlock()
		if call == nil {
			continue // an answer to a call that gave up waiting
		}
		switch a.State {
		case "started":
			call.started.Store(true)
		case "queued":
			select {
			case call.queued <- time.Duration(a.ETA) * time.Millisecond:
			default:
			}
		case "done", "cancelled":
			select {
			case call.done <- a:
			default:
			}
		}
	}
	err := proc.w.Wait()
	if err == nil {
		err = errors.New("it exited")
	}
	proc.mu.Lock()
	proc.err = err
	proc.mu.Unlock()
	close(proc.ended)
	readyOnce()
}

// readLine reads one line, refusing one longer than max.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil {
			return line, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(line) > max {
			return nil, errors.New("an answer over the size limit")
		}
	}
}

// check sends one file's content and waits for the answer.
func (proc *pyProc) check(ctx context.Context, disp string, src []byte, expect func(time.Duration)) (pyAnswer, error) {
	call := &pyCall{queued: make(chan time.Duration, 1), done: make(chan pyAnswer, 1)}
	proc.mu.Lock()
	proc.next++
	id := proc.next
	proc.calls[id] = call
	proc.mu.Unlock()
	defer func() {
		proc.mu.Lock()
		delete(proc.calls, id)
		proc.mu.Unlock()
	}()

	header, _ := json.Marshal(map[string]any{"op": "check", "id": id, "path": disp, "mode": "names", "len": len(src)})
	sent := time.Now().UnixNano()
	if err := proc.send(ctx, append(append(header, '\n'), src...)); err != nil {
		return pyAnswer{}, err
	}
	for {
		select {
		case eta := <-call.queued:
			if expect != nil {
				expect(eta)
			}
		case a := <-call.done:
			if a.State == "cancelled" {
				return a, context.Canceled
			}
			return a, nil
		case <-proc.ended:
			select {
			case a := <-call.done: // it answered, then ended
				if a.State == "done" {
					return a, nil
				}
			default:
			}
			return pyAnswer{}, fmt.Errorf("%w: %v", errCheckerDied, proc.err)
		case <-ctx.Done():
			silent := proc.heard.Load() < sent && time.Since(time.Unix(0, sent)) >= proc.stuck
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && (call.started.Load() || silent) {
				// A whole check's time on this check, or long without a
				// word: the checker is stuck (a cancel reaches pyflakes,
				// not compile). The next check starts another.
				proc.w.Stop()
				return pyAnswer{}, ctx.Err()
			}
			cancel, _ := json.Marshal(map[string]any{"op": "cancel", "id": id})
			_ = proc.send(context.Background(), append(cancel, '\n'))
			return pyAnswer{}, ctx.Err()
		}
	}
}

// stuckAfter is how long a checker may say nothing at all while a check
// waits (or, starting, say no hello), before that check, when given up,
// takes it for stuck and stops it; half the time limit of a check when
// that is shorter. (A check sent to a checker started anew late in its
// time does not stop it.)
const stuckAfter = time.Second

// sendTimeout bounds one write of a request: the checker reads requests
// as they come, so a write that cannot finish means it is stuck.
const sendTimeout = 5 * time.Second

// send writes one request whole. A write that fails or times out leaves
// the stream broken, so the checker is stopped (the next check starts
// another).
func (proc *pyProc) send(ctx context.Context, b []byte) error {
	proc.wmu.Lock()
	defer proc.wmu.Unlock()
	select {
	case <-proc.ended:
		return fmt.Errorf("%w: %v", errCheckerDied, proc.err)
	default:
	}
	_ = proc.w.In.SetWriteDeadline(time.Now().Add(sendTimeout))
	if _, err := proc.w.In.Write(b); err != nil {
		proc.w.Stop()
		<-proc.ended
		return fmt.Errorf("%w: %v", errCheckerDied, err)
	}
	return nil
}

// stop ends the checker and waits for it.
func (proc *pyProc) stop() {
	proc.w.Stop()
	<-proc.ended
}

// drop stops proc, when it is still the running checker.
func (p *pyWarm) drop(proc *pyProc) {
	p.mu.Lock()
	if p.proc == proc {
		p.proc = nil
	}
	p.mu.Unlock()
	go proc.stop()
}

// close stops the warm checker for good.
func (p *pyWarm) close() {
	p.mu.Lock()
	p.closed = true
	proc := p.proc
	p.proc = nil
	p.mu.Unlock()
	if proc != nil {
		proc.stop()
	}
}

// pyVenvDir returns the host path of the virtual environment an
// interpreter chosen as how belongs to, or "" for none.
func (c *Checker) pyVenvDir(how string) string {
	switch how {
	case "PATH", "configured", "":
		return ""
	}
	return filepath.Join(c.ws.Dir(), filepath.FromSlash(how))
}

// pyStamp describes the environment of the interpreter exe: the
// interpreter file itself and, for a virtual environment in the
// workspace, its pyvenv.cfg and site-packages directories (whose times
// change when a package is installed or removed). A changed stamp starts
// the warm checker anew.
func (c *Checker) pyStamp(exe string, site []string) string {
	var b strings.Builder
	// The interpreter is usually outside the workspace: the server looks
	// only at its size and time, never at its content.
	if fi, err := os.Stat(c.resolvedPython(exe)); err == nil {
		fmt.Fprintf(&b, "%d %d;", fi.Size(), fi.ModTime().UnixNano())
	}
	for _, dir := range site {
		rel, err := filepath.Rel(c.ws.Dir(), dir)
		if err != nil || !filepath.IsLocal(rel) {
			continue // outside the workspace: not the server's to look at
		}
		if fi, err := c.ws.Stat(filepath.ToSlash(rel)); err == nil {
			fmt.Fprintf(&b, "%s %d;", rel, fi.ModTime().UnixNano())
		}
	}
	for _, venv := range pyVenvs {
		if fi, err := c.ws.Stat(venv + "/pyvenv.cfg"); err == nil {
			fmt.Fprintf(&b, "%s %d;", venv, fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

// readSource reads the file rel through the workspace, as the checker is
// to see it, refusing one over max bytes.
func (c *Checker) readSource(rel string, max int64) ([]byte, error) {
	f, err := c.ws.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("it could not be read: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("it could not be read: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("it is over %d MB; call Diagnostics on it to check it", max>>20)
	}
	return b, nil
}
