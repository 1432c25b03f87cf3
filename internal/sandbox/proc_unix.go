//go:build unix

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// processGone reports whether no process has the id pid.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// ownedByUser reports whether fi belongs to the user the server runs as.
func ownedByUser(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// findShell returns the bash commands run with: the first on path.
func findShell(env []string) string {
	if sh, err := LookPath("bash", env); err == nil {
		return sh
	}
	return "/bin/bash"
}

// startGroup starts argv (argv[0] a path) in a session and process group
// of its own, without a launcher: how commands run where there are no
// namespaces (macOS, the BSDs). Stopping it sends SIGTERM to the group,
// then SIGKILL after Grace; when the shell ends, whatever is left in the
// group is killed at once. A process that leaves the group (setsid, a
// daemon) escapes both: only a PID namespace could hold it.
//
// argv must run the wrapper of shellArgs, which reports the final
// directory on fd 3.
func startGroup(ctx context.Context, argv, env []string, spec Spec) (*Cmd, error) {
	status, statusW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	// Output goes through a pipe of our own rather than one exec.Cmd
	// copies from, so that Wait returns when the shell ends instead of
	// when the last process holding its output does.
	out, outW, err := os.Pipe()
	if err != nil {
		status.Close()
		statusW.Close()
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = env
	c.Dir = spec.Dir
	c.Stdout, c.Stderr = outW, outW
	c.ExtraFiles = []*os.File{statusW}
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
	c.WaitDelay = Grace
	err = c.Start()
	outW.Close()
	statusW.Close()
	if err != nil {
		cancel()
		status.Close()
		out.Close()
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(spec.Output, out)
		close(copied)
	}()
	return &Cmd{stop: cancel, wait: sync.OnceValues(func() (Exit, error) {
		_ = c.Wait()
		cancel()
		_ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		// What the group wrote is in the pipe; read it to the end, but not
		// past Grace for a process that left the group and holds the pipe.
		timer := time.NewTimer(Grace)
		select {
		case <-copied:
		case <-timer.C:
		}
		timer.Stop()
		out.Close()
		<-copied
		exit := Exit{Code: c.ProcessState.ExitCode()}
		if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			exit.Code = 128 + int(ws.Signal())
		}
		_ = status.SetReadDeadline(time.Now().Add(time.Second))
		b, _ := io.ReadAll(io.LimitReader(status, 64<<10))
		status.Close()
		exit.Dir = strings.TrimSpace(string(b))
		return exit, nil
	})}, nil
}
