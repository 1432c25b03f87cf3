//go:build unix

package check

import "golang.org/x/sys/unix"

// namedPipes reports whether this system has named pipes for the
// sandboxed checker process to read its requests from.
const namedPipes = true

// mkfifo makes the named pipe the sandboxed checker process reads its
// requests from.
func mkfifo(path string) error { return unix.Mkfifo(path, 0o600) }
