// Command mcpgo-floor is the least MCP server mcp-go makes: no tools, stdio.
// scripts/bench.sh starts it beside agentbox, as the floor of start-up time
// that linking mcp-go sets.
package main

import (
	"fmt"
	"os"

	"github.com/mark3labs/mcp-go/server"
)

func main() {
	s := server.NewMCPServer("floor", "1", server.WithToolCapabilities(false))
	if err := server.ServeStdio(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
