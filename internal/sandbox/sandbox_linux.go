package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// osState is what New learned about this Linux machine.
type osState struct {
	clone    uintptr // namespaces each launch makes
	userns   bool
	mount    bool // the mount plan works
	pidMax   bool // pid_max can be set in the PID namespace
	abi      int  // Landlock ABI in use; 0 for none
	loopback bool
	caps     bool
	reads    []string // strict mode: the roots commands may read
	home     string
	ws       string // the workspace, symlinks resolved
}

// New probes what this machine offers and returns a sandbox that uses it.
// In Require mode a missing layer is an error wrapping ErrUnavailable.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxProcs <= 0 {
		cfg.MaxProcs = DefaultMaxProcs
	}
	if cfg.MaxProcs < 301 {
		cfg.MaxProcs = 301 // the least pid_max the kernel takes
	}
	if os.Getenv(specVar) != "" {
		// A launcher that did not dispatch to Main, now running a program
		// that wants a sandbox of its own: stop the recursion here.
		return nil, errors.New("sandbox: started inside a launcher that did not call sandbox.Main")
	}
	if len(cfg.Launcher) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("sandbox: cannot find the launcher: %w", err)
		}
		cfg.Launcher = append([]string{exe}, launcherArgs...)
	}
	ws, err := filepath.EvalSymlinks(cfg.Workspace)
	if err != nil {
		return nil, fmt.Errorf("sandbox: workspace: %w", err)
	}
	state, cache, err := newState(cfg.StateDir)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	s := &Sandbox{cfg: cfg, log: cfg.Logger, state: state, cache: cache, launcher: cfg.Launcher}
	s.os.ws = ws
	s.os.home = cfg.Home
	if h, err := filepath.EvalSymlinks(cfg.Home); err == nil {
		s.os.home = h
	}
	var missingEnv []string
	s.env, missingEnv = commandEnv(cfg.Env, cfg.PassEnv, map[string]string{
		"TERM":           "dumb",
		"LANG":           "C.UTF-8",
		"PATH":           "/usr/local/bin:/usr/bin:/bin",
		"XDG_CACHE_HOME": cache,
		"AGENTBOX":       "1",
	})
	for _, name := range missingEnv {
		s.log.Warn("--env names a variable the server's environment lacks", "name", name)
	}
	s.shell = "/bin/bash"
	if bash, err := LookPath("bash", s.env); err == nil {
		s.shell = bash
	}

	if cfg.Mode == Off {
		s.facts = Facts{Network: true}
		s.missing = []string{"the sandbox is off (--sandbox=off): commands run unconfined, as the server's user, with the network"}
		s.layers = []string{"an environment built from an allow-list", "a process tree that ends with each command"}
		s.report()
		return s, nil
	}
	if err := s.probe(); err != nil {
		s.Close()
		return nil, err
	}
	if cfg.Reads == ReadStrict {
		if s.os.abi == 0 {
			s.Close()
			return nil, fmt.Errorf("sandbox: --read-confinement=strict needs Landlock, which is unavailable here: %w", ErrUnavailable)
		}
		s.os.reads = strictReadRoots(cfg, s.env)
	}
	s.facts = Facts{
		Confined:     s.os.abi > 0 || s.os.mount,
		Network:      cfg.AllowNetwork || (!s.os.loopback && s.os.abi < 4 && s.os.clone&unix.CLONE_NEWNET == 0),
		Strict:       cfg.Reads == ReadStrict,
		HidesSecrets: s.os.abi > 0 || s.os.mount,
		GitProtected: s.os.mount && !cfg.AllowGitConfig,
	}
	if s.os.pidMax {
		s.facts.MaxProcs = cfg.MaxProcs
	}
	s.report()
	if cfg.Mode == Require && len(s.missing) > 0 {
		s.Close()
		return nil, fmt.Errorf("%w (--sandbox=require): %s", ErrUnavailable, strings.Join(s.missing, "; "))
	}
	return s, nil
}

// report logs what confines commands and, as warnings, what does not.
func (s *Sandbox) report() {
	s.log.Info("sandbox", "mode", s.cfg.Mode.String(), "layers", strings.Join(s.layers, "; "))
	for _, m := range s.missing {
		s.log.Warn("sandbox layer unavailable", "what", m)
	}
}

// gitDir returns the workspace's .git, when commands may not change its
// hooks and config.
func (s *Sandbox) gitDir() string {
	if s.cfg.AllowGitConfig {
		return ""
	}
	g := filepath.Join(s.os.ws, ".git")
	if _, err := os.Lstat(g); err != nil {
		return ""
	}
	return g
}

// protectGit lists the paths of the workspace's repository that commands
// may not change: the hooks and config that git runs and reads outside the
// sandbox, and .git itself (a file pointing elsewhere, or a directory that
// could otherwise be renamed and replaced).
func protectGit(gitDir string) (pin, protect []string) {
	fi, err := os.Lstat(gitDir)
	if err != nil {
		return nil, nil
	}
	if !fi.IsDir() {
		return nil, []string{gitDir}
	}
	pin = []string{gitDir}
	// A repository without a hooks directory gets an empty one, as git init
	// makes, so that there is something to keep read-only: otherwise a
	// command could create it and fill it.
	_ = os.Mkdir(filepath.Join(gitDir, "hooks"), 0o755)
	for _, name := range []string{"hooks", "config", "config.worktree", "commondir"} {
		if _, err := os.Lstat(filepath.Join(gitDir, name)); err == nil {
			protect = append(protect, filepath.Join(gitDir, name))
		}
	}
	mods, _ := filepath.Glob(filepath.Join(gitDir, "modules", "*", "hooks"))
	cfgs, _ := filepath.Glob(filepath.Join(gitDir, "modules", "*", "config"))
	return pin, append(protect, append(mods, cfgs...)...)
}

// launchSpec builds the launcher's instructions for one command. tmp is
// the command's TMPDIR.
func (s *Sandbox) launchSpec(spec Spec, tmp string) *launchSpec {
	env := append(slices.Clone(s.env), "TMPDIR="+tmp)
	ls := &launchSpec{
		Shell: s.shell,
		Args:  shellArgs(spec.Command),
		Env:   env,
		Dir:   spec.Dir,
		PIDNS: s.os.clone&unix.CLONE_NEWPID != 0,
		NetNS: s.os.loopback,
	}
	if s.cfg.Mode == Off {
		return ls
	}
	writable := []string{s.os.ws, tmp, s.cache}
	writable = append(writable, expand(s.cfg.AllowWrite)...)
	hidden := append([]string{s.state}, s.cfg.Hide...)
	if s.os.home != "" && s.os.home != "/" {
		for _, name := range homeSecrets {
			hidden = append(hidden, filepath.Join(s.os.home, name))
		}
	}
	hidden = append(hidden, systemSecrets...)
	hidden = expand(hidden)
	kept := slices.Concat(writable, expand(s.cfg.AllowRead), s.resolverDirs())
	if s.os.mount {
		pin, protect := protectGit(s.gitDir())
		ls.Mount = &mountPlan{
			Writable: writable, Pin: pin, Protect: protect,
			Hidden: hidden, Kept: kept,
			Proc: ls.PIDNS, Dev: true,
		}
		if s.os.pidMax {
			ls.PidMax = s.cfg.MaxProcs
		}
	}
	if s.os.abi > 0 {
		roots := []string{"/"}
		if s.cfg.Reads == ReadStrict {
			roots = s.os.reads
		}
		read, list := cover(roots, append(slices.Clone(hidden), "/dev"))
		read = append(read, kept...)
		read = append(read, s.shell)
		lp := &landlockPlan{
			ABI:     s.os.abi,
			Read:    read,
			Write:   writable,
			List:    append(list, "/dev"),
			Devices: []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"},
			NoTCP:   !s.cfg.AllowNetwork && s.os.clone&unix.CLONE_NEWNET == 0,
		}
		if s.os.mount {
			// Private instances, so they may be used freely.
			lp.Devices = append(lp.Devices, "/dev/ptmx")
			lp.DevDirs = []string{"/dev/pts"}
			lp.Write = append(lp.Write, "/dev/shm")
		}
		ls.Landlock = lp
	}
	return ls
}

// resolverDirs are the directories under /run that hold the DNS resolver
// configuration, kept readable when commands may use the network.
func (s *Sandbox) resolverDirs() []string {
	if !s.cfg.AllowNetwork {
		return nil
	}
	real, err := filepath.EvalSymlinks("/etc/resolv.conf")
	if err != nil || !within(real, "/run") {
		return nil
	}
	return []string{filepath.Dir(real)}
}

// strictReadRoots are the directories commands may read in strict mode:
// system directories, the toolchains on PATH and Go's, and AllowRead.
func strictReadRoots(cfg Config, env []string) []string {
	roots := slices.Clone(strictRoots)
	for _, dir := range filepath.SplitList(EnvValue(env, "PATH")) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || withinAny(real, strictRoots) {
			continue
		}
		switch filepath.Base(real) {
		case "bin", "sbin", "shims":
			// A toolchain's bin directory: the toolchain is its parent.
			real = filepath.Dir(real)
		}
		roots = append(roots, real)
	}
	if gobin, err := LookPath("go", env); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, gobin, "env", "GOROOT", "GOMODCACHE")
		cmd.Env = env
		if out, err := cmd.Output(); err == nil {
			for _, line := range strings.Fields(string(out)) {
				roots = append(roots, line)
			}
		}
	}
	return append(roots, cfg.AllowRead...)
}
