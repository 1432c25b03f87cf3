// Command conformance-server is agentbox's server with the conformance
// suite's fixtures added (see package conformance), for scripts/conformance.sh
// only: it is not part of the product. It serves Streamable HTTP without a
// token on a loopback address until SIGINT or SIGTERM.
//
//	conformance-server --http 127.0.0.1:PORT [--workspace DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/agentbox/agentbox/internal/conformance"
	"github.com/agentbox/agentbox/internal/server"
)

func main() {
	addr := flag.String("http", "127.0.0.1:0", "loopback `address` to serve on")
	workspace := flag.String("workspace", "", "workspace `dir`ectory (default: a new temporary one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *workspace); err != nil {
		fmt.Fprintln(os.Stderr, "conformance-server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, workspace string) error {
	if workspace == "" {
		dir, err := os.MkdirTemp("", "agentbox-conformance")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		workspace = dir
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(server.Config{Workspace: workspace, Version: "conformance", Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	conformance.Register(srv.MCP(), srv.Logger())
	ln, err := server.Listen(addr, false)
	if err != nil {
		return err
	}
	log.Info("serving conformance fixtures", "url", "http://"+ln.Addr().String()+server.Path)
	return srv.ServeHTTP(ctx, ln, server.HTTPConfig{NoAuth: true})
}
