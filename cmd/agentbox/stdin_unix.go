//go:build unix

package main

import (
	"os"
	"syscall"
)

// pollableStdin returns stdin in a form Go's network poller waits on,
// when it is a pipe or a socket, as a client's stdio transport is; other
// stdins (a terminal, a file) are returned as they are.
//
// os.Stdin reads a blocking descriptor: the goroutine that reads requests
// sits in read(2) holding its processor, and the goroutine it has just
// handed a request to may wait for the runtime's monitor to take that
// processor back, up to 10 ms at start-up (5 ms of the spawn-to-initialized
// time here, and again for the handler of the request). Through the
// poller, a read that must wait parks the goroutine instead. O_NONBLOCK is
// set on stdin's open file description, which only agentbox holds: the
// client writes into its own end of the pipe, and commands never inherit
// stdin. A terminal is left alone, as its shell would be left nonblocking
// after agentbox exits.
func pollableStdin() *os.File {
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		return os.Stdin
	}
	if t := st.Mode & syscall.S_IFMT; t != syscall.S_IFIFO && t != syscall.S_IFSOCK {
		return os.Stdin
	}
	if err := syscall.SetNonblock(0, true); err != nil {
		return os.Stdin
	}
	return os.NewFile(0, "/dev/stdin") // nonblocking: NewFile has the poller wait on it
}
