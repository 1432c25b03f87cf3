// Package gocheck is the Go checker process: the agentbox binary started
// again, inside the sandbox, in a hidden mode. It loads Go packages with
// go/packages (the go command, the compiler, the assembler and cgo run as
// its children, inside the sandbox too), type-checks them and answers with
// their errors as JSON. It lives as long as the workspace's checks do and
// keeps what it loaded, so that re-checking the package of a file just
// written re-parses and re-type-checks that package alone against the
// dependencies' types it already has (see warm.go).
//
// It reads only what the sandbox lets it read. Its requests come on
// standard input, one JSON object a line; its answers go to standard
// output the same way, in any order, each with the ID of its request.
//
// The same binary is also, in another hidden mode, the go command's build
// cache (GOCACHEPROG, see cacheprog.go): a private cache the checks write,
// that reads through to the user's own GOCACHE without ever writing it.
//
// internal/check starts and talks to the process; this package is
// separate so that a binary's main (and a test binary's TestMain) can
// dispatch to it (Main) without importing the checks.
package gocheck

import "os"

// The modes of the binary, each the second argument after testGuard.
const (
	CheckMode = "__agentbox-gocheck"
	CacheMode = "__agentbox-gocache"
)

// testGuard comes first in the arguments of every hidden mode: a test
// binary whose TestMain forgot to call Main then runs no test and exits,
// instead of running the whole suite as a checker.
const testGuard = "-test.run=^$"

// Args returns the arguments (after the program) that start the binary in
// mode, with mode's own arguments after them.
func Args(mode string, rest ...string) []string {
	return append([]string{testGuard, mode}, rest...)
}

// Main runs the checker or the build cache and exits when the process was
// started as one (see Args); otherwise it returns at once. The server's
// main and the TestMain of every package whose tests run Go checks call it
// first.
func Main() {
	if len(os.Args) < 3 || os.Args[1] != testGuard {
		return
	}
	switch os.Args[2] {
	case CheckMode:
		os.Exit(serve(os.Stdin, os.Stdout))
	case CacheMode:
		os.Exit(cacheProg(os.Args[3:], os.Stdin, os.Stdout))
	}
}
