package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// startupGCPercent is the garbage collector's GOGC from the start until
// its first collection. A server allocates about 3 MB before it answers
// initialize, half of it in jsonschema's package init (which mcp-go
// links), and the runtime's first collection comes at 2.8 MB under the
// default GOGC=100: a collection in every start, a tenth of its
// instructions, for a heap that is mostly live. With 400 the first
// collection comes at 11 MB, among the first tool calls, and from then on
// the collector runs as GOGC says.
const startupGCPercent = 400

// deferFirstGC raises GOGC until the first collection, unless the user set
// GOGC: a finalizer, which runs after that collection, puts it back. The
// channel closes then.
func deferFirstGC() <-chan struct{} {
	restored := make(chan struct{})
	if os.Getenv("GOGC") != "" {
		close(restored)
		return restored
	}
	prev := debug.SetGCPercent(startupGCPercent)
	type sentinel struct{ _ *byte } // holds a pointer: not a tiny allocation, whose finalizer may never run
	runtime.SetFinalizer(new(sentinel), func(*sentinel) {
		debug.SetGCPercent(prev)
		close(restored)
	})
	return restored
}
