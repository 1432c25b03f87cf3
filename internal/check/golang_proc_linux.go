package check

import "syscall"

// localProcAttr puts a checker process started without a sandbox in a
// process group of its own (killGroup ends it with what it started) and
// has the kernel kill it if the server dies.
func localProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
