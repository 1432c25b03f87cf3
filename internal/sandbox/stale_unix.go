//go:build unix

package sandbox

import (
	"errors"
	"os"
	"syscall"
)

// alive tells whether process pid may still exist: only a definite "no
// such process" says it does not.
func alive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// ownedByMe tells whether this user owns the file.
func ownedByMe(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
