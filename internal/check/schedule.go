package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/workspace"
)

// After-write checks never hold a write's result for long, and are never
// dropped without a word. AfterWrite starts the check of the file just
// written and waits for it at most Options.Timeout (30 ms by default);
// a check still running then goes on, and what it finds is kept for the
// session that wrote the file, which Pending hands to that session's next
// result. A newer write of the same file supersedes the older check: it
// is stopped, and what it found, told or not, is dropped, so no finding
// about replaced content ever reaches the model. Checks wait in a bounded
// queue per workspace; one that cannot be queued, or that runs past
// Options.Limit, is given up, and the session is told which file went
// unchecked.

// Defaults and bounds of after-write checks.
const (
	// DefaultTimeout is how long Write and Edit wait for their check.
	DefaultTimeout = 30 * time.Millisecond
	// DefaultLimit is how long one check may take, queued and running,
	// before it is given up.
	DefaultLimit = 60 * time.Second
	// QueueLimit is how many checks of one workspace may be queued or
	// running at once, and QueueBytes how much of their files; past
	// either, a write's check is given up at once.
	QueueLimit = 512
	QueueBytes = 64 << 20
)

// Write is one write of a file by a client session, whose check AfterWrite
// starts.
type Write struct {
	Rel     string    // the file, workspace-relative
	Session string    // the client session that wrote it: what its check finds late goes to this session
	Tool    string    // the tool that wrote it ("Write", "Edit"), as late findings name the change
	At      time.Time // when it was written
	// Data is the content written, when the writer has it: a checker that
	// takes content (Python's) checks it instead of reading the file, and
	// can start before the write is done (see Start).
	Data []byte

	onDisk chan struct{} // closed when the write is done; nil: it was done before the check began
}

// written waits until the write is on disk, for a check that reads the
// file after all.
func (w Write) written(ctx context.Context) error {
	if w.onDisk == nil {
		return nil
	}
	select {
	case <-w.onDisk:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// job is one after-write check.
type job struct {
	w      Write
	seq    uint64 // the order of submission
	size   int64  // the file's size when written
	disp   string
	lang   *language
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}      // closed when finished is set
	eta    chan time.Duration // the checker's estimate of the time left, when it has one

	// Guarded by scheduler.mu.
	rep        report
	finished   bool
	superseded bool // a newer write of the file, or the end of the session, made it moot
	late       bool // AfterWrite stopped waiting: the report goes to the session's inbox
}

// scheduler runs the after-write checks of one workspace.
type scheduler struct {
	base context.Context // every check's context; cancelled by close
	stop context.CancelFunc
	// oneShot lets one check at a time of a language without a warm
	// checker (one that starts processes, such as Go's type check) run.
	oneShot chan struct{}
	// learning holds a token for each Read being learned.
	learning chan struct{}

	mu     sync.Mutex
	seq    uint64
	latest map[string]*job   // by file: its newest check, until it finishes
	active int               // checks queued or running, not superseded
	bytes  int64             // the size of their files
	live   int               // checks not finished, superseded ones too
	idle   chan struct{}     // closed while live is 0
	inbox  map[string][]*job // by session: finished checks the session has not been told of
	closed bool
	wg     sync.WaitGroup
}

func newScheduler() *scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &scheduler{base: ctx, stop: cancel, oneShot: make(chan struct{}, 1), learning: make(chan struct{}, 4), latest: map[string]*job{}, idle: idle, inbox: map[string][]*job{}}
}

// AfterWrite starts the check of the file a Write or Edit just wrote, when
// it is in a language check knows, and says what it found for that
// write's result: "" when there is nothing to say yet. It returns within
// Options.Timeout, sooner when the checker expects to need longer; a check
// still running then goes on (see Pending). ctx is the write's call: when
// it ends, AfterWrite returns at once, and the check goes on all the same.
func (c *Checker) AfterWrite(ctx context.Context, w Write) string {
	return c.Start(w).Wait(ctx)
}

// Started is an after-write check begun by Start, whose write may still
// be under way.
type Started struct {
	c    *Checker
	w    Write
	lang *language
	j    *job   // nil until submitted
	note string // what submit said of a check it could not queue
	sent bool   // submitted
}

// Start begins the check of a write about to be made: w.Data holds the
// content being written. A language whose checker takes content (Python)
// starts checking at once, while the file is written and its checkpoint
// recorded; one that checks what is on disk (Go) starts when Wait is
// called, after the write. Wait then says what it found; Drop stops it
// when the write failed. It returns nil for a file in no language check
// knows; the methods of a nil Started do nothing.
func (c *Checker) Start(w Write) *Started {
	lang := languageOf(w.Rel)
	if lang == nil {
		return nil
	}
	st := &Started{c: c, w: w, lang: lang}
	if lang.takesContent && w.Data != nil {
		st.w.onDisk = make(chan struct{})
		st.submit()
	}
	return st
}

func (st *Started) submit() {
	st.sent = true
	st.j, st.note = st.c.sched.submit(st.c, st.w, st.lang)
}

// Wait waits for the check as AfterWrite does, and says what it found
// for the write's result: "" when there is nothing to say yet.
func (st *Started) Wait(ctx context.Context) string {
	if st == nil {
		return ""
	}
	if !st.sent {
		st.submit()
	}
	if st.w.onDisk != nil {
		close(st.w.onDisk)
	}
	if st.j == nil {
		return st.note
	}
	return st.c.await(ctx, st.j)
}

// Drop stops a check whose write failed: nothing it finds is told.
func (st *Started) Drop() {
	if st == nil || st.j == nil {
		return
	}
	s := st.c.sched
	s.mu.Lock()
	switch {
	case st.j.finished:
		// Counted out already, and told to no one: AfterWrite's wait, the
		// only way to the inbox, never began.
	case !st.j.superseded:
		st.j.superseded = true
		s.uncount(st.j)
	}
	s.mu.Unlock()
	st.j.cancel()
}

// await waits for j as AfterWrite does, and says what it found, or ""
// if it is to be told later.
func (c *Checker) await(ctx context.Context, j *job) string {
	deadline := time.Now().Add(c.timeout())
	timer := time.NewTimer(c.timeout())
	defer timer.Stop()
wait:
	for {
		select {
		case <-j.done:
			break wait
		case eta := <-j.eta:
			if eta > time.Until(deadline) {
				break wait // it will not finish in time: do not wait for nothing
			}
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	s := c.sched
	s.mu.Lock()
	if !j.finished {
		j.late = true
		s.mu.Unlock()
		return ""
	}
	stale := j.superseded
	s.mu.Unlock()
	if stale {
		return ""
	}
	return c.afterWriteNote(j.disp, j.rep, "")
}

// Pending returns what the checks of session's earlier writes found after
// those writes' results had gone, for the session's next result, and
// forgets it: "" when there is nothing to tell. Each part names the write
// it belongs to.
func (c *Checker) Pending(session string) string {
	s := c.sched
	s.mu.Lock()
	jobs := s.inbox[session]
	delete(s.inbox, session)
	s.mu.Unlock()
	slices.SortFunc(jobs, func(a, b *job) int { return cmp.Compare(a.seq, b.seq) }) // in the order of the writes
	var notes, more []string
	size := 0
	for _, j := range jobs {
		note := c.lateNote(j)
		switch {
		case note == "":
		case size+len(note) > LateMax && len(notes) > 0:
			more = append(more, j.disp)
		default:
			notes = append(notes, note)
			size += len(note)
		}
	}
	if len(more) > 0 {
		notes = append(notes, fmt.Sprintf("(The checks of %s you changed have more to tell, left out here for room: %s. Call Diagnostics on them.)", plural(len(more), "more file"), strings.Join(more, ", ")))
	}
	return strings.Join(notes, "\n\n")
}

// LateMax bounds what Pending tells at once; the files past it are only
// named.
const LateMax = 8 << 10

// EndSession forgets what the checks of a closed session's writes found
// and were to tell it.
func (c *Checker) EndSession(session string) {
	s := c.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.inbox, session)
	for _, j := range s.latest {
		if j.w.Session == session && !j.superseded {
			// Its report would go nowhere: it need not be kept, but the
			// check goes on, for what it teaches the warm checker.
			j.superseded = true
			s.uncount(j)
		}
	}
}

// Read tells the checker of a file the model has read, which it may edit
// next: a warm checker (Python's) starts, if it has not, and learns the
// file in the background, so that the check after the file's first edit
// pays no interpreter start, and finds a syntax error by compiling only
// what the edit touched. It returns at once, with a channel closed when
// the learning has ended; the learning yields to every check, and is
// skipped when several are under way already.
func (c *Checker) Read(rel string) <-chan struct{} {
	done := make(chan struct{})
	lang := languageOf(rel)
	if lang == nil || lang.read == nil {
		close(done)
		return done
	}
	s := c.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(done)
		return done
	}
	select {
	case s.learning <- struct{}{}:
	default:
		close(done)
		return done
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		defer func() { <-s.learning }()
		ctx, cancel := context.WithTimeout(s.base, learnLimit)
		defer cancel()
		lang.read(ctx, c, rel)
	}()
	return done
}

// learnLimit bounds one Read's learning, the checker's start included.
const learnLimit = 30 * time.Second

// Idle waits until no after-write check is queued or running.
func (c *Checker) Idle(ctx context.Context) error {
	s := c.sched
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// submit queues the check of a write, superseding the file's older check,
// and starts it. A check that cannot be queued is not started: submit
// then returns nil and the note that says so.
func (s *scheduler) submit(c *Checker, w Write, lang *language) (*job, string) {
	disp := workspace.Display(w.Rel)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ""
	}
	if old := s.latest[w.Rel]; old != nil && !old.superseded {
		old.superseded = true
		s.uncount(old)
		old.cancel()
	}
	for session, jobs := range s.inbox {
		// Told or not, what older checks found of the file is stale now.
		jobs = slices.DeleteFunc(jobs, func(o *job) bool { return o.w.Rel == w.Rel })
		if len(jobs) == 0 {
			delete(s.inbox, session)
		} else {
			s.inbox[session] = jobs
		}
	}
	size := int64(len(w.Data))
	if w.Data == nil {
		if fi, err := c.ws.Stat(w.Rel); err == nil {
			size = fi.Size()
		}
	}
	full := ""
	switch {
	case s.active >= QueueLimit:
		full = fmt.Sprintf("%d checks of this workspace are already queued or running", s.active)
	case s.active > 0 && s.bytes+size > QueueBytes:
		full = fmt.Sprintf("the checks queued or running in this workspace already hold %d MB of files", s.bytes>>20)
	}
	if full != "" {
		return nil, "The change is saved; " + disp + " was not checked: " + full + ". Call Diagnostics on it to check it."
	}
	ctx, cancel := context.WithTimeout(s.base, c.limit())
	s.seq++
	j := &job{w: w, seq: s.seq, size: size, disp: disp, lang: lang, ctx: ctx, cancel: cancel, done: make(chan struct{}), eta: make(chan time.Duration, 1)}
	s.latest[w.Rel] = j
	s.active++
	s.bytes += size
	if s.live == 0 {
		s.idle = make(chan struct{})
	}
	s.live++
	s.wg.Add(1)
	go s.run(c, j)
	return j, ""
}

// run runs one check and files its report: for AfterWrite, if it still
// waits, else in the session's inbox.
func (s *scheduler) run(c *Checker, j *job) {
	defer s.wg.Done()
	defer j.cancel()
	var r report
	if j.lang.writtenETA != nil {
		r = j.lang.writtenETA(j.ctx, c, j.w, func(eta time.Duration) {
			select {
			case j.eta <- eta:
			default:
			}
		})
	} else {
		select {
		case s.oneShot <- struct{}{}:
			r = j.lang.written(j.ctx, c, j.w.Rel)
			<-s.oneShot
		case <-j.ctx.Done():
		}
	}
	if errors.Is(j.ctx.Err(), context.DeadlineExceeded) {
		r = report{givenUp: fmt.Sprintf("it did not finish within the %s a check may take", seconds(c.limit()))}
	}

	s.mu.Lock()
	j.rep, j.finished = r, true
	if s.latest[j.w.Rel] == j {
		delete(s.latest, j.w.Rel)
	}
	if !j.superseded {
		s.uncount(j)
		if j.late && !s.closed {
			s.inbox[j.w.Session] = append(s.inbox[j.w.Session], j)
		}
	}
	s.live--
	if s.live == 0 {
		close(s.idle)
	}
	s.mu.Unlock()
	close(j.done)
}

// uncount takes j out of the count of checks under way, when it has
// finished or been superseded. The caller holds s.mu.
func (s *scheduler) uncount(j *job) {
	s.active--
	s.bytes -= j.size
}

// close stops every check and waits for them to end.
func (s *scheduler) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}

// lateNote words the report of a check that finished after its write's
// result had gone, naming the write: "" when there is nothing to say.
func (c *Checker) lateNote(j *job) string {
	return c.afterWriteNote(j.disp, j.rep, fmt.Sprintf("Checks of %s after your %s at %s", j.disp, j.w.Tool, j.w.At.Format("15:04:05")))
}
