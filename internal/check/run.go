package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// command is one run of a checker program (python3, go vet, ruff, mypy):
// everything the process gets. Its standard input is always empty.
type command struct {
	Path string   // the program: an absolute path
	Args []string // the arguments after the program's name
	Dir  string   // the working directory: the workspace or a directory in it
	Env  []string // the whole environment; nothing else is inherited
}

// output is what a finished checker command printed and how it ended.
type output struct {
	Stdout, Stderr []byte // each cut at checkMaxOutput bytes
	Cut            bool   // some output was dropped
	ExitCode       int
}

const (
	checkMaxOutput = 1 << 20                // bytes of stdout, and of stderr, one checker run keeps
	checkWaitDelay = 500 * time.Millisecond // after a kill, how long stray holders of the pipes may keep Wait waiting
)

// runLocal runs c as a child process in a process group of its own, with
// standard input from /dev/null and its output capped, until it ends or
// ctx is done. When ctx ends, the whole group is killed (a checker's
// children too), and WaitDelay makes sure a grandchild that keeps the
// pipes open cannot hold the call. Its error means the command did not run
// to its end (it could not start, or ctx ended it); a non-zero exit is not
// an error but output.ExitCode. The sandbox's runner has the same contract.
func runLocal(ctx context.Context, c command) (output, error) {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{} // nil would inherit the server's environment
	}
	cmd.Stdin = nil // /dev/null
	stdout := &capped{max: checkMaxOutput}
	stderr := &capped{max: checkMaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	inGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = checkWaitDelay
	err := cmd.Run()
	out := output{Stdout: stdout.buf.Bytes(), Stderr: stderr.buf.Bytes(), Cut: stdout.cut || stderr.cut}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() < 0 {
			return out, fmt.Errorf("%s: %v", filepath.Base(c.Path), exit)
		}
		out.ExitCode = exit.ExitCode()
		return out, nil
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		// It finished, but something it started still holds the pipes:
		// end the rest of its process group too.
		_ = killGroup(cmd)
		return out, nil
	}
	return out, err
}

// capped is a writer that keeps the first max bytes written to it and
// drops the rest, saying so. It never fails, so a command never dies of
// output it could not keep, and it is safe for concurrent writes.
type capped struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if room := c.max - c.buf.Len(); len(p) > room {
		c.buf.Write(p[:max(room, 0)])
		c.cut = true
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

// checkEnvKeys are the variables of the server's environment that checker
// commands get: where programs are, the home directory and locale they
// expect, and where the user keeps Go's caches. Nothing else passes, so
// tokens and keys in the server's environment never reach a checker.
var checkEnvKeys = []string{
	"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR",
	"XDG_CACHE_HOME", "GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT",
	"PYENV_ROOT", "PYENV_VERSION",
}

// Env builds the environment checker commands run in from the server's,
// keeping only an allow-list (PATH, HOME, the locale, TMPDIR and where
// Go's and pyenv's files are). TMPDIR is set to tmp when the server's has
// none.
func Env(getenv func(string) string, tmp string) []string {
	var env []string
	for _, k := range checkEnvKeys {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	if getenv("TMPDIR") == "" && tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

// withEnv returns env with the given key=value settings replacing any
// earlier ones.
func withEnv(env []string, settings ...string) []string {
	out := make([]string, 0, len(env)+len(settings))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for _, s := range settings {
			if sk, _, _ := strings.Cut(s, "="); sk == k {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return append(out, settings...)
}
