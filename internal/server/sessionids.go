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

// sessionIDs issues HTTP session IDs, knows which are live, and when each
// was last busy, so idle sessions can be ended. A request naming an ended or
// unknown session gets 404 and the client starts a new one. (mcp-go's
// default manager accepts any well-formed ID; its stateful one remembers
// every ended ID forever; and its idle sweeper counts from a request's
// start, so it would end a session under a call that runs longer than the
// idle time.) IDs are 128 random bits.
type sessionIDs struct {
	mu   sync.Mutex
	live map[string]*activity
}

// activity is how busy a session is.
type activity struct {
	requests int       // in flight, GET streams included
	last     time.Time // when the last one ended, or the session began
}

var errNoSession = errors.New("no such session")

func newSessionIDs() *sessionIDs { return &sessionIDs{live: map[string]*activity{}} }

// Generate issues a new session ID.
func (m *sessionIDs) Generate() string {
	id := rand.Text()
	m.mu.Lock()
	m.live[id] = &activity{last: time.Now()}
	m.mu.Unlock()
	return id
}

// Validate accepts live sessions only.
func (m *sessionIDs) Validate(id string) (terminated bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live[id] == nil {
		return false, errNoSession
	}
	return false, nil
}

// Terminate ends a session; clients may end their own (DELETE).
func (m *sessionIDs) Terminate(id string) (notAllowed bool, err error) {
	m.mu.Lock()
	delete(m.live, id)
	m.mu.Unlock()
	return false, nil
}

// begin notes that a request of session id has started.
func (m *sessionIDs) begin(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.live[id]; a != nil {
		a.requests++
	}
}

// end notes that a request of session id has ended.
func (m *sessionIDs) end(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a := m.live[id]; a != nil {
		a.requests--
		a.last = time.Now()
	}
}

// idle ends, and returns, the sessions that have had no request in flight
// for longer than ttl.
func (m *sessionIDs) idle(ttl time.Duration) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, a := range m.live {
		if a.requests == 0 && time.Since(a.last) > ttl {
			delete(m.live, id)
			ids = append(ids, id)
		}
	}
	return ids
}

// expire ends the sessions idle for longer than ttl, checking every so
// often until ctx is done. A session is ended the way a client ends it, by
// a DELETE handed to mcp-go, which drops mcp-go's state for it and so runs
// the server's unregister hook.
func (s *Server) expire(ctx context.Context, ids *sessionIDs, streamable *mcpserver.StreamableHTTPServer, ttl time.Duration) {
	t := time.NewTicker(min(max(ttl/4, 10*time.Millisecond), time.Minute))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, id := range ids.idle(ttl) {
			s.log.Info("ending an idle session", "session", id, "idle", ttl)
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
