package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// startSpec starts a command in the sandbox. Cancelling ctx stops it (SIGTERM,
// then SIGKILL after Grace).
func (s *Sandbox) startSpec(ctx context.Context, spec Spec) (*Cmd, error) {
	ls := s.launchSpec(spec, spec.Scratch.Tmp)
	cg, err := s.newCgroup()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	ls.Cgroup = cg.path()
	c, err := s.start(ctx, ls, spec.Output)
	if err != nil {
		cg.finish()
		s.dropCachedProbe(err)
		return nil, err
	}
	return &Cmd{stop: c.cancel, wait: sync.OnceValues(func() (Exit, error) {
		status, exit, err := c.finish()
		if exit.OutOfMemory = cg.finish(); exit.OutOfMemory {
			exit.MemoryLimit = s.os.memory
		}
		if err != nil {
			s.dropCachedProbe(err)
			return exit, err
		}
		exit.Dir = strings.TrimSpace(string(status))
		return exit, nil
	})}, nil
}

// dropCachedProbe drops the cached probe result this sandbox started from
// when a launch failed to set up the sandbox: the machine may have changed
// in a way the cache's key does not see, and the next server probes again.
func (s *Sandbox) dropCachedProbe(err error) {
	if !s.os.cached || !errors.Is(err, ErrSetup) {
		return
	}
	s.os.dropped.Do(func() {
		s.log.Warn("a launch failed with the sandbox layers cached at start; dropped them, the next start probes again", "error", err)
		s.os.cache.drop(s.os.cacheKey)
	})
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
	ls.Build = launcherBuild()
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
	c.Args[0] = LauncherName // what ps shows, and how Main knows it is the launcher
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
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
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
		// root keeps (namespaced) rights over them. Where int has 32 bits
		// the map stops at 2^31-2, far above any id in use.
		all := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: min(1<<32-1, math.MaxInt)}}
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
