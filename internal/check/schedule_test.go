package check

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noWait is a Timeout that makes AfterWrite return at once, so that every
// check finishes late.
const noWait = time.Nanosecond

// writeAs writes name for session and returns what AfterWrite says.
func (f *fixture) writeAs(session, name, content string) string {
	f.t.Helper()
	f.write(name, content)
	return f.c.AfterWrite(f.t.Context(), Write{Rel: name, Session: session, Tool: "Edit", At: time.Now()})
}

// idle waits until no check is under way.
func (f *fixture) idle() {
	f.t.Helper()
	require.NoError(f.t, f.c.Idle(f.t.Context()))
}

func TestLateFindingsGoToTheNextResult(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python, Timeout: noWait})

	assert.Empty(t, f.writeAs("s1", "svc/app.py", "def handler(req):\n    return respond(req)\n"), "the write does not wait")
	f.idle()
	assert.Empty(t, f.c.Pending("s2"), "another session is not told")
	got := f.c.Pending("s1")
	assert.Regexp(t, `^Checks of svc/app.py after your Edit at \d\d:\d\d:\d\d found problems \(python3\.\d+\.\d+ compile, pyflakes\): 1 in svc/app.py:\n`+
		`svc/app.py:2:12: undefined name 'respond' \(pyflakes\)$`, got)
	assert.Empty(t, f.c.Pending("s1"), "a session is told once")

	t.Run("a fix is told too, as the problems were", func(t *testing.T) {
		f.writeAs("s1", "svc/app.py", "def handler(req):\n    return req\n")
		f.idle()
		assert.Regexp(t, `^Checks of svc/app.py after your Edit at \d\d:\d\d:\d\d: no problems left \(python3\.\d+\.\d+ compile, pyflakes\)\.$`, f.c.Pending("s1"))
	})
	t.Run("a clean file is not told of", func(t *testing.T) {
		f.writeAs("s1", "svc/other.py", "x = 1\n")
		f.idle()
		assert.Empty(t, f.c.Pending("s1"))
	})
	t.Run("the checks of several files are told together, in order", func(t *testing.T) {
		f.writeAs("s1", "a.py", "print(aa)\n")
		f.writeAs("s1", "b.py", "print(bb)\n")
		f.idle()
		got := f.c.Pending("s1")
		assert.Regexp(t, `(?s)^Checks of a.py after .*a.py:1:7: undefined name 'aa' \(pyflakes\)\n\nChecks of b.py after .*b.py:1:7: undefined name 'bb' \(pyflakes\)$`, got)
	})
	t.Run("an ended session's findings are dropped", func(t *testing.T) {
		f.writeAs("s3", "c.py", "print(cc)\n")
		f.c.EndSession("s3")
		f.idle()
		assert.Empty(t, f.c.Pending("s3"))
	})
}

// TestSupersededChecksTellNothing edits one file twice in a row, each
// time with an undefined name of its own: only the second edit's is
// told, whether the first check was still running, or had finished but
// not been told, when the second edit came. (While the first write still
// waits for its check: TestSupersededWhileTheWriteWaits.)
func TestSupersededChecksTellNothing(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python, Timeout: noWait})
	big := corpus.PythonTests(5000)

	t.Run("while it runs", func(t *testing.T) {
		f.writeAs("s1", "app.py", big+"print(first_name)\n")
		f.writeAs("s1", "app.py", big+"print(second_name)\n")
		f.idle()
		got := f.c.Pending("s1")
		assert.Contains(t, got, "undefined name 'second_name'")
		assert.NotContains(t, got, "first_name")
	})
	t.Run("once finished, before it was told", func(t *testing.T) {
		f.writeAs("s1", "small.py", "print(third_name)\n")
		f.idle()
		f.writeAs("s2", "small.py", "print(fourth_name)\n") // another session's edit supersedes it too
		f.idle()
		assert.Empty(t, f.c.Pending("s1"), "what s1's check found is about content that is gone")
		got := f.c.Pending("s2")
		assert.Contains(t, got, "undefined name 'fourth_name'")
		assert.NotContains(t, got, "third_name")
	})
}

// TestChecksQueueBounded fills the queue with checks of a checker that
// never answers: the write past the limit is told at once that its file
// was not checked, while a newer write of a queued file takes its older
// check's place. (A check given up at its time limit is told later: see
// TestAfterWriteGivenUp.)
func TestChecksQueueBounded(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	// It says hello as checkpy.py does, then reads nothing.
	hello := `{"hello": {"version": "3.99.0", "executable": "", "pyflakes": "9"}}`
	require.NoError(t, os.WriteFile(filepath.Join(bin, "python3"), []byte("#!/bin/sh\necho '"+hello+"'\nexec sleep 600\n"), 0o755))
	f := newFixture(t, Options{Timeout: noWait, Limit: time.Hour, Env: []string{"PATH=" + bin + ":/usr/bin:/bin"}})
	for i := range QueueLimit {
		require.Empty(t, f.writeAs("s1", fmt.Sprintf("m%03d.py", i), "x = 1\n"))
	}
	got := f.writeAs("s1", "over.py", "x = 1\n")
	assert.Equal(t, fmt.Sprintf("The change is saved; over.py was not checked: %d checks of this workspace are already queued or running. Call Diagnostics on it to check it.", QueueLimit), got)
	assert.Empty(t, f.writeAs("s1", "m007.py", "x = 2\n"), "a newer write of a queued file is queued in its older check's place")
	f.c.Close()
	assert.Empty(t, f.c.Pending("s1"), "checks ended by the server's end tell nothing")
}

// TestStartChecksTheContentGiven starts checks the way Write and Edit do,
// with the content being written, before it is on disk: the check reads
// the content given, not the file, and a check whose write failed (Drop)
// tells nothing, then or later.
func TestStartChecksTheContentGiven(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python})
	f.write("app.py", "def handler(req):\n    return req\n") // what the disk holds while the write is under way

	st := f.c.Start(Write{Rel: "app.py", Session: "s1", Tool: "Edit", At: time.Now(), Data: []byte("def handler(req):\n    return respond(req)\n")})
	require.NotNil(t, st)
	got := st.Wait(t.Context())
	assert.Contains(t, got, "app.py:2:12: undefined name 'respond' (pyflakes)", "the content given is checked, not the file on disk")

	t.Run("a dropped check tells nothing", func(t *testing.T) {
		st := f.c.Start(Write{Rel: "app.py", Session: "s1", Tool: "Edit", At: time.Now(), Data: []byte("print(never_written)\n")})
		st.Drop()
		f.idle()
		assert.Empty(t, f.c.Pending("s1"))
	})
	t.Run("dropped after it finished, it is counted out once", func(t *testing.T) {
		st := f.c.Start(Write{Rel: "app.py", Session: "s1", Tool: "Edit", At: time.Now(), Data: []byte("print(never_written_either)\n")})
		f.idle()
		st.Drop()
		assert.Empty(t, f.c.Pending("s1"))
		f.c.sched.mu.Lock()
		defer f.c.sched.mu.Unlock()
		assert.Zero(t, f.c.sched.active, "checks under way")
		assert.Zero(t, f.c.sched.bytes, "their bytes")
	})
	t.Run("a file in no language checked is not started", func(t *testing.T) {
		assert.Nil(t, f.c.Start(Write{Rel: "notes.txt", Session: "s1", Data: []byte("x")}))
		var none *Started
		assert.Empty(t, none.Wait(t.Context()), "a nil Started says nothing")
		none.Drop()
	})
}
