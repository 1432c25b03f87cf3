//go:build !linux

package sandbox

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
)

// LaunchArg is the first argument that turns the server's binary into the
// launcher on Linux; elsewhere there is no launcher.
const LaunchArg = "__agentbox-sandbox"

// Main does nothing outside Linux.
func Main() {}

// offMissing is what Missing says in Off mode.
const offMissing = "the sandbox is off (--sandbox=off): commands run unconfined, as the server's user, with the network"

// prepare makes what commands need whatever confines them: the server's
// private directory, the allow-listed environment and the shell. cacheEnv
// names more variables to point into the build cache, for tools that do not
// follow XDG_CACHE_HOME on this system.
func prepare(cfg Config, cacheEnv map[string]string) (*Sandbox, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	state, cache, err := newState(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Sandbox{cfg: cfg, log: cfg.Logger, state: state, cache: cache}
	fixed := map[string]string{
		"TERM": "dumb", "LANG": "C.UTF-8", "PATH": DefaultPath,
		"XDG_CACHE_HOME": cache, "AGENTBOX": "1",
	}
	for k, sub := range cacheEnv {
		fixed[k] = filepath.Join(cache, sub)
	}
	var missingEnv []string
	s.env, missingEnv = commandEnv(cfg.Env, cfg.PassEnv, fixed)
	for _, name := range missingEnv {
		s.log.Warn("--env names a variable the server's environment lacks", "name", name)
	}
	s.shell = findShell(s.env)
	return s, nil
}

// unconfined sets s to run commands without confinement; why says so, for
// people and for the model.
func (s *Sandbox) unconfined(why string) {
	s.facts = Facts{Network: true}
	s.layers = []string{"an environment built from an allow-list", "a process group that ends with each command"}
	s.missing = []string{why}
}

// newUnconfined returns a sandbox that confines nothing, for a system
// without one. Require mode refuses.
func newUnconfined(cfg Config) (*Sandbox, error) {
	if cfg.Mode == Require {
		return nil, fmt.Errorf("%w (--sandbox=require): there is no sandbox for commands on %s", ErrUnavailable, runtime.GOOS)
	}
	s, err := prepare(cfg, nil)
	if err != nil {
		return nil, err
	}
	if cfg.Mode == Off {
		s.unconfined(offMissing)
	} else {
		s.unconfined("no sandbox on " + runtime.GOOS + ": commands run unconfined, as the server's user, with the network")
	}
	s.report()
	return s, nil
}
