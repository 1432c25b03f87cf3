package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no sandbox for commands here: they run unconfined, with a
// warning, in a job object that ends every process they start. This file
// is compiled and vetted in CI (scripts/cross-build.sh) but has not run on
// Windows.

type osState struct{}

// New returns a sandbox that confines nothing. Require mode refuses.
func New(cfg Config) (*Sandbox, error) { return newUnconfined(cfg) }

// stillActive is the exit code GetExitCodeProcess reports for a process
// that runs.
const stillActive = 259

// processGone reports whether no process has the id pid.
func processGone(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code != stillActive
}

// ownedByUser reports true: the temporary directory is the user's own on
// Windows, and its entries carry no owner to compare.
func ownedByUser(fs.FileInfo) bool { return true }

// findShell returns Git for Windows' bash.exe: from env's PATH, else
// from where its installer puts it (for everyone, or for the user whose
// HOME env names).
func findShell(env []string) string {
	dirs := []string{`C:\Program Files\Git\bin`, `C:\Program Files (x86)\Git\bin`}
	if home := EnvValue(env, "HOME"); home != "" {
		dirs = append(dirs, filepath.Join(home, "AppData", "Local", "Programs", "Git", "bin"))
	}
	return gitBash(EnvValue(env, "PATH"), dirs)
}

// startSpec runs the command unconfined in a job object: stopping it, or the
// shell's end, terminates every process in the job at once (Windows has no
// SIGTERM to send first), and so does the server's end, which closes the
// job. The directory the command ends in is not reported: Windows passes
// no descriptor 3 to carry it.
func (s *Sandbox) startSpec(ctx context.Context, spec Spec) (*Cmd, error) {
	if s.shell == "" {
		return nil, fmt.Errorf("%w: no bash.exe on PATH or in Git for Windows' install directories; install Git for Windows", ErrSetup)
	}
	job, err := newJob()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	c := exec.CommandContext(ctx, s.shell, "--noprofile", "--norc", "-c", spec.Command)
	c.Env = append(slices.Clone(s.env), "TMPDIR="+spec.Scratch.Tmp)
	c.Dir = spec.Dir
	c.Stdout, c.Stderr = spec.Output, spec.Output
	c.Cancel = func() error { return windows.TerminateJobObject(job, 1) }
	c.WaitDelay = Grace
	fail := func(err error) (*Cmd, error) {
		cancel()
		windows.CloseHandle(job)
		return nil, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	if err := c.Start(); err != nil {
		return fail(err)
	}
	// Until it is in the job, the shell has had no time to start anything.
	proc, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, uint32(c.Process.Pid))
	if err == nil {
		if err = windows.AssignProcessToJobObject(job, proc); err != nil {
			windows.CloseHandle(proc)
		}
	}
	if err != nil {
		_ = c.Process.Kill()
		_ = c.Wait()
		return fail(err)
	}
	// When the shell ends, end what it left at once, so that Wait does
	// not wait for them to let go of its output.
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_, _ = windows.WaitForSingleObject(proc, windows.INFINITE)
		_ = windows.TerminateJobObject(job, 1)
	}()
	return &Cmd{stop: cancel, wait: sync.OnceValues(func() (Exit, error) {
		_ = c.Wait()
		cancel()
		<-ended
		windows.CloseHandle(proc)
		windows.CloseHandle(job)
		return Exit{Code: c.ProcessState.ExitCode()}, nil
	})}, nil
}

// newJob makes a job object whose processes are terminated when its last
// handle closes.
func newJob() (windows.Handle, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("job object: %w", err)
	}
	return job, nil
}
