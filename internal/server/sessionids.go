package server

import (
	"crypto/rand"
	"errors"
	"sync"
)

// sessionIDs issues HTTP session IDs and knows which are live, so a request
// naming an ended or unknown session gets 404 and the client starts a new
// one (mcp-go's default manager accepts any well-formed ID, and its stateful
// one remembers every ended ID forever). IDs are 128 random bits.
type sessionIDs struct {
	mu   sync.Mutex
	live map[string]bool
}

var errNoSession = errors.New("no such session")

func newSessionIDs() *sessionIDs { return &sessionIDs{live: map[string]bool{}} }

// Generate issues a new session ID.
func (m *sessionIDs) Generate() string {
	id := rand.Text()
	m.mu.Lock()
	m.live[id] = true
	m.mu.Unlock()
	return id
}

// Validate accepts live sessions only.
func (m *sessionIDs) Validate(id string) (terminated bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.live[id] {
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
