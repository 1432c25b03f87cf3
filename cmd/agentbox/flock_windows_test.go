package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// The byte internal/checkpoint locks on Windows (sys_windows.go).
func journalLockRange() *windows.Overlapped {
	const off = 1 << 62
	return &windows.Overlapped{Offset: uint32(off & 0xffffffff), OffsetHigh: uint32(off >> 32)}
}

// holdJournalLock takes a journal's lock file as another agentbox would.
func holdJournalLock(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, journalLockRange())
}

func releaseJournalLock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, journalLockRange())
}
