package shell

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// activated is command as it runs with the virtual environment env
// activated. The command runs in an eval of its own, so that what bash
// says of it (a syntax error, a line number) is about its own text.
func activated(env pyenv.Env, command string) string {
	dir, bin := env.Dir, env.Bin()
	if runtime.GOOS == "windows" {
		dir, bin = msysPath(dir), msysPath(bin)
	}
	return "export VIRTUAL_ENV=" + quote(dir) + " PATH=" + quote(bin) + `"${PATH:+:$PATH}"; unset PYTHONHOME; eval ` + quote(command)
}

// msysPath writes a Windows path as Git for Windows' bash takes it in
// PATH (C:\ws\.venv\Scripts is /c/ws/.venv/Scripts), as a venv's own
// bash activate script does.
func msysPath(p string) string {
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + strings.ToLower(p[:1]) + p[2:]
	}
	return strings.ReplaceAll(p, `\`, "/")
}

// quote quotes s for bash.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Python tells what `python3` is for Bash's commands: where they find it,
// its version and the virtual environment they run with. Learning the
// version means running python3, which it does in the sandbox, in the
// background, once for each environment, and remembers.
type Python struct {
	sb     *sandbox.Sandbox
	ws     *workspace.Workspace
	finder pyenv.Finder
	log    *slog.Logger

	mu      sync.Mutex
	probes  map[string]*probe // by environment directory, "" for none
	scratch *sandbox.Scratch
	closed  bool
	ctx     context.Context // ends with Close
	cancel  context.CancelFunc
}

// probe is one run of python3 to learn its version.
type probe struct {
	done chan struct{}
	in   pyenv.Interpreter // set before done is closed
}

// probeTimeout bounds one probe: a pyenv shim on a loaded machine takes
// seconds.
const probeTimeout = 30 * time.Second

// NewPython returns what tells about python3 for the commands sb runs in
// ws with the environment finder finds. It logs what it learns to log.
func NewPython(sb *sandbox.Sandbox, ws *workspace.Workspace, finder pyenv.Finder, log *slog.Logger) *Python {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Python{sb: sb, ws: ws, finder: finder, log: log, probes: map[string]*probe{}, ctx: ctx, cancel: cancel}
}

// Now returns what is known of python3 now, without waiting: where
// commands find it and the environment, and its version once a probe has
// learnt it. It starts the probe when none has run for the environment.
func (p *Python) Now() pyenv.Interpreter {
	env, pr := p.probe()
	select {
	case <-pr.done:
		return pr.in
	default:
		return p.guess(env)
	}
}

// Known is Now without starting a probe: what a probe has learnt, else
// where commands find python3.
func (p *Python) Known() pyenv.Interpreter {
	env, key := p.env()
	p.mu.Lock()
	pr := p.probes[key]
	p.mu.Unlock()
	if pr != nil {
		select {
		case <-pr.done:
			return pr.in
		default:
		}
	}
	return p.guess(env)
}

// Started reports whether a probe has been started, for any environment.
func (p *Python) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.probes) > 0
}

// Wait is Now, after waiting for the probe until ctx ends.
func (p *Python) Wait(ctx context.Context) pyenv.Interpreter {
	env, pr := p.probe()
	select {
	case <-pr.done:
		return pr.in
	case <-ctx.Done():
		return p.guess(env)
	}
}

// Close stops a probe that runs and removes its private directory. Now
// and Wait then only guess.
func (p *Python) Close() {
	p.cancel()
	p.mu.Lock()
	p.closed = true
	var probes []*probe
	for _, pr := range p.probes {
		probes = append(probes, pr)
	}
	p.mu.Unlock()
	for _, pr := range probes {
		<-pr.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scratch != nil {
		p.scratch.Close()
		p.scratch = nil
	}
}

// env is the virtual environment in use now (nil for none) and the key of
// its probe ("" for none).
func (p *Python) env() (*pyenv.Env, string) {
	if e, ok := p.finder.Find(p.ws); ok {
		return &e, e.Dir
	}
	return nil, ""
}

// probe returns the probe for the environment in use now, started if it
// was not.
func (p *Python) probe() (*pyenv.Env, *probe) {
	env, key := p.env()
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.probes[key]
	if !ok && p.closed {
		return env, &probe{done: closedChan, in: p.guess(env)}
	}
	if !ok {
		pr = &probe{done: make(chan struct{})}
		p.probes[key] = pr
		go func() {
			pr.in = p.run(env)
			close(pr.done)
			p.log.Info("python3 for commands", "is", pr.in.Sentence())
		}()
	}
	return env, pr
}

// guess is what is known without running python3: where commands find it.
func (p *Python) guess(env *pyenv.Env) pyenv.Interpreter {
	in := pyenv.Interpreter{Env: env, Off: p.finder.Off}
	// Only PATH matters here, and the sandbox knows it without waiting
	// for its probe, which the handshake's instructions must not do.
	cmdEnv := []string{"PATH=" + p.sb.Path()}
	if env != nil {
		cmdEnv = env.Activate(cmdEnv)
	}
	in.Path, _ = sandbox.LookPath("python3", cmdEnv)
	return in
}

// probeScript prints where python3 is, then its version and the program
// it runs, links resolved.
const probeScript = `command -v python3 || exit 0; python3 -c 'import os, sys; print(sys.version.split()[0]); print(os.path.realpath(sys.executable))' 2>&1`

// run runs python3 in the sandbox, as a command would, to learn its
// version.
func (p *Python) run(env *pyenv.Env) pyenv.Interpreter {
	in := p.guess(env)
	fail := func(err error) pyenv.Interpreter {
		in.Problem = err.Error()
		return in
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return fail(errShellEnded)
	}
	if p.scratch == nil {
		sc, err := p.sb.NewScratch()
		if err != nil {
			p.mu.Unlock()
			return fail(err)
		}
		p.scratch = sc
	}
	scratch := p.scratch
	p.mu.Unlock()
	script := probeScript
	if env != nil {
		script = activated(*env, script)
	}
	ctx, cancel := context.WithTimeout(p.ctx, probeTimeout)
	defer cancel()
	var out lines
	cmd, err := p.sb.Start(ctx, sandbox.Spec{Command: script, Dir: p.ws.Dir(), Scratch: scratch, Output: &out})
	if err != nil {
		return fail(err)
	}
	exit, err := cmd.Wait()
	if err != nil {
		return fail(err)
	}
	got := out.lines()
	if len(got) == 0 {
		in.Path = ""
		return in
	}
	in.Path = got[0]
	switch {
	case exit.Code == 0 && len(got) == 3:
		in.Version, in.Real = got[1], got[2]
	case ctx.Err() != nil:
		in.Problem = "it did not answer within " + RoundDuration(probeTimeout)
	default:
		in.Problem = Shorten(got[len(got)-1], 200)
	}
	return in
}

// lines collects a little output.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 64<<10 {
		l.buf.Write(b[:min(len(b), 64<<10-l.buf.Len())])
	}
	return len(b), nil
}

func (l *lines) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
