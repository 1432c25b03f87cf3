package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
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
	git      string // the workspace's .git, when its protection is on
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
	s.shell = lookPath("bash", envValue(s.env, "PATH"))

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

// probe learns which namespaces and steps work by launching the launcher
// in probe mode, with fewer namespaces each time one is refused.
func (s *Sandbox) probe() error {
	netns := uintptr(0)
	if !s.cfg.AllowNetwork {
		netns = unix.CLONE_NEWNET
	}
	full := unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC | netns
	tries := []uintptr{full}
	if os.Geteuid() == 0 {
		tries = append(tries, full&^unix.CLONE_NEWUSER)
	}
	tries = append(tries, 0)
	if abi, err := landlockABI(); err == nil {
		s.os.abi = abi
	}
	var report map[string]string
	var refused []string
	for _, flags := range tries {
		s.os.clone = flags
		s.os.userns = flags&unix.CLONE_NEWUSER != 0
		s.os.mount = flags&unix.CLONE_NEWNS != 0
		s.os.pidMax = flags&unix.CLONE_NEWPID != 0
		s.os.loopback = flags&unix.CLONE_NEWNET != 0
		s.os.caps = true
		var err error
		report, err = s.runProbe()
		if err == nil {
			break
		}
		refused = append(refused, err.Error())
		report = nil
	}
	if report == nil {
		return fmt.Errorf("sandbox: the launcher does not run (%s); is sandbox.Main called first in main (and TestMain)?", strings.Join(refused, "; "))
	}
	var layers, missing []string
	if len(refused) > 0 {
		missing = append(missing, "namespaces refused by the kernel ("+refused[0]+")")
	}
	stepErr := func(names ...string) string {
		for _, n := range names {
			if e := report[n]; e != "" {
				return e
			}
		}
		return ""
	}
	if s.os.mount {
		if e := stepErr("private", "readonly", "writable", "git", "hide", "dev", "proc"); e != "" {
			s.os.mount, s.os.pidMax = false, false
			missing = append(missing, "mount namespace setup failed ("+e+"): secrets in the home directory are hidden only by Landlock, /dev is the host's, .git/hooks and .git/config are writable")
		} else {
			layers = append(layers, "mount namespace: the system read-only, home secrets and daemon sockets hidden, a minimal /dev, a private /proc")
			if s.gitDir() != "" {
				layers = append(layers, ".git/hooks and .git/config read-only")
			}
		}
	} else {
		missing = append(missing, "no mount namespace: secrets in the home directory are hidden only by Landlock, daemon sockets (Docker, systemd) are reachable, .git/hooks and .git/config are writable")
	}
	if s.os.clone&unix.CLONE_NEWPID != 0 {
		layers = append(layers, "PID namespace: every process a command starts ends with it")
	} else {
		missing = append(missing, "no PID namespace: processes that leave the command's process group are ended only when the launcher survives to end them")
	}
	if s.os.pidMax {
		if e := stepErr("pidmax"); e != "" {
			s.os.pidMax = false
			missing = append(missing, "no process limit: the kernel cannot set pid_max in a PID namespace ("+e+"); a fork bomb is bounded only by the timeout")
		} else {
			layers = append(layers, fmt.Sprintf("at most %d processes per command", s.cfg.MaxProcs))
		}
	} else {
		missing = append(missing, "no process limit: a fork bomb is bounded only by the timeout")
	}
	switch {
	case s.cfg.AllowNetwork:
		layers = append(layers, "network allowed (--allow-network)")
	case s.os.loopback && stepErr("loopback") == "":
		layers = append(layers, "network namespace: no network but a private loopback")
	case s.os.loopback:
		layers = append(layers, "network namespace: no network")
		s.os.loopback = false
	case s.os.abi >= 4:
		layers = append(layers, "no TCP (Landlock): UDP and Unix sockets still reach the host")
	default:
		missing = append(missing, "no network isolation: commands can reach the network")
	}
	if s.os.userns {
		layers = append(layers, "user namespace: no capabilities over the host")
	} else {
		missing = append(missing, "no user namespace")
	}
	switch e := stepErr("landlock"); {
	case s.os.abi == 0:
		missing = append(missing, "no Landlock in this kernel: writes are confined only by the read-only mounts")
	case e != "":
		missing = append(missing, "Landlock failed ("+e+")")
		s.os.abi = 0
	default:
		layers = append(layers, fmt.Sprintf("Landlock ABI %d: writes only to the workspace and TMPDIR, reads as configured", s.os.abi))
		if s.os.abi < 6 {
			missing = append(missing, "Landlock before ABI 6 cannot scope signals and abstract Unix sockets")
		}
	}
	if e := stepErr("caps"); e != "" {
		missing = append(missing, "capabilities not dropped ("+e+")")
		s.os.caps = false
	}
	if s.os.abi < 9 && !s.os.mount {
		missing = append(missing, "Unix sockets outside the workspace are reachable (Landlock before ABI 9 cannot stop connect)")
	}
	s.layers, s.missing = layers, missing
	return nil
}

// runProbe launches the launcher once in probe mode with the current
// settings and returns its report of each step.
func (s *Sandbox) runProbe() (map[string]string, error) {
	spec := s.launchSpec(Spec{Command: "true", Dir: s.os.ws}, s.cache)
	spec.Probe = true
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.start(ctx, spec, &out)
	if err != nil {
		return nil, err
	}
	status, _, err := c.finish()
	if err != nil {
		return nil, err
	}
	var report map[string]string
	if err := json.Unmarshal(status, &report); err != nil {
		return nil, fmt.Errorf("probe: %q %q", status, out.String())
	}
	return report, nil
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
	hidden := []string{s.state}
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

// Start starts a command in the sandbox. Cancelling ctx stops it (SIGTERM,
// then SIGKILL after Grace).
func (s *Sandbox) Start(ctx context.Context, spec Spec) (*Cmd, error) {
	ls := s.launchSpec(spec, spec.Scratch.Tmp)
	c, err := s.start(ctx, ls, spec.Output)
	if err != nil {
		return nil, err
	}
	return &Cmd{stop: c.cancel, wait: sync.OnceValues(func() (Exit, error) {
		status, exit, err := c.finish()
		if err != nil {
			return exit, err
		}
		exit.Dir = strings.TrimSpace(string(status))
		return exit, nil
	})}, nil
}

// started is a launcher process.
type started struct {
	cmd    *exec.Cmd
	status *os.File
	cancel context.CancelFunc
}

// maxSpec bounds the launch spec, which travels in one environment string
// (the kernel takes at most 128 KiB there).
const maxSpec = 120 << 10

func (s *Sandbox) start(ctx context.Context, ls *launchSpec, out io.Writer) (*started, error) {
	data, err := json.Marshal(ls)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	if len(data) > maxSpec {
		return nil, ErrTooLong
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c := exec.CommandContext(ctx, s.launcher[0], s.launcher[1:]...)
	c.Env = []string{specVar + "=" + string(data)}
	c.Dir = "/"
	c.Stdout, c.Stderr = out, out
	c.ExtraFiles = []*os.File{w}
	c.SysProcAttr = s.sysProcAttr()
	c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	c.WaitDelay = Grace
	err = c.Start()
	w.Close()
	if err != nil {
		cancel()
		r.Close()
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	return &started{cmd: c, status: r, cancel: cancel}, nil
}

// finish waits for the launcher and reads its status pipe.
func (st *started) finish() ([]byte, Exit, error) {
	_ = st.cmd.Wait()
	st.cancel()
	exit := Exit{Code: st.cmd.ProcessState.ExitCode()}
	if ws, ok := st.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		exit.Code = 128 + int(ws.Signal())
	}
	// Every writer is gone by now; the deadline guards against a stray
	// process that kept the pipe without a PID namespace to end it.
	_ = st.status.SetReadDeadline(time.Now().Add(time.Second))
	status, _ := io.ReadAll(io.LimitReader(st.status, 64<<10))
	st.status.Close()
	if msg, ok := bytes.CutPrefix(status, []byte("!")); ok {
		return nil, exit, fmt.Errorf("%w: %s", ErrSetup, msg)
	}
	return status, exit, nil
}

// sysProcAttr starts the launcher in its namespaces, in a session of its
// own (no controlling terminal to inject keystrokes into), and kills it if
// the server dies.
func (s *Sandbox) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL, Cloneflags: s.os.clone}
	if !s.os.userns {
		return attr
	}
	uid, gid := os.Geteuid(), os.Getegid()
	if uid == 0 {
		// Root maps every id onto itself, so files keep their owners and
		// root keeps (namespaced) rights over them.
		all := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1<<32 - 1}}
		attr.UidMappings, attr.GidMappings = all, all
		attr.GidMappingsEnableSetgroups = true
		return attr
	}
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
	// Another user keeps, through exec, what the launcher needs to set up
	// the namespaces; the launcher drops it before starting the shell.
	attr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETPCAP}
	return attr
}

// strictReadRoots are the directories commands may read in strict mode:
// system directories, the toolchains on PATH and Go's, and AllowRead.
func strictReadRoots(cfg Config, env []string) []string {
	roots := slices.Clone(strictRoots)
	path := envValue(env, "PATH")
	for _, dir := range filepath.SplitList(path) {
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
	if gobin := lookPath("go", path); gobin != "" {
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

// lookPath finds an executable in path, the way a shell would; it returns
// "" when there is none (and bash then is /bin/bash).
func lookPath(name, path string) string {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
	}
	if name == "bash" {
		return "/bin/bash"
	}
	return ""
}

// envValue returns the value of name in env.
func envValue(env []string, name string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
