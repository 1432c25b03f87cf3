// Command agentbox is an MCP server that gives a model coding tools over
// one workspace directory, and nothing outside it.
//
// Usage:
//
//	agentbox [serve] [flags]    serve MCP over stdin/stdout (the default)
//	agentbox serve --http ADDR  serve MCP over Streamable HTTP at http://ADDR/mcp
//	agentbox --version
//
// Logs go to stderr; over stdio, stdout is the protocol.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/agentbox/agentbox/internal/sandbox"
)

func main() {
	sandbox.Main() // when started as the Bash sandbox's launcher, this never returns
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal drains; a second one stops at once
	}()
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

// env is the process around a command: its streams and environment. Only
// main builds one from the real process; tests build their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one of agentbox's subcommands.
type command struct {
	args    string // what follows the name in the usage line
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

// commands lists the subcommands; "serve" is the default.
func commands() map[string]command {
	return map[string]command{
		"serve":   {"[flags]", "serve MCP over stdin/stdout (the default), or HTTP with --http", serveCmd},
		"call":    {"TOOL [JSON]", "run one tool call and print its result", callCmd},
		"run":     {"SCRIPT|-", "replay a JSON Lines script of tool calls in one session", runCmd},
		"tools":   {"[--json]", "list the tools with their descriptions and arguments", toolsCmd},
		"config":  {"CLIENT", "print a configuration snippet for an MCP client", configCmd},
		"prompts": {"", "list the prompts with their arguments", promptsCmd},
		"prompt":  {"NAME [--arg k=v ...]", "print a rendered prompt", promptCmd},
		"changes": {"[ID]", "list the workspace's checkpoints (--json for JSON lines), or show one as a diff", changesCmd},
		"undo":    {"--to ID", "restore the workspace to how it was before a checkpoint", undoCmd},
	}
}

// run is main without the process: it picks the subcommand, runs it, and
// returns the exit status: 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, e *env, args []string) int {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(e.stderr, "agentbox: unknown command %q\n\n", name)
		usage(e.stderr)
		return 2
	}
	return cmd.run(ctx, e, args)
}

// usage prints the command summary.
func usage(w io.Writer) {
	fmt.Fprintf(w, "agentbox: an MCP server with coding tools confined to one workspace\n\nUsage:\n")
	cmds := commands()
	for _, name := range []string{"serve", "call", "run", "tools", "prompts", "prompt", "config", "changes", "undo"} {
		c := cmds[name]
		fmt.Fprintf(w, "  %-28s %s\n", "agentbox "+name+" "+c.args, c.summary)
	}
	fmt.Fprintf(w, "  %-28s %s\n", "agentbox --version", "print the version")
	fmt.Fprintf(w, "  %-28s %s\n", "agentbox COMMAND --help", "the flags of a command")
}
