package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/notify"
)

// HTTPConfig configures ServeHTTP.
type HTTPConfig struct {
	// Token is the bearer token every request must carry. It may be empty
	// only with NoAuth.
	Token string
	// NoAuth serves without a token, for local tools that cannot send a
	// header. It is refused on any address but loopback.
	NoAuth bool
	// SessionIdle is how long a session may go with no request in flight
	// (an open GET stream counts) before it ends and its state goes; 0 means
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// SessionGrace is how long a session lives on after its last GET
	// stream has closed, with no request in flight: a client that keeps a
	// stream open closes it when it exits. 0 means DefaultSessionGrace.
	SessionGrace time.Duration
	// MaxSessions is how many sessions may be open at once; an initialize
	// past it is refused. 0 means DefaultMaxSessions.
	MaxSessions int
	// Drain is how long shutdown waits for calls in flight before cancelling
	// them; 0 means DefaultDrain.
	Drain time.Duration
}

const (
	// DefaultSessionIdle is how long an idle HTTP session lives.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultSessionGrace is how long a session outlives its last stream.
	DefaultSessionGrace = time.Minute
	// DefaultMaxSessions is how many HTTP sessions may be open at once.
	DefaultMaxSessions = 200
	// DefaultDrain is how long shutdown waits for calls in flight.
	DefaultDrain = 5 * time.Second

	// Path is where the MCP endpoint is served.
	Path = "/mcp"

	maxBody       = 64 << 20         // one JSON-RPC message; Write takes 16 MB of content, JSON may escape it
	bodyTimeout   = 30 * time.Second // to send one request body
	heartbeat     = 30 * time.Second // ping on open GET streams: keeps proxies and the session alive
	closeDeadline = 2 * time.Second  // after the drain, for connections to close
)

// Listen opens addr for ServeHTTP. It refuses an address that is not
// loopback (":8080" and "0.0.0.0:8080" listen on every interface) unless
// allowRemote, checking the address actually bound, so a host name that
// resolves elsewhere is caught too.
func Listen(addr string, allowRemote bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if !allowRemote && !isLoopback(ln.Addr()) {
		ln.Close()
		return nil, fmt.Errorf("%s listens on %s, which other machines can reach; use 127.0.0.1:PORT for this machine only, or allow remote clients explicitly", addr, ln.Addr())
	}
	return ln, nil
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// ServeHTTP serves MCP over Streamable HTTP at Path on ln until ctx is done,
// then drains: it stops accepting connections, waits up to cfg.Drain for
// calls in flight, cancels the rest, ends every session (dropping its state
// and stopping what it runs) and returns. It closes ln.
func (s *Server) ServeHTTP(ctx context.Context, ln net.Listener, cfg HTTPConfig) error {
	s.serving.Store(true)
	switch {
	case cfg.NoAuth && !isLoopback(ln.Addr()):
		ln.Close()
		return fmt.Errorf("serving without a token is allowed only on a loopback address, not %s", ln.Addr())
	case !cfg.NoAuth && cfg.Token == "":
		ln.Close()
		return errors.New("no token to require of clients")
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionGrace <= 0 {
		cfg.SessionGrace = DefaultSessionGrace
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.Drain <= 0 {
		cfg.Drain = DefaultDrain
	}

	ids := newSessionIDs(cfg.MaxSessions)
	streamable := mcpserver.NewStreamableHTTPServer(s.mcp,
		mcpserver.WithSessionIdManagerResolver(ids),
		mcpserver.WithHeartbeatInterval(heartbeat),
		mcpserver.WithStreamableHTTPLogger(s.stderr),
		// Sessions carry state (what each has read, the jobs it runs), and
		// protocol 2026-07-28 has none: clients that probe with
		// server/discover are told to use initialize instead.
		mcpserver.WithStreamableHTTPProtocolVersions(mcp.LegacyProtocolVersions()...),
	)

	var calls inflight
	var mcpHandler http.Handler = s.endpoint(streamable, ids, &calls, cfg.MaxSessions)
	if !cfg.NoAuth {
		mcpHandler = requireToken(cfg.Token, s.stderr, mcpHandler)
	}
	// Only the MCP endpoint asks for the token. Every other path is 404,
	// OAuth's discovery paths included: a 401 there would tell clients to
	// look for an OAuth server that does not exist.
	mux := http.NewServeMux()
	mux.Handle(Path, mcpHandler)
	mux.HandleFunc("/", notFound)
	h := checkOrigin(s.stderr, mux)

	// Requests get their contexts from base, not from ctx: a signal starts
	// the drain, and only its end cancels the calls still running.
	base, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// No ReadTimeout or WriteTimeout: a call may stream for minutes.
		// Bodies get their own deadline in endpoint.
		BaseContext: func(net.Listener) context.Context { return base },
		ErrorLog:    slog.NewLogLogger(s.stderr.Handler(), slog.LevelWarn),
	}

	expiring, stopExpiring := context.WithCancel(context.Background())
	defer stopExpiring()
	go s.expire(expiring, ids, streamable, cfg.SessionIdle, cfg.SessionGrace)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		_ = streamable.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}

	// Drain: Shutdown closes the listener and idle connections at once,
	// then waits for busy ones; open GET streams stay busy until the
	// sessions end below.
	s.log.Info("stopping: no new connections; waiting for calls in flight", "calls", calls.count(), "for", cfg.Drain)
	closeCtx, cancelClose := context.WithTimeout(context.Background(), cfg.Drain+closeDeadline)
	defer cancelClose()
	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(closeCtx) }()
	timer := time.NewTimer(cfg.Drain)
	select {
	case <-calls.idle():
		timer.Stop()
	case <-timer.C:
		s.log.Warn("stopping: cancelling calls still running", "calls", calls.count())
	}
	cancelCalls()
	stopExpiring()
	_ = streamable.Shutdown(closeCtx) // ends every session, closing GET streams
	if err := <-shutdown; err != nil {
		srv.Close()
	}
	<-served
	return nil
}

// endpoint serves Path. It answers what mcp-go would get wrong itself: a
// GET or DELETE without a session (400) or naming an unknown one (404:
// mcp-go would make a session of any ID a GET names), a request naming an
// unknown session (404, saying what to do), and an initialize past
// maxSessions (503). It keeps each session's activity for the expiry. A
// POST's body is read under its own deadline and size limit, and its
// response is a postStream, so the notifications of a tool call go out on
// that call's own response, before its result.
func (s *Server) endpoint(h http.Handler, ids *sessionIDs, calls *inflight, maxSessions int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(mcpserver.HeaderKeySessionID)
		// Protocol 2026-07-28 has no sessions; mcp-go answers its requests.
		sessions := !mcp.IsModernProtocol(r.Header.Get(mcp.HeaderProtocolVersion))
		switch r.Method {
		case http.MethodGet, http.MethodDelete:
			if sessions && id == "" {
				refuse(w, http.StatusBadRequest, nil, r.Method+" "+Path+" needs the Mcp-Session-Id header of a session: send initialize (a POST) first, then use the Mcp-Session-Id its response carries")
				return
			}
			if sessions && !ids.known(id) {
				refuse(w, http.StatusNotFound, nil, unknownSession)
				return
			}
		case http.MethodPost, http.MethodHead:
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			http.Error(w, "Method Not Allowed: "+Path+" takes POST, GET and DELETE", http.StatusMethodNotAllowed)
			return
		}
		stream := r.Method == http.MethodGet
		if id != "" {
			ids.begin(id, stream)
			defer ids.end(id, stream)
		}
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		calls.add()
		defer calls.done()
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout))
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		_ = rc.SetReadDeadline(time.Time{})
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				http.Error(w, fmt.Sprintf("request body over %d MB", maxBody>>20), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read request body", http.StatusBadRequest)
			return
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.Unmarshal(body, &msg) // mcp-go answers a body that is not JSON
		switch {
		case msg.Method == string(mcp.MethodInitialize):
			p, ok := ids.reserve()
			if !ok {
				s.log.Warn("refused a new session: the most sessions allowed are open", "max", maxSessions, "remote", r.RemoteAddr)
				refuse(w, http.StatusServiceUnavailable, msg.ID, fmt.Sprintf("too many sessions: this agentbox serves at most %d at once (--max-sessions), and that many are open; end one (clients end theirs with DELETE, or by closing their event stream), or wait for idle ones to end", maxSessions))
				return
			}
			defer ids.release(p)
			r = r.WithContext(context.WithValue(r.Context(), placeKey{}, p))
		case sessions && id != "" && !ids.known(id):
			refuse(w, http.StatusNotFound, msg.ID, unknownSession)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p := newPostStream(w)
		h.ServeHTTP(p, r.WithContext(notify.WithSender(r.Context(), p.sender())))
		p.finish()
	})
}

// unknownSession is what a request naming an ended session is told.
const unknownSession = "Not Found: no such session: it has ended (its client closed it or went away, it was idle, or the server restarted); send initialize without Mcp-Session-Id to start a new one"

// refuse answers a request mcp-go does not see with status and a JSON-RPC
// error saying why, for the request id when there is one.
func refuse(w http.ResponseWriter, status int, id json.RawMessage, message string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	code := mcp.INVALID_REQUEST
	if status == http.StatusServiceUnavailable {
		code = -32000 // JSON-RPC's first implementation-defined server error
	}
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      id,
		"error":   map[string]any{"code": code, "message": message},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// inflight counts the POSTs being served, for the drain.
type inflight struct {
	mu     sync.Mutex
	n      int
	waiter chan struct{} // closed when n drops to 0
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.waiter != nil {
		close(f.waiter)
		f.waiter = nil
	}
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// idle returns a channel closed once no POST is being served.
func (f *inflight) idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	if f.n == 0 {
		close(ch)
	} else {
		f.waiter = ch
	}
	return ch
}
