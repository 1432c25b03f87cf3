package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
)

// The Go check runs whole in a checker process (internal/check/gocheck):
// this binary, started again in a hidden mode inside the sandbox, like
// Bash's commands, so that go/packages, the go command and what it starts
// (the compiler, the assembler, cgo's gcc) read only what the sandbox lets
// them read, reach no network, and stay within its process and memory
// bounds, with the OOM killer taking them before the server. The process
// lives as long as the server, one per workspace, and keeps what it loaded
// so that a re-check of the package just edited does not load the world
// again; it is started again if it dies or its environment changes, and
// it ends with the server (the sandbox's PID namespace and its launcher's
// parent-death signal see to that even when the server is killed).
//
// Its go commands build into a private cache (GOCACHE under the checks'
// private directory of the server's state), reading through to the
// user's own GOCACHE without ever writing it (gocheck/cacheprog.go).

// goProcess is one run of the checker process.
type goProcess struct {
	env  []string // its environment: a change means a new process
	reqs io.WriteCloser
	wmu  sync.Mutex
	stop func()        // ends it
	done chan struct{} // closed when it has ended

	mu      sync.Mutex
	pending map[int64]chan gocheck.Response
}

// errGoCheckerEnded says the checker process ended while it had a load.
var errGoCheckerEnded = errors.New("the Go checker stopped before it answered")

// goLoad has the checker process load packages, starting it if needed
// (once more if it ends while loading). When ctx ends first, the load goes
// on in the checker (see gocheck's maxLoad), filling the build cache for
// the next check; its answer is dropped.
func (c *Checker) goLoad(ctx context.Context, req gocheck.Request) (gocheck.Response, error) {
	g, err := c.goSetup()
	if err != nil {
		return gocheck.Response{}, err
	}
	env := c.goProcEnv(ctx)
	for attempt := 0; ; attempt++ {
		p, err := c.goProc(env)
		if err != nil {
			return gocheck.Response{}, err
		}
		req.ID = g.nextID.Add(1)
		resp, err := p.load(ctx, req)
		if err == nil && resp.Reused {
			g.reused.Add(1)
		} else if err == nil {
			g.loads.Add(1)
		}
		if errors.Is(err, errGoCheckerEnded) {
			g.mu.Lock()
			if g.proc == p {
				g.proc = nil
			}
			g.mu.Unlock()
			p.stop()
		}
		if errors.Is(err, errGoCheckerEnded) && attempt == 0 && ctx.Err() == nil {
			continue
		}
		return resp, err
	}
}

// goProc returns the running checker process for env, starting one if
// there is none, it ended, or it runs with another environment.
func (c *Checker) goProc(env []string) (*goProcess, error) {
	g := &c.golang
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, errors.New("the checks are closed")
	}
	if p := g.proc; p != nil {
		select {
		case <-p.done:
		default:
			if slices.Equal(p.env, env) {
				return p, nil
			}
			p.stop()
		}
		g.proc = nil
	}
	var p *goProcess
	var err error
	if g.runner != nil && namedPipes {
		p, err = c.startSandboxed(g, env)
	} else {
		p, err = startLocal(g, c.ws.Dir(), env)
	}
	if err != nil {
		return nil, fmt.Errorf("the Go checker could not be started: %w", err)
	}
	g.proc = p
	return p, nil
}

// goClose ends the checker process and removes the checks' private space.
func (c *Checker) goClose() {
	g := &c.golang
	g.mu.Lock()
	g.closed = true
	p := g.proc
	g.proc = nil
	g.mu.Unlock()
	if p != nil {
		p.stop()
		select {
		case <-p.done:
		case <-time.After(sandbox.Grace + time.Second):
		}
	}
	if g.runner != nil {
		g.runner.close()
	}
	if g.local != "" {
		os.RemoveAll(g.local)
	}
}

// startSandboxed starts the checker process in the sandbox. The sandbox
// gives a command no standard input, so requests go through a named pipe
// in the checks' private directory, which no other command sees; answers
// come on its standard output.
func (c *Checker) startSandboxed(g *goState, env []string) (*goProcess, error) {
	sc := g.runner.scratch
	reqs, fifo, errLog, err := requestPipe(sc.Tmp, "gocheck")
	if err != nil {
		return nil, err
	}
	src := execLine(env, g.bin, gocheck.Args(gocheck.CheckMode), fifo, errLog)
	p := newGoProcess(env, reqs)
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := c.opts.Sandbox.Start(ctx, sandbox.Spec{Command: src, Dir: c.ws.Dir(), Scratch: sc, Output: p.output()})
	if err != nil {
		cancel()
		reqs.Close()
		os.Remove(fifo)
		return nil, err
	}
	p.stop = func() {
		reqs.Close() // the process reads the end of its input and exits
		cancel()     // and the sandbox ends it, and all it started, if not
	}
	go func() {
		exit, err := cmd.Wait()
		cancel()
		if b, _ := os.ReadFile(errLog); len(bytes.TrimSpace(b)) > 0 || err != nil {
			slog.Debug("the Go checker ended", "code", exit.Code, "err", err, "stderr", string(b[:min(len(b), 4096)]))
		}
		os.Remove(fifo)
		os.Remove(errLog)
		p.ended()
	}()
	return p, nil
}

// localProcAttr puts a checker process started without a sandbox in a
// process group of its own, where there are such (killGroup ends it with
// what it started), and has the kernel kill it if the server dies.
func localProcAttr(cmd *exec.Cmd) {
	inGroup(cmd)
	dieWithServer(cmd)
}

// startLocal starts the checker process as a child of the server, for a
// Checker without a sandbox.
func startLocal(g *goState, dir string, env []string) (*goProcess, error) {
	cmd := exec.Command(g.bin, gocheck.Args(gocheck.CheckMode)...)
	cmd.Dir, cmd.Env = dir, env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	p := newGoProcess(env, stdin)
	cmd.Stdout = p.output()
	stderr := &capped{max: 64 << 10}
	cmd.Stderr = stderr
	localProcAttr(cmd)
	cmd.WaitDelay = checkWaitDelay
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var once sync.Once
	p.stop = func() {
		once.Do(func() {
			stdin.Close()
			select {
			case <-p.done: // reaped: its process group may be another's now
			default:
				_ = killGroup(cmd)
			}
		})
	}
	go func() {
		err := cmd.Wait()
		_ = killGroup(cmd) // whatever its go commands left
		if err != nil || stderr.buf.Len() > 0 {
			slog.Debug("the Go checker ended", "err", err, "stderr", stderr.buf.String())
		}
		p.ended()
	}()
	return p, nil
}

func newGoProcess(env []string, reqs io.WriteCloser) *goProcess {
	return &goProcess{env: env, reqs: reqs, done: make(chan struct{}), pending: map[int64]chan gocheck.Response{}}
}

// maxAnswer bounds one answer of the checker process.
const maxAnswer = 64 << 20

// output is the writer the process's standard output goes to: each line
// is an answer, handed to the load waiting for it.
func (p *goProcess) output() io.Writer {
	return &lineWriter{max: maxAnswer, line: func(b []byte) {
		var resp gocheck.Response
		if json.Unmarshal(b, &resp) != nil {
			return
		}
		p.mu.Lock()
		ch := p.pending[resp.ID]
		delete(p.pending, resp.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- resp
		}
	}}
}

// ended fails the loads still waiting.
func (p *goProcess) ended() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
	default:
		close(p.done)
	}
	for id := range p.pending {
		delete(p.pending, id)
	}
}

// load sends req and waits for its answer, the process's end, or ctx.
func (p *goProcess) load(ctx context.Context, req gocheck.Request) (gocheck.Response, error) {
	ch := make(chan gocheck.Response, 1)
	p.mu.Lock()
	select {
	case <-p.done:
		p.mu.Unlock()
		return gocheck.Response{}, errGoCheckerEnded
	default:
	}
	p.pending[req.ID] = ch
	p.mu.Unlock()
	if err := p.send(req); err != nil {
		return gocheck.Response{}, errGoCheckerEnded
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-p.done:
		select {
		case resp := <-ch:
			return resp, nil
		default:
		}
		return gocheck.Response{}, errGoCheckerEnded
	case <-ctx.Done():
		p.mu.Lock()
		delete(p.pending, req.ID)
		p.mu.Unlock()
		return gocheck.Response{}, ctx.Err()
	}
}

// send writes one request line.
func (p *goProcess) send(req gocheck.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if f, ok := p.reqs.(*os.File); ok {
		// A process that stopped reading must not hold the caller.
		_ = f.SetWriteDeadline(time.Now().Add(5 * time.Second))
	}
	_, err = p.reqs.Write(append(b, '\n'))
	return err
}

// lineWriter hands each complete line written to it to line, dropping
// lines longer than max.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	max  int
	over bool // the current line went past max
	line func([]byte)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if !w.over {
			if len(w.buf)+len(chunk) > w.max {
				w.over, w.buf = true, nil
			} else {
				w.buf = append(w.buf, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !w.over {
			w.line(w.buf)
		}
		w.buf, w.over = w.buf[:0], false
		p = p[i+1:]
	}
	return n, nil
}
