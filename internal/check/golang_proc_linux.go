package check

import (
	"os/exec"
	"syscall"
)

// localProcAttr puts a checker process started without a sandbox in a
// process group of its own (killGroup ends it with what it started) and
// has the kernel kill it if the server dies.
func localProcAttr(cmd *exec.Cmd) {
	inGroup(cmd)
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
