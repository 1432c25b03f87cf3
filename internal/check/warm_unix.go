//go:build unix

package check

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// startWarm starts cmd in the sandbox, its requests through a named pipe
// and its stderr into a file of the checks' private TMPDIR.
func (r *sandboxRunner) startWarm(c command) (*warm, error) {
	r.once.Do(func() { r.scratch, r.err = r.sb.NewScratch() })
	if r.err != nil {
		return nil, r.err
	}
	in, fifo, errFile, err := requestPipe(r.scratch.Tmp, "warm")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.Remove(fifo); os.Remove(errFile) }
	growPipe(in)
	outR, outW, err := os.Pipe()
	if err != nil {
		in.Close()
		cleanup()
		return nil, err
	}
	src := execLine(c.Env, c.Path, replaceArg(c.Args, fifo), "", errFile)
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := r.sb.Start(ctx, sandbox.Spec{Command: src, Dir: c.Dir, Scratch: r.scratch, Output: outW})
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
