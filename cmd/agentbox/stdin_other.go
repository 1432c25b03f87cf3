//go:build !unix

package main

import "os"

// pollableStdin returns os.Stdin: the poller waits on pipes only on Unix.
func pollableStdin() *os.File { return os.Stdin }
