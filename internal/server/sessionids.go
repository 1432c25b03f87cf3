package server

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// sessionIDs issues HTTP session IDs, knows which are live, and how busy
// each is, so sessions whose client has gone can be ended. A request
// naming an ended or unknown session gets 404 and the client starts a new
// one. (mcp-go's default manager accepts any well-formed ID; its stateful
// one remembers every ended ID forever; and its idle sweeper counts from a
// request's start, so it would end a session under a call that runs longer
// than the idle time.) IDs are 128 random bits.
//
// It also caps the sessions open at once: an initialize request reserves a
// place (reserve) before mcp-go sees it, and the ID mcp-go then generates
// for that request fills the place (the request's context carries it to
// ResolveSessionIdManager).
type sessionIDs struct {
	mu      sync.Mutex
	live    map[string]*activity
	max     int // sessions open at once, places reserved included
	pending int // places reserved by initialize requests not yet given an ID
}

// activity is how busy a session is.
type activity struct {
	requests int       // in flight, GET streams included
	streams  int       // GET streams open
	streamed bool      // the session has had a GET stream
	last     time.Time // when the last request ended, or the session began
}

var errNoSession = errors.New("no such session")

func newSessionIDs(max int) *sessionIDs {
	return &sessionIDs{live: map[string]*activity{}, max: max}
}

// place is an initialize request's reservation of a session.
type place struct{ filled bool }

type placeKey struct{}

// reserve reserves a place for a new session, unless max are open.
func (m *sessionIDs) reserve() (*place, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.live)+m.pending >= m.max {
		return nil, false
	}
	m.pending++
	return &place{}, true
}

// release gives back a place no session took (the initialize failed).
func (m *sessionIDs) release(p *place) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !p.filled {
		p.filled = true
		m.pending--
	}
}

// ResolveSessionIdManager returns the manager for r: one that fills r's
// reserved place when r is an initialize request that has one.
func (m *sessionIDs) ResolveSessionIdManager(r *http.Request) mcpserver.SessionIdManager {
	if r != nil {
		if p, ok := r.Context().Value(placeKey{}).(*place); ok {
			return placed{m, p}
		}
	}
	return m
}

// placed is the session manager of an initialize request with a place.
type placed struct {
	*sessionIDs
	p *place
}

func (x placed) Generate() string { return x.generate(x.p) }

// Generate issues a new session ID.
func (m *sessionIDs) Generate() string { return m.generate(nil) }

func (m *sessionIDs) generate(p *place) string {
	id := rand.Text()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.live[id] = &activity{last: time.Now()}
	if p != nil && !p.filled {
		p.filled = true
		m.pending--
	}
	return id
}

// Validate accepts live sessions only.
func (m *sessionIDs) Validate(id string) (terminated bool, err error) {
	if !m.known(id) {
		return false, errNoSession
	}
	return false, nil
}

// known reports whether id is a live session.
func (m *sessionIDs) known(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live[id] != nil
}

// Terminate ends a session; clients may end their own (DELETE).
func (m *sessionIDs) Terminate(id string) (notAllowed bool, err error) {
	m.mu.Lock()
	delete(m.live, id)
	m.mu.Unlock()
	return false, nil
}

// begin notes that a request of session id has started; stream says it is
// a GET stream.
func (m *sessionIDs) begin(id string, stream bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.live[id]; a != nil {
		a.requests++
		if stream {
			a.streams++
			a.streamed = true
		}
	}
}

// end notes that a request of session id has ended.
func (m *sessionIDs) end(id string, stream bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.live[id]; a != nil {
		a.requests--
		if stream {
			a.streams--
		}
		a.last = time.Now()
	}
}

// gone ends, and returns, the sessions whose client seems gone: those with
// no request in flight for longer than idle, and those that had a GET
// stream, have none open now and no request in flight, for longer than
// grace. A client that keeps a GET stream open (Claude Code, the
// Inspector) closes it when it exits, and never sends DELETE.
func (m *sessionIDs) gone(idle, grace time.Duration) []goneSession {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []goneSession
	for id, a := range m.live {
		if a.requests > 0 {
			continue
		}
		limit, why := idle, "no request in flight for the idle time"
		if a.streamed && a.streams == 0 && grace < idle {
			limit, why = grace, "its event stream closed, and no request came within the grace period"
		}
		if time.Since(a.last) > limit {
			delete(m.live, id)
			ids = append(ids, goneSession{id, why, limit})
		}
	}
	return ids
}

// goneSession is a session to end, and why.
type goneSession struct {
	id    string
	why   string
	after time.Duration
}

// expire ends the sessions whose client is gone (sessionIDs.gone),
// checking every so often until ctx is done. A session is ended the way a
// client ends it, by a DELETE handed to mcp-go, which drops mcp-go's state
// for it and so runs the server's unregister hook, which stops its jobs.
func (s *Server) expire(ctx context.Context, ids *sessionIDs, streamable *mcpserver.StreamableHTTPServer, idle, grace time.Duration) {
	t := time.NewTicker(min(max(min(idle, grace)/4, 10*time.Millisecond), time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, g := range ids.gone(idle, grace) {
			id := g.id
			s.log.Info("ending a session: "+g.why, "session", id, "after", g.after)
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, Path, nil)
			if err != nil {
				continue
			}
			req.Header.Set(mcpserver.HeaderKeySessionID, id)
			streamable.ServeHTTP(discard{}, req)
		}
	}
}

// discard is a ResponseWriter for answers nobody reads.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
