package check

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// sandboxRunner runs checker commands (python3, go vet, ruff, mypy) inside
// the Bash sandbox. It matters because a checker can come from the
// workspace (.venv/bin/python, a venv's ruff): a model that can write an
// executable there with Bash must not get it run outside the sandbox by
// asking for a check.
//
// The sandbox runs bash source with stdout and stderr merged, so the
// command is written as `exec env -i VARS... PROGRAM ARGS... 2>FILE` with
// stderr going to a file in the checks' private TMPDIR, read back after.
type sandboxRunner struct {
	sb *sandbox.Sandbox

	once    sync.Once
	scratch *sandbox.Scratch
	err     error
}

func (r *sandboxRunner) run(ctx context.Context, c command) (output, error) {
	r.once.Do(func() { r.scratch, r.err = r.sb.NewScratch() })
	if r.err != nil {
		return output{}, r.err
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	errFile := filepath.Join(r.scratch.Tmp, "check-"+hex.EncodeToString(suffix[:])+".err")
	defer os.Remove(errFile)

	var src strings.Builder
	src.WriteString("exec env -i")
	for _, kv := range c.Env {
		src.WriteString(" " + shellQuote(kv))
	}
	src.WriteString(" " + shellQuote(c.Path))
	for _, a := range c.Args {
		src.WriteString(" " + shellQuote(a))
	}
	src.WriteString(" 2>" + shellQuote(errFile))

	stdout := &capped{max: checkMaxOutput}
	cmd, err := r.sb.Start(ctx, sandbox.Spec{Command: src.String(), Dir: c.Dir, Scratch: r.scratch, Output: stdout})
	if err != nil {
		return output{}, err
	}
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			cmd.Stop()
		case <-stopped:
		}
	}()
	exit, err := cmd.Wait()
	close(stopped)
	if err != nil {
		return output{}, err
	}
	if ctx.Err() != nil {
		return output{}, ctx.Err()
	}
	out := output{Stdout: stdout.buf.Bytes(), Cut: stdout.cut, ExitCode: exit.Code}
	if b, err := os.ReadFile(errFile); err == nil {
		if len(b) > checkMaxOutput {
			b, out.Cut = b[:checkMaxOutput], true
		}
		out.Stderr = b
	}
	if exit.Code == 126 || exit.Code == 127 {
		// bash's "cannot execute" and "not found": the checker did not run.
		return out, fmt.Errorf("%w: %s", errCheckerNotRun, strings.TrimSpace(string(out.Stderr)))
	}
	return out, nil
}

var errCheckerNotRun = errors.New("the checker could not be run in the sandbox")

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// close removes the checks' private space.
func (r *sandboxRunner) close() {
	if r.scratch != nil {
		r.scratch.Close()
	}
}
