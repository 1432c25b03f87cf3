//go:build !unix

package check

import "os/exec"

// inGroup does nothing where there are no process groups (Windows).
// There a checker run without a sandbox (runLocal) is killed alone, and
// what it started may outlive it; with one, the sandbox's job object ends
// them all.
func inGroup(*exec.Cmd) {}

// killGroup kills the checker alone.
func killGroup(cmd *exec.Cmd) error { return cmd.Process.Kill() }
