package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

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

// check runs the warm checker on w's content (w.Data, or the file as it
// is now). expect
// is told, when the checker knows, how long the rest of the check should
// take. A checker that dies during the check is started anew and asked
// again, once.
func (p *pyWarm) check(ctx context.Context, w Write, expect func(time.Duration)) report {
	c := p.c
	exe, how, err := c.pyInterpreter()
	if err != nil {
		return report{skipped: err.Error()}
	}
	rel, src := w.Rel, w.Data
	disp := workspace.Display(rel)
	if src == nil {
		if src, err = c.readSource(rel, pyMaxFile); err != nil {
			return report{skipped: err.Error()}
		}
	} else if len(src) > pyMaxFile {
		return report{skipped: fmt.Sprintf("it is over %d MB; call Diagnostics on it to check it", pyMaxFile>>20)}
	}
	for attempt := 0; ; attempt++ {
		proc, err := p.get(ctx, exe, how)
		if errors.Is(err, errNoWarm) {
			if err := w.written(ctx); err != nil {
				return report{skipped: "python: " + runError(err, ctx)}
			}
			return c.checkPython(ctx, []string{disp}, false) // one interpreter start per check
		}
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
		return c.pyReport(ctx, proc, w, ans)
	}
}

// learn has the warm checker learn rel's content as the file is now (see
// Checker.Read), starting the checker when it runs not, and waits until
// it has. What goes wrong is not told: the first check of the file after
// an edit will meet it again.
func (p *pyWarm) learn(ctx context.Context, rel string) error {
	c := p.c
	exe, how, err := c.pyInterpreter()
	if err != nil {
		return err
	}
	src, err := c.readSource(rel, pyMaxFile)
	if err != nil {
		return err
	}
	proc, err := p.get(ctx, exe, how)
	if err != nil {
		return err
	}
	return proc.learn(ctx, workspace.Display(rel), src)
}

// pyReport turns the warm checker's answer into a report, running the
// pyflakes command when the interpreter has no pyflakes module.
func (c *Checker) pyReport(ctx context.Context, proc *pyProc, w Write, ans pyAnswer) report {
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
	if err := w.written(ctx); err != nil {
		r.skipped = "pyflakes: " + runError(err, ctx)
		return r
	}
	c.pyflakesCommand(ctx, []string{workspace.Display(w.Rel)}, false, ans.Findings, &r)
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
	if venv, ok := c.opts.Venv.Find(c.ws); ok && venv.Name == how {
		env = venv.Activate(env) // as Bash's commands run
	}
	w, err := c.startWarm(command{
		Path: c.resolvedPython(exe),
		Args: []string{"-I", "-B", "-c", checkPyScript, "serve", warmRequests},
		Dir:  c.ws.Dir(),
		Env:  env,
	})
	if errors.Is(err, errNoWarm) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%s could not be started: %v", displayExe(exe, c.ws.Dir()), err)
	}
	proc := &pyProc{exe: exe, how: how, w: w, begun: time.Now(), stuck: min(stuckAfter, c.limit()/2), ready: make(chan struct{}), ended: make(chan struct{}), calls: map[uint64]*pyCall{}}
	go proc.read(c)
	return proc, nil
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
	if venv, ok := c.opts.Venv.Find(c.ws); ok {
		if fi, err := c.ws.Stat(venv.Name + "/pyvenv.cfg"); err == nil {
			fmt.Fprintf(&b, "%s %d;", venv.Name, fi.ModTime().UnixNano())
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
	b, err := workspace.ReadAll(f, max)
	if err != nil {
		return nil, fmt.Errorf("it could not be read: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("it is over %d MB; call Diagnostics on it to check it", max>>20)
	}
	return b, nil
}
