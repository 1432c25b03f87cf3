package shell

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// newSession returns a session's shell on a fresh workspace, its commands
// run in a sandbox, and the workspace's directory.
func newSession(t *testing.T) (*Session, string) {
	t.Helper()
	dir := t.TempDir()
	sh := New(testutil.Sandbox(t, dir, sandbox.Config{}), testutil.Workspace(t, dir), pyenv.Finder{}, nil)
	t.Cleanup(sh.Close)
	return sh, dir
}

// run runs command in the foreground and returns its job once it ended.
func run(t *testing.T, sh *Session, command string) *Job {
	t.Helper()
	j, _, err := sh.Start(t.Context(), command, time.Minute, false)
	require.NoError(t, err)
	<-j.Done()
	require.NoError(t, j.Err())
	return j
}

func TestSession(t *testing.T) {
	t.Parallel()
	sh, dir := newSession(t)

	t.Run("runs a command and keeps its output", func(t *testing.T) {
		j := run(t, sh, "echo hello; echo oops >&2; exit 3")
		assert.Equal(t, Exited, j.Why())
		assert.Equal(t, 3, j.Exit().Code)
		text, _, cut := j.Output().Clip(1000, nil)
		assert.False(t, cut)
		assert.Equal(t, "hello\noops", text)
		assert.Regexp(t, `^exited with code 3 after \d`, j.Status(time.Now()))
		sh.Drop(j)
	})
	t.Run("the working directory carries to the next command", func(t *testing.T) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
		j := run(t, sh, "cd sub")
		assert.Empty(t, sh.Moved(j.Exit().Dir))
		j = run(t, sh, "pwd")
		text, _, _ := j.Output().Clip(1000, nil)
		assert.True(t, strings.HasSuffix(text, "/sub"), text)
	})
	t.Run("a directory outside the workspace is not kept", func(t *testing.T) {
		notes := sh.Moved("/")
		assert.Equal(t, []string{"[Shell cwd was reset to the workspace root: the command ended in /, outside the workspace.]"}, notes)
	})
	t.Run("a working directory that is gone is noted", func(t *testing.T) {
		require.NoError(t, os.Mkdir(filepath.Join(dir, "gone"), 0o755))
		sh.Moved(filepath.Join(dir, "gone"))
		require.NoError(t, os.Remove(filepath.Join(dir, "gone")))
		j, notes, err := sh.Start(t.Context(), "true", time.Minute, false)
		require.NoError(t, err)
		<-j.Done()
		assert.Equal(t, []string{"[The working directory gone is gone, so this command ran in the workspace root.]"}, notes)
	})
}

func TestSessionJobs(t *testing.T) {
	t.Parallel()
	sh, _ := newSession(t)
	_, err := sh.Find("b9")
	assert.EqualError(t, err, "b9: no such job in this session, which has none; start one with Bash and run_in_background: true")

	var jobs []*Job
	for range maxJobs {
		j, _, err := sh.Start(t.Context(), "sleep 60", 0, true)
		require.NoError(t, err)
		jobs = append(jobs, j)
	}
	_, _, err = sh.Start(t.Context(), "sleep 60", 0, true)
	assert.ErrorContains(t, err, "already runs 10 background jobs")

	found, err := sh.Find(jobs[0].ID())
	require.NoError(t, err)
	assert.Same(t, jobs[0], found)
	sh.Stop(found)
	assert.Equal(t, Stopped, found.Why())
	assert.Regexp(t, `^stopped by KillShell after `, found.Status(time.Now()))

	j, _, err := sh.Start(t.Context(), "sleep 60", 0, true)
	require.NoError(t, err, "a stopped job makes room")
	assert.Equal(t, "b11", j.ID())

	sh.Close()
	for _, j := range append(jobs, j) {
		<-j.Done() // every job ends with the session
	}
	_, _, err = sh.Start(t.Context(), "true", 0, false)
	assert.ErrorIs(t, err, errShellEnded)
}

func TestSessionTimeout(t *testing.T) {
	t.Parallel()
	sh, _ := newSession(t)
	j, _, err := sh.Start(t.Context(), "sleep 60", 2*time.Second, false)
	require.NoError(t, err)
	<-j.Done()
	assert.Equal(t, TimedOut, j.Why())
}

func TestRoundDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond:  "850ms",
		3210 * time.Millisecond: "3.2s",
		125 * time.Second:       "2m5s",
		2 * time.Minute:         "2m",
		time.Hour:               "1h",
		time.Hour + time.Minute: "1h1m",
		90*time.Minute + 5e9:    "1h30m5s",
	} {
		assert.Equal(t, want, RoundDuration(d), "%v", d)
	}
}

// TestSessionRecorder checks the checkpoint hook: it is called before a
// command starts, with the command, and its end is called once the command
// and what it started are gone, before Done is closed, for a background job
// as for a foreground one.
func TestSessionRecorder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	type event struct {
		command string
		files   []string // the workspace when the hook ran
		ended   bool
	}
	events := make(chan event, 4)
	list := func() []string {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	record := func(ctx context.Context, command string) func() {
		events <- event{command: command, files: list()}
		return func() { events <- event{command: command, files: list(), ended: true} }
	}
	sh := New(testutil.Sandbox(t, dir, sandbox.Config{}), testutil.Workspace(t, dir), pyenv.Finder{}, record)
	t.Cleanup(sh.Close)

	run(t, sh, "echo a > a") // returns once Done is closed
	assert.Equal(t, event{command: "echo a > a"}, <-events)
	select {
	case e := <-events:
		assert.Equal(t, event{command: "echo a > a", files: []string{"a"}, ended: true}, e)
	default:
		t.Fatal("Done was closed before the hook's end was called")
	}

	j, _, err := sh.Start(t.Context(), "echo b > b; sleep 60", 0, true)
	require.NoError(t, err)
	assert.Equal(t, event{command: "echo b > b; sleep 60", files: []string{"a"}}, <-events)
	select {
	case e := <-events:
		t.Fatalf("ended while the job runs: %+v", e)
	default:
	}
	sh.Stop(j)
	select {
	case <-j.Done():
	default:
		t.Fatal("Stop returned before the job was done")
	}
	select {
	case e := <-events:
		assert.Equal(t, event{command: "echo b > b; sleep 60", files: []string{"a", "b"}, ended: true}, e)
	default:
		t.Fatal("Done was closed before the hook's end was called")
	}
}
