// Command agentbox is an MCP server that gives a model coding tools over
// one workspace directory, and nothing outside it.
//
// Usage:
//
//	agentbox [serve] [flags]    serve MCP over stdin/stdout (the default)
//	agentbox serve --http ADDR  serve MCP over Streamable HTTP at http://ADDR/mcp
//	agentbox help [COMMAND]     the commands, or one command's flags
//	agentbox --version
//
// Flags may come before the command too: agentbox --workspace DIR call ...
// Logs go to stderr; over stdio, stdout is the protocol.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
)

func main() {
	sandbox.Main() // when started as the Bash sandbox's launcher, this never returns
	gocheck.Main() // nor when started as the Go checker, in the sandbox
	deferFirstGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal drains; a second one stops at once
	}()
	code := run(ctx, &env{stdin: pollableStdin(), stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
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
		"help":    {"[COMMAND]", "show this, or a command's flags", helpCmd},
	}
}

// run is main without the process: it picks the subcommand, runs it, and
// returns the exit status: 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, e *env, args []string) int {
	name, args := splitCommand(e, args)
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(e.stderr, "agentbox: unknown command %q; run 'agentbox help' for the commands\n", name)
		return 2
	}
	return cmd.run(ctx, e, args)
}

// splitCommand finds the command in args, "serve" when there is none: the
// first argument that is not a flag or a flag's value. Flags before it are
// the command's as much as those after (agentbox --workspace DIR call
// Read ...), so they are passed on with the rest.
func splitCommand(e *env, args []string) (string, []string) {
	var cfg config
	var h httpFlags
	known, _ := serveFlags(&env{stderr: io.Discard, getenv: e.getenv}, &cfg, &h)
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return a, append(slices.Clone(args[:i]), args[i+1:]...)
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := known.Lookup(name)
		if f == nil {
			break // not serve's: let serve's parse say so
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the flag's value
		}
	}
	return "serve", args
}

// helpCmd prints the command summary, or one command's help, on stdout.
func helpCmd(ctx context.Context, e *env, args []string) int {
	switch {
	case len(args) == 0:
		usage(e.stdout)
		return 0
	case len(args) > 1:
		fmt.Fprintln(e.stderr, "agentbox help: name one command, or none")
		return 2
	}
	cmd, ok := commands()[args[0]]
	if !ok || args[0] == "help" {
		if ok {
			usage(e.stdout)
			return 0
		}
		fmt.Fprintf(e.stderr, "agentbox help: unknown command %q; run 'agentbox help' for the commands\n", args[0])
		return 2
	}
	return cmd.run(ctx, e, []string{"--help"})
}

// usage prints the command summary.
func usage(w io.Writer) {
	fmt.Fprintf(w, "agentbox: an MCP server with coding tools confined to one workspace\n\nUsage:\n")
	cmds := commands()
	for _, name := range []string{"serve", "call", "run", "tools", "prompts", "prompt", "config", "changes", "undo", "help"} {
		c := cmds[name]
		fmt.Fprintf(w, "  %-28s %s\n", "agentbox "+name+" "+c.args, c.summary)
	}
	fmt.Fprintf(w, "  %-28s %s\n", "agentbox --version", "print the version")
	fmt.Fprintf(w, "  %-28s %s\n", "agentbox COMMAND --help", "the flags of a command")
	fmt.Fprintf(w, "\nFlags go before or after the command. The workspace is --workspace DIR; without it,\n"+
		"$CLAUDE_PROJECT_DIR (set by Claude Code), else the current directory, unless that is /,\n"+
		"your home directory or a system directory: then agentbox refuses to start.\n")
}
