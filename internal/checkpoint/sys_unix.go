//go:build linux || darwin

package checkpoint

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow opens a tracked file for reading without following a
// symbolic link that replaced it after its Lstat, and without blocking on a
// FIFO that did.
const openNoFollow = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// statIDs returns what, besides size, mode and mtime, tells that a file
// changed or was replaced: its ctime and inode number.
func statIDs(fi fs.FileInfo) (ctimeNs int64, id uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return ctime(st), uint64(st.Ino)
	}
	return 0, 0
}

// lockShared takes f's advisory lock shared, waiting for it.
func lockShared(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_SH) }

// tryLockExclusive takes f's lock exclusive if no other holder has it;
// a lock this process holds shared on f is converted.
func tryLockExclusive(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		}
		return false, err
	}
}

// unlock releases f's lock.
func unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// downgrade turns f's exclusive lock back into a shared one.
func downgrade(f *os.File) { _ = lockShared(f) }
