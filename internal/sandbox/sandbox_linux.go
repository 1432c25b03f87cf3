package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	seccomp  bool     // the seccomp filter works here
	nproc    bool     // no PID namespace: RLIMIT_NPROC bounds processes
	reads    []string // strict mode: the system roots commands may read
	path     []string // the toolchains on PATH, kept readable
	home     string
	ws       string // the workspace, symlinks resolved
	memory   Memory // the memory limit; 0 for none
	memcg    *memcg // where commands' memory cgroups go; nil: RLIMIT_DATA
	noMemcg  string // why there are no memory cgroups

	fallback []string   // the launcher to use should s.launcher be of another build
	cached   bool       // the layers came from the probe cache
	cacheKey string     // their key there
	cache    probeCache // where they are cached
	dropped  sync.Once  // the cached layers failed a launch and were dropped
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
	var fallback []string
	if len(cfg.Launcher) == 0 {
		var err error
		if cfg.Launcher, fallback, err = findLauncher(); err != nil {
			return nil, err
		}
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
	s.os.fallback = fallback
	s.os.home = cfg.Home
	if h, err := filepath.EvalSymlinks(cfg.Home); err == nil {
		s.os.home = h
	}
	var missingEnv []string
	s.env, missingEnv = commandEnv(cfg.Env, cfg.PassEnv, map[string]string{
		"TERM":           "dumb",
		"LANG":           "C.UTF-8",
		"PATH":           DefaultPath,
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
	s.venv = EnvValue(cfg.Env, "VIRTUAL_ENV")

	if cfg.Mode == Off {
		s.facts = Facts{Network: true}
		s.missing = []string{"the sandbox is off (--sandbox=off): commands run unconfined, as the server's user, with the network"}
		s.layers = []string{"an environment built from an allow-list", "a process tree that ends with each command"}
		s.report()
		return s, nil
	}
	if cfg.MemoryLimit >= 0 {
		mcg, err := findMemcg()
		s.os.memory = cfg.MemoryLimit
		if s.os.memory == 0 {
			s.os.memory = defaultMemory(mcg)
		}
		if err != nil {
			s.os.noMemcg = err.Error()
		} else {
			s.os.memcg = mcg
			mcg.removeStale()
		}
	}
	var hiddenPath []string
	s.os.path, hiddenPath = pathToolchains(EnvValue(s.env, "PATH"), s.os.home, s.secrets())
	if len(hiddenPath) > 0 {
		s.log.Warn("PATH directories hidden from commands: they lie among the secrets the sandbox hides, or would uncover all of a shared directory such as /tmp", "dirs", strings.Join(hiddenPath, ":"))
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
		s.os.reads = strictReadRoots(cfg, s.env, strictRoots)
	}
	s.facts = Facts{
		Confined:     s.os.abi > 0 || s.os.mount,
		Network:      cfg.AllowNetwork || (s.os.clone&unix.CLONE_NEWNET == 0 && !s.os.seccomp && s.os.abi < 4),
		UnixSockets:  !cfg.AllowNetwork && (s.os.seccomp || s.os.abi >= 9),
		Strict:       cfg.Reads == ReadStrict,
		HidesSecrets: s.os.abi > 0 || s.os.mount,
		GitProtected: s.os.mount && !cfg.AllowGitConfig,
	}
	if s.os.pidMax {
		s.facts.MaxProcs = cfg.MaxProcs
	}
	s.facts.MemoryLimit, s.facts.MemoryPerProcess = s.os.memory, s.os.memcg == nil
	s.report()
	if cfg.Mode == Require && len(s.missing) > 0 {
		s.Close()
		return nil, fmt.Errorf("%w (--sandbox=require): %s", ErrUnavailable, strings.Join(s.missing, "; "))
	}
	return s, nil
}

// findLauncher returns the launcher: the launcher binary beside this
// executable (cmd/agentbox-sandbox, installed with it by the release
// archives), else this executable itself, which starts slower: it is the
// whole server. The second is also the fallback should the first be of
// another build. Either is started with LauncherName as its argv[0].
func findLauncher() (launcher, fallback []string, err error) {
	exe, err := osExecutable()
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: cannot find the launcher: %w", err)
	}
	self := []string{exe}
	if strings.HasSuffix(exe, ".test") {
		self = append(self, testGuard)
	}
	sibling := filepath.Join(filepath.Dir(exe), LauncherName)
	if fi, err := os.Stat(sibling); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && sibling != exe {
		return []string{sibling}, self, nil
	}
	return self, nil, nil
}

// osExecutable is os.Executable; tests change it.
var osExecutable = os.Executable

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
	// Without a memory cgroup or a PID namespace the shell bounds itself
	// with rlimits before it runs anything; the launcher, which may be a
	// bigger program, stays out of them.
	var data Memory
	if s.os.memcg == nil {
		data = s.os.memory
	}
	procs := 0
	if s.os.nproc {
		procs = userTasks() + s.cfg.MaxProcs
	}
	ls.Args = shellArgsLimited(spec.Command, data, procs)
	writable := []string{s.os.ws, tmp, s.cache}
	writable = append(writable, expand(s.cfg.AllowWrite)...)
	secrets := append(s.secrets(), expand(s.cfg.Hide)...)
	hidden := append(slices.Clone(secrets), expand(sharedDirs)...)
	// The toolchains on PATH and the Python environments in use, read-only
	// wherever they are, unless among the secrets.
	tools, _ := splitHidden(expand(slices.Concat(s.os.path, workspaceEnvs(s.os.ws, s.venv, s.os.home))), secrets)
	sockets := expand(s.cfg.AllowUnixSocket)
	kept := slices.Concat(writable, expand(s.cfg.AllowRead), s.resolverDirs(), tools, sockets)
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
		toolRead, _ := cover(tools, secrets)
		read = slices.Concat(read, writable, expand(s.cfg.AllowRead), s.resolverDirs(), toolRead)
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
		if s.cfg.AllowNetwork {
			lp.UnixOpen = true
		} else {
			lp.Sockets = sockets
		}
		ls.Landlock = lp
	}
	if s.os.seccomp && !s.cfg.AllowNetwork {
		ls.Seccomp = &seccompPlan{
			Unix:     s.os.abi < 9,
			Allow:    slices.Concat(writable, sockets),
			Abstract: s.os.clone&unix.CLONE_NEWNET != 0,
			OnlyUnix: s.os.clone&unix.CLONE_NEWNET == 0,
		}
		if s.os.mount {
			ls.Seccomp.Allow = append(ls.Seccomp.Allow, "/dev/shm")
		}
		if !ls.Seccomp.Unix && !ls.Seccomp.OnlyUnix {
			ls.Seccomp = nil
		}
	}
	ls.DropCaps = s.os.caps && (ls.Mount != nil || ls.Landlock != nil)
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

// secrets are the real paths hidden from commands in every mode: the
// server's private directory, the home directory's credentials and the
// system's (see homeSecrets and systemSecrets).
func (s *Sandbox) secrets() []string {
	secrets := []string{s.state}
	if s.os.home != "" && s.os.home != "/" {
		for _, name := range homeSecrets {
			secrets = append(secrets, filepath.Join(s.os.home, name))
		}
	}
	return expand(append(secrets, systemSecrets...))
}

// userTasks counts the tasks (threads included, as RLIMIT_NPROC does) of
// the processes whose real user is the server's.
func userTasks() int {
	entries, _ := os.ReadDir("/proc")
	uid := strconv.Itoa(os.Getuid())
	n := 0
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		var real bool
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Uid:"); ok {
				f := strings.Fields(v)
				real = len(f) > 0 && f[0] == uid
			}
			if v, ok := strings.CutPrefix(line, "Threads:"); ok && real {
				t, _ := strconv.Atoi(strings.TrimSpace(v))
				n += t
			}
		}
	}
	return n
}
