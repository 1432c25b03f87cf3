package main

import (
	"context"
	"fmt"
)

// serveCmd serves MCP over stdin and stdout until stdin closes or a signal
// arrives.
func serveCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "serve", &cfg)
	showVersion := fs.Bool("version", false, "print the version and exit")
	args, code := parse(e, fs, args, "[flags]")
	if code >= 0 {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "agentbox: unexpected argument %q\n", args[0])
		fs.Usage()
		return 2
	}
	if *showVersion {
		fmt.Fprintln(e.stdout, "agentbox", version())
		return 0
	}
	log := cfg.logger(e)
	srv, err := cfg.start(log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer srv.Close()
	log.Info("serving MCP on stdio", "workspace", srv.Workspace().Dir(), "version", version())
	if err := srv.ServeStdio(ctx, e.stdin, e.stdout); err != nil {
		log.Error("stdio", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
