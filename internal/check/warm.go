package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/agentbox/agentbox/internal/sandbox"
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

// warmRequests is the argument start replaces by where requests come from.
const warmRequests = "@REQUESTS"

// pipeSize is the size asked of the request pipe, so that a large file's
// content is written in one go (the kernel caps it at
// /proc/sys/fs/pipe-max-size, 1 MiB by default).
const pipeSize = 1 << 20

// startWarm starts cmd as a warm checker. It ends when stopped, when its
// requests pipe is closed, or with the server (the sandbox's launcher and
// local checkers get SIGKILL when the server dies).
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
	setPipeSize(inW)
	cmd := exec.Command(c.Path, args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	stderr := &capped{max: 64 << 10}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	w := &warm{In: inW, Out: outR, done: make(chan struct{})}
	w.stop = func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	w.wait = func() error {
		err := cmd.Wait()
		// Whatever it started goes with it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return err
	}
	w.stderr = func() string {
		stderr.mu.Lock()
		defer stderr.mu.Unlock()
		return lastLine(stderr.buf.Bytes(), "")
	}
	return w, nil
}

// startWarm starts cmd in the sandbox, its requests through a named pipe
// and its stderr into a file of the checks' private TMPDIR.
func (r *sandboxRunner) startWarm(c command) (*warm, error) {
	r.once.Do(func() { r.scratch, r.err = r.sb.NewScratch() })
	if r.err != nil {
		return nil, r.err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	base := filepath.Join(r.scratch.Tmp, "warm-"+hex.EncodeToString(suffix[:]))
	fifo, errFile := base+".in", base+".err"
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		return nil, fmt.Errorf("the checker's request pipe: %w", err)
	}
	cleanup := func() { os.Remove(fifo); os.Remove(errFile) }
	// Opened for reading and writing, a named pipe does not wait for a
	// reader; the checker's own open then finds a writer and does not
	// wait either.
	in, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("the checker's request pipe: %w", err)
	}
	setPipeSize(in)
	outR, outW, err := os.Pipe()
	if err != nil {
		in.Close()
		cleanup()
		return nil, err
	}
	var src strings.Builder
	src.WriteString("exec env -i")
	for _, kv := range c.Env {
		src.WriteString(" " + shellQuote(kv))
	}
	src.WriteString(" " + shellQuote(c.Path))
	for _, a := range replaceArg(c.Args, fifo) {
		src.WriteString(" " + shellQuote(a))
	}
	src.WriteString(" 2>" + shellQuote(errFile))
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := r.sb.Start(ctx, sandbox.Spec{Command: src.String(), Dir: c.Dir, Scratch: r.scratch, Output: outW})
	outW.Close()
	if err != nil {
		cancel()
		in.Close()
		outR.Close()
		cleanup()
		return nil, err
	}
	w := &warm{In: in, Out: outR, done: make(chan struct{}), cleanups: []func(){cleanup, cancel}}
	w.stop = cmd.Stop
	w.wait = func() error {
		exit, err := cmd.Wait()
		if err == nil && exit.Code != 0 {
			err = fmt.Errorf("exit status %d", exit.Code)
		}
		return err
	}
	w.stderr = func() string {
		f, err := os.Open(errFile)
		if err != nil {
			return ""
		}
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		return lastLine(b, "")
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

// setPipeSize asks for a larger pipe buffer, when the kernel allows it.
func setPipeSize(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _, _ = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, pipeSize) })
	}
}
