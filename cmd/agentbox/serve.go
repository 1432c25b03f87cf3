package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/agentbox/agentbox/internal/server"
)

// httpFlags are the flags of serving over HTTP.
type httpFlags struct {
	addr        string
	tokenFile   string
	noAuth      bool
	allowRemote bool
	sessionIdle time.Duration
	// sessionGrace is how long a session outlives its last event stream.
	sessionGrace time.Duration
	maxSessions  int
}

func (h *httpFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.addr, "http", "", "serve Streamable HTTP at http://`addr`/mcp (e.g. 127.0.0.1:8080) instead of stdio")
	fs.StringVar(&h.tokenFile, "token-file", "", "read the bearer token clients must send from `file` (else $AGENTBOX_TOKEN, else a new one is printed)")
	fs.BoolVar(&h.noAuth, "no-auth", false, "serve HTTP without a token, for local tools that cannot send one (loopback only)")
	fs.BoolVar(&h.allowRemote, "allow-remote", false, "allow --http on an address other machines can reach")
	fs.DurationVar(&h.sessionIdle, "session-idle", server.DefaultSessionIdle, "end an HTTP session (what it has read, anything it runs) after this long with no request in flight")
	fs.DurationVar(&h.sessionGrace, "session-grace", server.DefaultSessionGrace, "end an HTTP session this long after its client's event stream (GET) closed, with no request in flight: the client has gone")
	fs.IntVar(&h.maxSessions, "max-sessions", server.DefaultMaxSessions, "refuse a new HTTP session while `N` are open")
}

// minTokenLen is the shortest token accepted from a file or the environment.
const minTokenLen = 16

// serveFlags returns the flags of serve.
func serveFlags(e *env, cfg *config, h *httpFlags) (fs *flag.FlagSet, showVersion *bool) {
	fs = flags(e, "serve", cfg)
	h.register(fs)
	return fs, fs.Bool("version", false, "print the version and exit")
}

// serveCmd serves MCP over stdin and stdout, or over HTTP with --http, until
// stdin closes (stdio) or a signal arrives.
func serveCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	var h httpFlags
	fs, showVersion := serveFlags(e, &cfg, &h)
	args, code := parse(e, fs, args, "[flags]")
	if code >= 0 {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "agentbox: unexpected argument %q\n", args[0])
		badUsage(e, fs)
		return 2
	}
	if *showVersion {
		fmt.Fprintln(e.stdout, versionLine())
		return 0
	}
	if h.addr == "" && (h.tokenFile != "" || h.noAuth || h.allowRemote) {
		fmt.Fprintln(e.stderr, "agentbox: --token-file, --no-auth and --allow-remote go with --http ADDR")
		return 2
	}
	if h.sessionIdle <= 0 {
		fmt.Fprintf(e.stderr, "agentbox: --session-idle %v: give a positive duration, such as 30m\n", h.sessionIdle)
		return 2
	}
	if h.sessionGrace <= 0 {
		fmt.Fprintf(e.stderr, "agentbox: --session-grace %v: give a positive duration, such as 1m\n", h.sessionGrace)
		return 2
	}
	if h.maxSessions <= 0 {
		fmt.Fprintf(e.stderr, "agentbox: --max-sessions %d: give a positive number, such as 200\n", h.maxSessions)
		return 2
	}
	if h.noAuth && h.tokenFile != "" {
		fmt.Fprintln(e.stderr, "agentbox: --no-auth and --token-file contradict each other")
		return 2
	}
	log := cfg.logger(e)
	srv, err := cfg.start(log)
	if err != nil {
		return startFailed(e, log, err)
	}
	defer srv.Close()
	if h.addr != "" {
		return serveHTTP(ctx, e, log, srv, h)
	}
	log.Info("serving MCP on stdio", "workspace", srv.Workspace().Dir(), "version", version())
	if err := srv.ServeStdio(ctx, e.stdin, e.stdout); err != nil {
		log.Error("stdio", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// serveHTTP serves srv at h.addr until ctx is done.
func serveHTTP(ctx context.Context, e *env, log *slog.Logger, srv *server.Server, h httpFlags) int {
	token, generated, err := h.token(e)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	ln, err := server.Listen(h.addr, h.allowRemote)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if h.tokenFile != "" {
		if fi, err := os.Stat(h.tokenFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("the token file can be read by other users; chmod 600 it", "file", h.tokenFile, "mode", fi.Mode().Perm())
		}
	}
	url := "http://" + ln.Addr().String() + server.Path
	remote := !ln.Addr().(*net.TCPAddr).IP.IsLoopback()
	switch {
	case h.noAuth:
		log.Warn("NO AUTHENTICATION: any program on this machine that can reach " + url + " can read and change the workspace")
	case generated:
		fmt.Fprintf(e.stderr, "\nagentbox: clients must send this token (set AGENTBOX_TOKEN or --token-file to keep one across restarts):\n\n"+
			"    Authorization: Bearer %s\n\n"+
			"  e.g. claude mcp add --transport http agentbox %s --header \"Authorization: Bearer %s\"\n\n", token, url, token)
	}
	if remote {
		log.Warn("serving on an address other machines can reach, over plain HTTP: the token and everything the tools read cross the network unencrypted; put a TLS proxy in front")
	}
	log.Info("serving MCP over HTTP", "url", url, "workspace", srv.Workspace().Dir(), "version", version())
	err = srv.ServeHTTP(ctx, ln, server.HTTPConfig{Token: token, NoAuth: h.noAuth, SessionIdle: h.sessionIdle, SessionGrace: h.sessionGrace, MaxSessions: h.maxSessions})
	if err != nil {
		log.Error("http", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// token returns the token clients must send: from --token-file, else from
// $AGENTBOX_TOKEN, else a new one (generated reports which).
func (h httpFlags) token(e *env) (token string, generated bool, err error) {
	if h.noAuth {
		return "", false, nil
	}
	if h.tokenFile != "" {
		b, err := os.ReadFile(h.tokenFile)
		if err != nil {
			return "", false, fmt.Errorf("--token-file: %w", err)
		}
		return checkToken(strings.TrimSpace(string(b)), "--token-file "+h.tokenFile)
	}
	if t := e.getenv("AGENTBOX_TOKEN"); t != "" {
		return checkToken(strings.TrimSpace(t), "AGENTBOX_TOKEN")
	}
	return server.NewToken(), true, nil
}

func checkToken(t, from string) (string, bool, error) {
	switch {
	case t == "":
		return "", false, fmt.Errorf("%s: the token is empty", from)
	case len(t) < minTokenLen:
		return "", false, fmt.Errorf("%s: the token has %d characters; use at least %d (openssl rand -hex 32 makes a good one)", from, len(t), minTokenLen)
	case strings.ContainsAny(t, " \t\r\n"):
		return "", false, fmt.Errorf("%s: the token contains white space; clients cannot send that in a header", from)
	}
	return t, false, nil
}
