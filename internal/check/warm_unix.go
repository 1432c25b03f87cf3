//go:build unix

package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/agentbox/agentbox/internal/sandbox"
)

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
	growPipe(in)
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
