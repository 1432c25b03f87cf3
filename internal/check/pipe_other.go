//go:build !unix

package check

import "errors"

// namedPipes reports whether this system has named pipes for the
// sandboxed checker process to read its requests from. Windows has none;
// there the sandbox confines nothing (commands run unconfined, in a job
// object), so goProc starts the checker as the server's child instead,
// with the same environment and private build cache.
const namedPipes = false

// mkfifo fails: there are no named pipes here.
func mkfifo(string) error {
	return errors.New("no named pipes on this system: the Go checker cannot run in the sandbox")
}
