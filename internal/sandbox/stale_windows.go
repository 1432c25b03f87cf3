package sandbox

import (
	"os"
	"syscall"
)

// alive tells whether process pid may still exist: only a failure to open
// it because there is none says it does not.
func alive(pid int) bool {
	const processQueryLimitedInformation = 0x1000
	h, err := syscall.OpenProcess(processQueryLimitedInformation, false, uint32(pid))
	if err != nil {
		return err != syscall.ERROR_INVALID_PARAMETER // no such process
	}
	syscall.CloseHandle(h)
	return true
}

// ownedByMe: the system temporary directory is per user on Windows.
func ownedByMe(os.FileInfo) bool { return true }
