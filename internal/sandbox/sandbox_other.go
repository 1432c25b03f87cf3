//go:build !linux

package sandbox

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// LaunchArg is the first argument that turns the server's binary into the
// launcher on Linux; elsewhere there is no launcher.
const LaunchArg = "__agentbox-sandbox"

// Main does nothing outside Linux.
func Main() {}

type osState struct{}

// New returns a sandbox that confines nothing: this platform has none of
// the layers. Require mode refuses.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Mode == Require {
		return nil, fmt.Errorf("%w (--sandbox=require): there is no sandbox for commands on %s", ErrUnavailable, runtime.GOOS)
	}
	state, cache, err := newState(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Sandbox{cfg: cfg, log: cfg.Logger, state: state, cache: cache, shell: "/bin/bash"}
	s.env, _ = commandEnv(cfg.Env, cfg.PassEnv, map[string]string{
		"TERM": "dumb", "LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin",
		"XDG_CACHE_HOME": cache, "AGENTBOX": "1",
	})
	s.facts = Facts{Network: true}
	s.layers = []string{"an environment built from an allow-list"}
	s.missing = []string{"no sandbox on " + runtime.GOOS + ": commands run unconfined, as the server's user, with the network"}
	for _, m := range s.missing {
		s.log.Warn("sandbox layer unavailable", "what", m)
	}
	return s, nil
}

// Start runs the command unconfined, in a process group of its own that
// Stop ends.
func (s *Sandbox) Start(ctx context.Context, spec Spec) (*Cmd, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	args := shellArgs(spec.Command)
	c := exec.CommandContext(ctx, s.shell, args[1:]...)
	c.Env = append(append([]string(nil), s.env...), "TMPDIR="+spec.Scratch.Tmp)
	c.Dir = spec.Dir
	c.Stdout, c.Stderr = spec.Output, spec.Output
	c.ExtraFiles = []*os.File{w}
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
	c.WaitDelay = Grace
	err = c.Start()
	w.Close()
	if err != nil {
		cancel()
		r.Close()
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	return &Cmd{stop: cancel, wait: sync.OnceValues(func() (Exit, error) {
		_ = c.Wait()
		cancel()
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		b := make([]byte, 4096)
		n, _ := r.Read(b)
		r.Close()
		return Exit{Code: c.ProcessState.ExitCode(), Dir: strings.TrimSpace(string(b[:n]))}, nil
	})}, nil
}
