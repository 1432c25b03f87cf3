// Command agentbox-sandbox is the launcher of agentbox's Bash sandbox on
// Linux: agentbox starts it, in new namespaces, once per command, and it
// sets up the sandbox and runs bash inside. It is not meant to be run by
// hand.
//
// The server finds it beside its own binary (the release archives ship
// both); without it, the server starts its own binary as the launcher,
// which works the same but costs each command the server's start-up. It
// links only the sandbox, so it starts in a fraction of that.
package main

import (
	"fmt"
	"os"

	"github.com/agentbox/agentbox/internal/sandbox"
)

func main() {
	sandbox.Main() // when started by agentbox, this never returns
	fmt.Fprintf(os.Stderr, "%s: the launcher of agentbox's Bash sandbox on Linux, started by agentbox for each command; it is not meant to be run by hand\n", sandbox.LauncherName)
	os.Exit(2)
}
