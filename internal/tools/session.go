package tools

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/shell"
	"github.com/agentbox/agentbox/internal/workspace"
)

// session is what the server remembers for one MCP client session: which
// files it has seen, so Write and Edit never replace content the model has
// not read or that changed on disk since, and its Bash.
type session struct {
	mu    sync.Mutex
	files map[string]fileState // by workspace-relative path
	shell *shell.Session       // Bash: working directory and jobs
}

// fileState is what a session knew of a file when it last read or wrote it.
type fileState struct {
	size   int64
	mtime  time.Time
	sum    uint64 // contentHash of the whole content, when hashed
	hashed bool
}

// contentSeed keys contentHash for the life of the process. The hash tells
// a file touched but unchanged from one really changed; it guards against
// accidents, not adversaries, so a fast keyed 64-bit hash serves (SHA-256
// cost a tenth of a Read).
var contentSeed = maphash.MakeSeed()

func contentHash(b []byte) uint64 { return maphash.Bytes(contentSeed, b) }

// stateOf describes a file as seen now: its info and, when the whole
// content is at hand, its hash.
func stateOf(fi fs.FileInfo, content []byte) fileState {
	st := fileState{size: fi.Size(), mtime: fi.ModTime()}
	if content != nil && int64(len(content)) == fi.Size() {
		st.sum, st.hashed = contentHash(content), true
	}
	return st
}

// remember records that the session has seen rel in state st.
func (s *session) remember(rel string, st fileState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[rel] = st
}

// forget drops what the session knew of rel.
func (s *session) forget(rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.files, rel)
}

// known returns what the session knew of rel.
func (s *session) known(rel string) (fileState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.files[rel]
	return st, ok
}

var (
	errNotRead = errors.New("this session has not read the file, so it may not replace it; Read it first (any part counts), then retry")
	errChanged = errors.New("changed on disk since this session last read it")
)

// checkFresh decides whether the session may replace rel, whose info is fi.
// load returns the current content and is called only when size and
// modification time alone cannot tell, so the common case costs one stat;
// a file touched but not changed (same hash) still passes.
func (s *session) checkFresh(rel string, fi fs.FileInfo, load func() ([]byte, error)) error {
	was, ok := s.known(rel)
	if !ok {
		return errNotRead
	}
	if was.size == fi.Size() && was.mtime.Equal(fi.ModTime()) {
		return nil
	}
	if was.hashed && was.size == fi.Size() {
		if content, err := load(); err == nil && contentHash(content) == was.sum {
			s.remember(rel, stateOf(fi, content))
			return nil
		}
	}
	return fmt.Errorf("%w (%s, modified %s); Read it again, then redo the change against its current content",
		errChanged, sizeChange(was.size, fi.Size()), fi.ModTime().Format("15:04:05"))
}

func sizeChange(was, now int64) string {
	if was == now {
		return fmt.Sprintf("same size, %s", formatSize(now))
	}
	return fmt.Sprintf("was %s, now %s", formatSize(was), formatSize(now))
}

// sessionSet holds the state of every live client session. The zero value
// is not usable; call newSessionSet.
type sessionSet struct {
	sb     *sandbox.Sandbox // where the sessions' Bash commands run
	ws     *workspace.Workspace
	venv   pyenv.Finder   // the virtual environment they run with
	record shell.Recorder // records each command as a checkpoint

	mu sync.Mutex
	m  map[string]*session
}

// newSessionSet returns an empty set of the sessions of a server whose
// Bash commands run in sb (nil for none) in ws, with the virtual
// environment venv finds, each recorded by record.
func newSessionSet(sb *sandbox.Sandbox, ws *workspace.Workspace, venv pyenv.Finder, record shell.Recorder) *sessionSet {
	return &sessionSet{sb: sb, ws: ws, venv: venv, record: record, m: map[string]*session{}}
}

// of returns the session of the request in ctx, creating it on first use.
// Calls made outside any MCP session share one anonymous session.
func (ss *sessionSet) of(ctx context.Context) *session {
	id := ""
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		id = cs.SessionID()
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[id]
	if !ok {
		s = &session{files: map[string]fileState{}, shell: shell.New(ss.sb, ss.ws, ss.venv, ss.record)}
		ss.m[id] = s
	}
	return s
}

// forgetEverywhere makes every session forget the files at rels, so that
// each must Read them again before it may Write or Edit them: an Undo
// restored them.
func (ss *sessionSet) forgetEverywhere(rels []string) {
	ss.mu.Lock()
	all := make([]*session, 0, len(ss.m))
	for _, s := range ss.m {
		all = append(all, s)
	}
	ss.mu.Unlock()
	for _, s := range all {
		for _, rel := range rels {
			s.forget(rel)
		}
	}
}

// end forgets a session that has closed, stopping the commands it runs.
func (ss *sessionSet) end(id string) {
	ss.mu.Lock()
	s := ss.m[id]
	delete(ss.m, id)
	ss.mu.Unlock()
	if s != nil {
		s.shell.Close()
	}
}

// endAll forgets every session, stopping the commands they run.
func (ss *sessionSet) endAll() {
	ss.mu.Lock()
	all := make([]*session, 0, len(ss.m))
	for _, s := range ss.m {
		all = append(all, s)
	}
	clear(ss.m)
	ss.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range all {
		wg.Go(s.shell.Close)
	}
	wg.Wait()
}
