package check

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// A warm is a long-lived checker process: the server writes requests to
// it and reads its answers, one JSON object a line, from its standard
// output, so a check pays no interpreter start. It runs where one-shot
// checkers run: in the Bash sandbox when there is one, else as a local
// child in a process group of its own.
//
// The sandbox gives its commands no standard input, so there requests go
// through a named pipe in the checks' private TMPDIR, which the sandbox
// lets its commands read and write; the command is told the pipe's path
// with the argument "@REQUESTS", which start replaces. Locally they go to
// its standard input, and "@REQUESTS" becomes "-".
type warm struct {
	In  *os.File // requests
	Out *os.File // answers: the process's standard output

	stop     func()
	wait     func() error
	stderr   func() string // the last line it wrote to stderr
	cleanups []func()

	done     chan struct{} // closed when the process has ended
	waitOnce sync.Once
}

// errNoWarm says that this system runs no warm checker in the sandbox.
var errNoWarm = errors.New("no warm checker here")

// warmRequests is the argument start replaces by where requests come from.
const warmRequests = "@REQUESTS"

// startWarm starts cmd as a warm checker. It ends when stopped, when its
// requests pipe is closed, or with the server (on Linux the sandbox's
// launcher and local checkers get SIGKILL when the server dies).
func (c *Checker) startWarm(cmd command) (*warm, error) {
	if c.sandbox != nil {
		return c.sandbox.startWarm(cmd)
	}
	return startWarmLocal(cmd)
}

// startWarmLocal starts cmd as a local child with pipes for its standard
// input and output.
func startWarmLocal(c command) (*warm, error) {
	args := replaceArg(c.Args, "-")
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	growPipe(inW)
	cmd := exec.Command(c.Path, args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	stderr := &capped{max: 64 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, stderr
	inGroup(cmd)
	dieWithServer(cmd)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	w := &warm{In: inW, Out: outR, done: make(chan struct{})}
	w.stop = func() { _ = killGroup(cmd) }
	w.wait = func() error {
		err := cmd.Wait()
		// Whatever it started (its worker) goes with it.
		_ = killGroup(cmd)
		return err
	}
	w.stderr = func() string {
		stderr.mu.Lock()
		defer stderr.mu.Unlock()
		return lastLine(stderr.buf.Bytes(), "")
	}
	return w, nil
}

// Wait waits for the process to end, once, and releases what it held.
// Its error says how it ended, with the last line of its stderr.
func (w *warm) Wait() error {
	var err error
	w.waitOnce.Do(func() {
		err = w.wait()
		if line := w.stderr(); line != "" {
			if err == nil {
				err = errors.New(line)
			} else {
				err = fmt.Errorf("%v: %s", err, line)
			}
		}
		w.In.Close()
		w.Out.Close()
		for _, f := range w.cleanups {
			f()
		}
		close(w.done)
	})
	return err
}

// Stop kills the process; Wait then returns.
func (w *warm) Stop() { w.stop() }

// replaceArg returns args with warmRequests replaced by with.
func replaceArg(args []string, with string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == warmRequests {
			a = with
		}
		out[i] = a
	}
	return out
}
