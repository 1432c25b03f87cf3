//go:build unix

package main

import (
	"os"
	"syscall"
)

// holdJournalLock takes a journal's lock file as another agentbox would.
func holdJournalLock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func releaseJournalLock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
