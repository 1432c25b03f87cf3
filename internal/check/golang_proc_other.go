//go:build !linux

package check

import "os/exec"

// localProcAttr puts a checker process started without a sandbox in a
// process group of its own, where there are such (killGroup ends it with
// what it started).
func localProcAttr(cmd *exec.Cmd) { inGroup(cmd) }
