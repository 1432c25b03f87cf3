package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// probeResult is what launching the launcher in probe mode taught: which
// namespaces the kernel allows and which setup steps work in them. The
// probe cache keeps it.
type probeResult struct {
	Launcher []string          // the launcher that ran
	Clone    uintptr           // the namespaces each launch makes
	Refused  []string          // why fuller sets of namespaces were refused
	Report   map[string]string // each step's error; "" when it worked
}

// probe learns which layers this machine offers: from the probe cache when
// it holds a result for this kernel, boot and environment, else by
// launching the launcher (see runProbes) and caching what it reports.
func (s *Sandbox) probe() error {
	if abi, err := landlockABI(); err == nil {
		s.os.abi = abi
	}
	if cg, err := s.newCgroup(); err != nil {
		s.os.memcg, s.os.noMemcg = nil, err.Error()
	} else {
		cg.finish()
	}
	key, cache := s.probeKey()
	s.os.cacheKey, s.os.cache = key, cache
	r, ok := cache.load(key)
	if ok {
		s.launcher = r.Launcher
		s.log.Debug("sandbox layers from the probe cache", "file", cache.file)
	} else {
		var err error
		if r, err = s.runProbes(); err != nil {
			return err
		}
		cache.store(key, r)
	}
	s.os.cached = ok
	s.applyProbe(r)
	return nil
}

// runProbes launches the launcher in probe mode, with fewer namespaces each
// time one is refused. A launcher binary beside the server that is of
// another build gives way to the server's own binary.
func (s *Sandbox) runProbes() (probeResult, error) {
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
	var refused []string
	for i := 0; i < len(tries); i++ {
		s.setClone(tries[i])
		report, err := s.runProbe()
		if err == nil {
			return probeResult{Launcher: s.launcher, Clone: tries[i], Refused: refused, Report: report}, nil
		}
		if strings.Contains(err.Error(), errOtherBuild.Error()) && len(s.os.fallback) > 0 {
			s.log.Warn("the sandbox launcher beside the server is of another build; using the server's own binary, which starts slower", "launcher", s.launcher[0], "error", err)
			s.launcher, s.os.fallback = s.os.fallback, nil
			i--
			continue
		}
		refused = append(refused, refusal(err))
	}
	return probeResult{}, fmt.Errorf("sandbox: the launcher does not run (%s); is sandbox.Main called first in main (and TestMain)?", strings.Join(refused, "; "))
}

// setClone sets the namespaces each launch makes, and what follows from
// them before the probe's report says more.
func (s *Sandbox) setClone(flags uintptr) {
	s.os.clone = flags
	s.os.userns = flags&unix.CLONE_NEWUSER != 0
	s.os.mount = flags&unix.CLONE_NEWNS != 0
	s.os.pidMax = flags&unix.CLONE_NEWPID != 0
	s.os.loopback = flags&unix.CLONE_NEWNET != 0
	s.os.caps = true
	s.os.seccomp = seccompSupported()
}

// applyProbe settles the layers from a probe's result: which are used,
// which are missing and why.
func (s *Sandbox) applyProbe(r probeResult) {
	s.setClone(r.Clone)
	report, refused := r.Report, r.Refused
	var layers, missing []string
	if !s.os.userns {
		missing = append(missing, "no user namespace: the kernel refused to make one ("+refused[0]+"), as it does inside a container or sandbox that forbids them (bwrap --disable-userns) or where user.max_user_namespaces is 0")
	}
	stepErr := func(names ...string) string {
		for _, n := range names {
			if e := report[n]; e != "" {
				return e
			}
		}
		return ""
	}
	mountWhy := "only root may make one without a user namespace"
	if os.Geteuid() == 0 && len(refused) > 1 {
		mountWhy = refused[1]
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
		missing = append(missing, "no mount namespace ("+mountWhy+"): secrets in the home directory are hidden only by Landlock, daemon sockets (Docker, systemd) are reachable, .git/hooks and .git/config are writable")
	}
	if s.os.clone&unix.CLONE_NEWPID != 0 {
		layers = append(layers, "PID namespace: every process a command starts ends with it")
	} else {
		missing = append(missing, "no PID namespace: processes that leave the command's process group are ended only when the launcher survives to end them")
	}
	if s.os.pidMax {
		if e := stepErr("pidmax"); e != "" {
			s.os.pidMax = false
			missing = append(missing, "no process limit: the kernel cannot set pid_max in a PID namespace ("+e+"), so a fork bomb is bounded only by the timeout")
		} else {
			layers = append(layers, fmt.Sprintf("at most %d processes per command", s.cfg.MaxProcs))
		}
	} else if !hostRoot() && !s.os.userns {
		// Root is exempt from RLIMIT_NPROC.
		s.os.nproc = true
		layers = append(layers, fmt.Sprintf("at most %d processes per command beyond those the user already runs (RLIMIT_NPROC)", s.cfg.MaxProcs))
	} else {
		missing = append(missing, "no process limit: a fork bomb is bounded only by the timeout")
	}
	seccompErr := "seccomp filters are not written for " + runtime.GOARCH
	if s.os.seccomp {
		if seccompErr = stepErr("seccomp"); seccompErr != "" {
			s.os.seccomp = false
		}
	}
	switch {
	case s.cfg.AllowNetwork:
		layers = append(layers, "network allowed (--allow-network)")
	case s.os.loopback && stepErr("loopback") == "":
		layers = append(layers, "network namespace: no network but a private loopback")
	case s.os.loopback:
		layers = append(layers, "network namespace: no network")
		s.os.loopback = false
	case s.os.clone&unix.CLONE_NEWNET != 0:
		layers = append(layers, "network namespace: no network")
	case s.os.seccomp:
		layers = append(layers, "no network: no sockets but Unix ones (seccomp)")
	case s.os.abi >= 4:
		layers = append(layers, "no TCP (Landlock)")
		missing = append(missing, "no network namespace, and no seccomp filter ("+seccompErr+"): UDP reaches the network")
	default:
		missing = append(missing, "no network isolation: commands can reach the network")
	}
	switch {
	case s.cfg.AllowNetwork:
	case s.os.abi >= 9 && stepErr("landlock") == "":
		layers = append(layers, "Unix sockets: only those in the workspace, TMPDIR and --allow-unix-socket (Landlock)")
	case s.os.seccomp:
		layers = append(layers, "Unix sockets: only those in the workspace, TMPDIR and --allow-unix-socket, checked by the launcher at each connect (seccomp), datagram Unix sockets refused")
	default:
		missing = append(missing, "Unix sockets outside the workspace are reachable (Landlock before ABI 9 cannot refuse connect, and no seccomp filter: "+seccompErr+")")
	}
	if s.os.userns {
		layers = append(layers, "user namespace: no capabilities over the host")
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
	if s.os.memcg != nil {
		if e := stepErr("cgroup"); e != "" {
			s.os.memcg, s.os.noMemcg = nil, e
		}
	}
	switch {
	case s.os.memory <= 0:
	case s.os.memcg != nil:
		v := 1
		if s.os.memcg.v2 {
			v = 2
		}
		layers = append(layers, fmt.Sprintf("memory: at most %s per command, all its processes together (a cgroup v%d of its own, --memory-limit), killed past it", s.os.memory, v))
	default:
		layers = append(layers, fmt.Sprintf("memory: at most %s of data per process (RLIMIT_DATA, --memory-limit), allocations past it fail, not per command: no memory cgroup here (%s)", s.os.memory, s.os.noMemcg))
	}
	if e := stepErr("caps"); e != "" {
		missing = append(missing, "capabilities not dropped ("+e+")")
		s.os.caps = false
	}
	s.layers, s.missing = layers, missing
}

// runProbe launches the launcher once in probe mode with the current
// settings and returns its report of each step.
func (s *Sandbox) runProbe() (map[string]string, error) {
	spec := s.launchSpec(Spec{Command: "true", Dir: s.os.ws}, s.cache)
	spec.Probe = true
	cg, err := s.newCgroup()
	if err != nil {
		return nil, err
	}
	defer cg.finish()
	spec.Cgroup = cg.path()
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

// refusal says why the kernel refused to start the launcher in its
// namespaces: the system call's error, without the path of the binary.
func refusal(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return "clone: " + errno.Error()
	}
	return err.Error()
}

// hostRoot reports whether this process's real user is root, here or, in
// user namespaces, outside them (RLIMIT_NPROC exempts root): then the file
// system's root directory, which the host's root owns, is its own (and not
// merely shown as the overflow user, as to those root is not mapped to).
func hostRoot() bool {
	uid := os.Getuid()
	if uid == 0 {
		return true
	}
	var st unix.Stat_t
	overflow := strings.TrimSpace(readText("/proc/sys/kernel/overflowuid"))
	return unix.Stat("/", &st) == nil && int(st.Uid) == uid && strconv.Itoa(uid) != overflow
}
