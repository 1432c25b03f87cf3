package check

import (
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// dieWithServer has the kernel kill cmd when the server dies, so that a
// warm checker is never left behind.
func dieWithServer(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// growPipe asks for a larger pipe buffer, so that a large file's content
// is written in one go (the kernel caps it at /proc/sys/fs/pipe-max-size,
// 1 MiB by default).
func growPipe(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _, _ = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, 1<<20) })
	}
}
