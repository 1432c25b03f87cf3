package checkpoint

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// openNoFollow opens a tracked file for reading. os.Root already refuses a
// link that leaves the workspace, and Windows has no O_NOFOLLOW; the caller
// checks that what it opened is the regular file it saw.
const openNoFollow = os.O_RDONLY

// statIDs returns what, besides size, mode and mtime, tells that a file
// changed or was replaced. Windows' FileInfo has no inode or ctime; the
// creation time changes when a file is replaced by a rename, which is how
// every writer here replaces one.
func statIDs(fi fs.FileInfo) (ctimeNs int64, id uint64) {
	if d, ok := fi.Sys().(*syscall.Win32FileAttributeData); ok {
		return 0, uint64(d.CreationTime.Nanoseconds())
	}
	return 0, 0
}

// Windows locks byte ranges, and a locked range cannot be read by another
// process: lock one byte far past anything written (the lock file holds
// the holder's pid, which others read).
const lockOffset = 1 << 62

func lockFileEx(f *os.File, flags uint32) error {
	ol := windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	return windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &ol)
}

// lockShared takes f's lock shared, waiting for it.
func lockShared(f *os.File) error { return lockFileEx(f, 0) }

// tryLockExclusive takes f's lock exclusive if no other holder has it. A
// shared lock this process holds on f is released first and taken again
// when the exclusive one cannot be had, as flock(2) converts it.
func tryLockExclusive(f *os.File) (bool, error) {
	ol := windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	held := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol) == nil
	err := lockFileEx(f, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY)
	if err == nil {
		return true, nil
	}
	if held {
		_ = lockShared(f)
	}
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return false, nil
	}
	return false, err
}

// unlock releases f's lock.
func unlock(f *os.File) {
	ol := windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	_ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
}

// downgrade turns f's exclusive lock back into a shared one.
func downgrade(f *os.File) {
	unlock(f)
	_ = lockShared(f)
}
