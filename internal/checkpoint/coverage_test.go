package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCoverage(t *testing.T) {
	t.Parallel()
	for _, poll := range []bool{false, true} {
		name := map[bool]string{false: "watching", true: "polling"}[poll]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixtureWith(t, map[string]string{".gitignore": "build/\n*.log\n", "src/a.go": "package a\n"},
				Options{Poll: poll, MaxFileSize: 1000})

			cp := f.sh("mkdir -p build .git && echo x > build/out && echo y > .git/HEAD && echo z > run.log && echo ok > src/b.go")
			require.NotNil(t, cp)
			assert.Equal(t, "added src/b.go", kinds(cp), ".git and ignored paths are not recorded")
			if !poll {
				assert.Equal(t, []Uncovered{
					{"build/", "left out by the ignore rules: its changes are not recorded"},
					{"run.log", "left out by the ignore rules: its changes are not recorded"},
				}, cp.Uncovered, "but they are named")
				cp = f.sh("echo more >> build/out")
				require.NotNil(t, cp)
				assert.Equal(t, []Uncovered{{"build/", "inside a directory the ignore rules leave out: its changes are not recorded"}}, cp.Uncovered)
			}

			cp = f.sh("head -c 2000 /dev/zero > src/big.bin && echo small > src/small.txt")
			require.NotNil(t, cp)
			assert.Equal(t, "added src/small.txt", kinds(cp))
			assert.Equal(t, []Uncovered{{"src/big.bin", "over the 1000 bytes size cap: its content is not kept"}}, cp.Uncovered)

			require.NoError(t, os.WriteFile(filepath.Join(f.ws, "src/a.go"), []byte("package a // edited outside\n"), 0o644))
			assert.Nil(t, f.sh("true"), "a change from outside is no checkpoint")
			cp = f.sh("echo 'package a' > src/a.go")
			require.Len(t, cp.Files, 1)
			old, err := f.j.content(cp.Files[0].Before)
			require.NoError(t, err)
			assert.Equal(t, "package a // edited outside\n", string(old), "its content is what the command changed")
		})
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "a\n"})
	unlock, err := f.j.log.lock(DefaultLockWait)
	require.NoError(t, err)
	root, err := os.OpenRoot(f.ws)
	require.NoError(t, err)
	defer root.Close()
	_, err = Open(root, f.ws, Options{Dir: f.dir, LockWait: 1})
	var busy *BusyError
	require.ErrorAs(t, err, &busy)
	assert.Equal(t, os.Getpid(), busy.PID)
	assert.Contains(t, err.Error(), "is busy: process ")
	unlock()

	other := f.open(false)
	f.write("a.txt", "b\n")
	list, err := other.List()
	require.NoError(t, err)
	require.Len(t, list, 1, "another process sees what this one records")
	res, err := other.Undo(t.Context(), list[0].ID, false, false)
	require.NoError(t, err)
	require.NotNil(t, res.Checkpoint)
	assert.Equal(t, list[0].ID+1, res.Checkpoint.ID)
	cp := f.write("a.txt", "c\n")
	assert.Equal(t, res.Checkpoint.ID+1, cp.ID, "ids go on from what the other process recorded")
	assert.True(t, strings.HasPrefix(kinds(cp), "modified a.txt"))
	before, err := f.j.content(cp.Files[0].Before)
	require.NoError(t, err)
	assert.Equal(t, "a\n", string(before))
}

func TestUndoByAnotherProcess(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "a\n"})
	cp := f.write("a.txt", "b\n")
	f.write("new.txt", "n\n")

	// A command runs on the server while the command line undoes.
	op, err := f.j.BeginScan(t.Context(), "Bash", "long command")
	require.NoError(t, err)
	run(t, f.ws, "echo job > job.txt")
	res, err := f.open(false).Undo(t.Context(), cp.ID, false, false)
	require.NoError(t, err)
	require.NotNil(t, res.Checkpoint)
	got, err := op.Done(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "added job.txt", kinds(got), "the undo is the other process's checkpoint, not the command's")

	next := f.write("a.txt", "c\n")
	before, err := f.j.content(next.Files[0].Before)
	require.NoError(t, err)
	assert.Equal(t, "a\n", string(before), "the server's index knows what the undo restored")
}

func TestIgnoreRulesChange(t *testing.T) {
	t.Parallel()
	for _, poll := range []bool{false, true} {
		t.Run(map[bool]string{false: "watching", true: "polling"}[poll], func(t *testing.T) {
			t.Parallel()
			f := newFixtureWith(t, map[string]string{".gitignore": "gen/\n", "gen/a.txt": "generated\n", "src/b.txt": "b\n"},
				Options{Poll: poll})
			cp := f.sh("echo src/ >> .gitignore")
			assert.Equal(t, "modified .gitignore", kinds(cp), "files the rules now leave out are not deleted")
			cp = f.sh("printf 'x\\n' > .gitignore && echo new > new.txt")
			assert.Equal(t, "modified .gitignore\nadded new.txt", kinds(cp), "files the rules no longer leave out are not added")

			res, err := f.j.Undo(t.Context(), cp.ID, false, false)
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{".gitignore", "new.txt"}, res.Restored)
			got := snapshot(t, f.ws)
			assert.Equal(t, "file -rw-r--r-- generated\n", got["gen/a.txt"], "undo never deletes what was only un-ignored")
			assert.Equal(t, "file -rw-r--r-- b\n", got["src/b.txt"])
		})
	}
}
