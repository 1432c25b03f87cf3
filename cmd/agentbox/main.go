// Command agentbox is an MCP server that gives a model Read, Write, Edit and
// Glob over one workspace directory, and nothing outside it.
//
// Usage:
//
//	agentbox [serve] [--workspace DIR] [--log-level LEVEL]
//	agentbox --version
//
// It speaks MCP over stdin and stdout; logs go to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/agentbox/agentbox/internal/server"
	"github.com/agentbox/agentbox/internal/walk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the flags say; nothing below main reads flags or the
// environment.
type config struct {
	workspace string
	logLevel  slog.Level
}

const usage = `agentbox: an MCP server with coding tools confined to one workspace

Usage:
  agentbox [serve] [flags]    serve MCP over stdin/stdout (the default)
  agentbox --version          print the version
  agentbox --help             print this help

Flags:
`

// run is main without the process: it parses args, serves, and returns the
// exit status. Tests drive it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("agentbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.workspace, "workspace", ".", "the directory the tools may touch")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log level on stderr: debug, info, warn or error")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "agentbox: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "agentbox", version())
		return 0
	}

	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	srv, err := server.New(server.Config{
		Workspace: cfg.workspace, Version: version(), Logger: log,
		GitExcludesFile: walk.ExcludesFile(os.Getenv("HOME"), os.Getenv("XDG_CONFIG_HOME")),
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer srv.Close()
	log.Info("serving MCP on stdio", "workspace", srv.Workspace().Dir(), "version", version())
	if err := srv.ServeStdio(ctx, stdin, stdout); err != nil {
		log.Error("stdio", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// version reports the module version when built with go install, else the
// VCS revision the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "dev-" + rev
}
