package checkpoint

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordAndUndo(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.py": "print(1)\n", "b.sh": "echo hi\n", "keep/k.txt": "k\n"})
	before := snapshot(t, f.ws)

	cp1 := f.write("a.py", "print(2)\n")
	require.NotNil(t, cp1)
	assert.Equal(t, "modified a.py", kinds(cp1))
	cp2 := f.write("new/dir/n.py", "n\n")
	assert.Equal(t, "added new\nadded new/dir\nadded new/dir/n.py", kinds(cp2))
	cp3 := f.sh("rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh")
	assert.Equal(t, "deleted a.py\nmode b.sh\nadded d\nadded d/f\nadded new.py", kinds(cp3))
	assert.Nil(t, f.sh("true"), "a command that changes nothing makes no checkpoint")

	list, err := f.j.List()
	require.NoError(t, err)
	require.Len(t, list, 3)
	assert.Equal(t, []int64{cp3.ID, cp2.ID, cp1.ID}, []int64{list[0].ID, list[1].ID, list[2].ID}, "newest first")

	res, err := f.j.Undo(t.Context(), cp1.ID, false, true)
	require.NoError(t, err)
	assert.Nil(t, res.Checkpoint, "a dry run changes nothing")
	assert.NotEqual(t, before, snapshot(t, f.ws))

	res, err = f.j.Undo(t.Context(), cp1.ID, false, false)
	require.NoError(t, err)
	assert.Empty(t, res.Conflicts)
	require.NotNil(t, res.Checkpoint)
	assert.Equal(t, before, snapshot(t, f.ws), "every byte and mode restored, what was added removed")
	assert.ElementsMatch(t, []string{"a.py", "b.sh", "d/f", "new.py", "new/dir/n.py"}, res.Restored)

	res, err = f.j.Undo(t.Context(), res.Checkpoint.ID, false, false)
	require.NoError(t, err)
	after := snapshot(t, f.ws)
	assert.Equal(t, "file -rwxr-xr-x echo hi\n", after["b.sh"], "undo of the undo brings the changes back")
	assert.Equal(t, "file -rw-r--r-- y\n", after["d/f"])
	assert.NotContains(t, after, "a.py")
}

func TestUndoConflict(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "one\n", "b.txt": "two\n"})
	cp := f.write("a.txt", "ONE\n")
	f.write("b.txt", "TWO\n")
	// An editor changes a.txt after the journal saw it.
	require.NoError(t, os.WriteFile(filepath.Join(f.ws, "a.txt"), []byte("edited outside\n"), 0o644))

	res, err := f.j.Undo(t.Context(), cp.ID, false, false)
	require.NoError(t, err)
	require.Len(t, res.Conflicts, 1)
	assert.Equal(t, "a.txt", res.Conflicts[0].Path)
	assert.Nil(t, res.Checkpoint)
	got := snapshot(t, f.ws)
	assert.Equal(t, "file -rw-r--r-- edited outside\n", got["a.txt"], "nothing restored")
	assert.Equal(t, "file -rw-r--r-- TWO\n", got["b.txt"], "not even the file without a conflict")

	res, err = f.j.Undo(t.Context(), cp.ID, true, false)
	require.NoError(t, err)
	require.NotNil(t, res.Checkpoint)
	got = snapshot(t, f.ws)
	assert.Equal(t, "file -rw-r--r-- one\n", got["a.txt"], "force restores over the conflict")
	assert.Equal(t, "file -rw-r--r-- two\n", got["b.txt"])
}

func TestJournalInsideWorkspace(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	writeTree(t, ws, map[string]string{"a.txt": "a\n"})
	f := &fixture{t: t, ws: ws, dir: filepath.Join(ws, ".local", "state", "journal")}
	f.j = f.open(true)
	<-f.j.Primed()
	f.write("a.txt", "b\n")
	cp := f.sh("echo c > a.txt")
	assert.Equal(t, "modified a.txt", kinds(cp), "the journal's own files are never recorded (a workspace of ~ holds ~/.local/state)")
	assert.Nil(t, f.sh("true"))
}

func TestNilJournal(t *testing.T) {
	t.Parallel()
	var j *Journal
	op := j.Begin("Write", "a", "a")
	cp, err := op.Done(t.Context())
	assert.Nil(t, cp)
	assert.NoError(t, err)
	sop, err := j.BeginScan(t.Context(), "Bash", "true")
	assert.NoError(t, err)
	sop.Abort()
}

func TestRestart(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	writeTree(t, ws, map[string]string{"a.txt": "a\n", "b.txt": "b\n", "c/d.txt": "d\n"})
	// Files written this instant are "racy" (see racyWindow) and not saved.
	old := time.Now().Add(-time.Hour)
	for _, name := range []string{"a.txt", "b.txt", "c/d.txt"} {
		require.NoError(t, os.Chtimes(filepath.Join(ws, name), old, old))
	}
	f := &fixture{t: t, ws: ws, dir: filepath.Join(t.TempDir(), "journal")}
	f.j = f.open(true)
	<-f.j.Primed()
	require.NoError(t, f.j.Close())
	saved, err := f.j.loadIndex()
	require.NoError(t, err)
	assert.Len(t, saved, 3, "the index is saved when the journal closes")

	// While no server runs, b.txt changes; a new server takes the saved
	// index for the rest, and reads b.txt again.
	require.NoError(t, os.WriteFile(filepath.Join(f.ws, "b.txt"), []byte("changed while stopped\n"), 0o644))
	f.j = f.open(true)
	<-f.j.Primed()
	cp := f.sh("echo x > a.txt; echo y > b.txt")
	require.Equal(t, "modified a.txt\nmodified b.txt", kinds(cp))
	for i, want := range []string{"a\n", "changed while stopped\n"} {
		old, err := f.j.content(cp.Files[i].Before)
		require.NoError(t, err)
		assert.Equal(t, want, string(old))
	}

	// A damaged index is ignored: every file is read again.
	require.NoError(t, f.j.Close())
	require.NoError(t, os.WriteFile(f.j.indexPath(), []byte(indexHeader+"garbage"), 0o600))
	f.j = f.open(true)
	<-f.j.Primed()
	cp = f.sh("echo z > c/d.txt")
	require.Equal(t, "modified c/d.txt", kinds(cp))
}

func TestScanOutlivesItsCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "a\n"})
	op, err := f.j.BeginScan(t.Context(), "Bash", "echo b > a.txt")
	require.NoError(t, err)
	run(t, f.ws, "echo b > a.txt")
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the client gave up on the call
	cp, err := op.Done(ctx)
	require.NoError(t, err)
	assert.Equal(t, "modified a.txt", kinds(cp), "the command's changes are recorded all the same")
}

// TestOpenNamesTheWorkspace: the journal's workspace file names its
// workspace after each Open, rewritten when it says anything else.
func TestOpenNamesTheWorkspace(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	dir := filepath.Join(t.TempDir(), "journal")
	name := filepath.Join(dir, "workspace")
	open := func() {
		root, err := os.OpenRoot(ws)
		require.NoError(t, err)
		j, err := Open(root, ws, Options{Dir: dir})
		require.NoError(t, err)
		require.NoError(t, j.Close())
		root.Close()
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		require.Equal(t, ws+"\n", string(got))
	}
	open()
	open()
	require.NoError(t, os.WriteFile(name, []byte("/elsewhere\n"), 0o600))
	open()
}

// TestDeferPrime: with DeferPrime the first snapshot waits for Prime, or
// for Primed, which starts it; a journal closed before it began closes
// Primed's channel all the same.
func TestDeferPrime(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "a.txt"), []byte("a\n"), 0o644))
	open := func() *Journal {
		root, err := os.OpenRoot(ws)
		require.NoError(t, err)
		t.Cleanup(func() { root.Close() })
		j, err := Open(root, ws, Options{Dir: filepath.Join(t.TempDir(), "journal"), Live: true, DeferPrime: true})
		require.NoError(t, err)
		return j
	}

	j := open()
	select {
	case <-j.primed:
		t.Fatal("the first snapshot ran before Prime")
	default:
	}
	select {
	case <-j.Primed():
	case <-t.Context().Done():
		t.Fatal("Primed did not start the first snapshot")
	}
	j.mu.Lock()
	assert.True(t, j.snapshotted)
	j.mu.Unlock()
	require.NoError(t, j.Close())

	j = open()
	require.NoError(t, j.Close())
	select {
	case <-j.primed:
	default:
		t.Fatal("a journal closed unprimed left Primed open")
	}
	j.Prime() // after Close: starts nothing
	j.mu.Lock()
	assert.False(t, j.snapshotted)
	j.mu.Unlock()
}
