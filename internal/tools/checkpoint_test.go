package tools

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// newJournalHarness is a harness whose tools run Bash in a sandbox and
// record every change in a checkpoint journal, as the server's do, on a
// workspace holding files. It waits for the journal's first snapshot, so
// every change the test makes can be undone.
func newJournalHarness(t *testing.T, files map[string]string) *harness {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	for name, content := range files {
		testutil.WriteFile(t, dir, name, content)
	}
	ws := testutil.Workspace(t, dir)
	j, err := checkpoint.Open(ws.RestoreRoot(), ws.RealDir(), checkpoint.Options{Dir: filepath.Join(t.TempDir(), "journal"), Live: true})
	require.NoError(t, err)
	t.Cleanup(func() { j.Close() }) // after the tools, whose last commands record as they end
	<-j.Primed()
	ts := New(ws, Options{Sandbox: testutil.Sandbox(t, dir, sandbox.Config{}), Journal: j})
	t.Cleanup(ts.Close)
	h := &harness{t: t, dir: dir, ws: ws, ts: ts}
	h.c = h.connectBash()
	return h
}

// journal returns the harness's journal.
func (h *harness) journal() *checkpoint.Journal { return h.ts.opts.Journal }

// checkpoints lists the journal's checkpoints as "tool summary: change
// path, ..." lines, oldest first.
func (h *harness) checkpoints() []string {
	h.t.Helper()
	list, err := h.journal().List()
	require.NoError(h.t, err)
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		cp := list[i]
		var files []string
		for _, fc := range cp.Files {
			files = append(files, string(fc.Change)+" "+fc.Path)
		}
		out = append(out, cp.Tool+" "+cp.Summary+": "+strings.Join(files, ", "))
	}
	return out
}

// mode returns a workspace file's permission bits.
func (h *harness) mode(name string) os.FileMode {
	h.t.Helper()
	fi, err := os.Lstat(filepath.Join(h.dir, name))
	require.NoError(h.t, err)
	return fi.Mode().Perm()
}

func TestCheckpoints(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, map[string]string{"a.py": "print(1)\n", "b.sh": "echo b\n", "c.py": "x = 1\n"})

	h.ok("Write", map[string]any{"file_path": "new/w.py", "content": "w\n"})
	h.ok("Read", map[string]any{"file_path": "c.py"})
	h.ok("Edit", map[string]any{"file_path": "c.py", "old_string": "x = 1", "new_string": "x = 2"})
	h.ok("Bash", map[string]any{"command": "rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh"})
	assert.Equal(t, []string{
		"Write new/w.py: added new, added new/w.py",
		"Edit c.py: modified c.py",
		"Bash rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh: deleted a.py, mode b.sh, added d, added d/f, added new.py",
	}, h.checkpoints())

	t.Run("a call that changes nothing records nothing", func(t *testing.T) {
		before := h.checkpoints()
		h.fail("Write", map[string]any{"file_path": "b.sh", "content": "never read\n"})
		h.fail("Edit", map[string]any{"file_path": "c.py", "old_string": "absent", "new_string": "y"})
		h.ok("Bash", map[string]any{"command": "cat c.py"})
		h.fail("Bash", map[string]any{"command": "exit 3"})
		assert.Equal(t, before, h.checkpoints())
	})
	t.Run("a failed command's changes are recorded", func(t *testing.T) {
		h.fail("Bash", map[string]any{"command": "echo half > half.txt; exit 1"})
		got := h.checkpoints()
		assert.Equal(t, "Bash echo half > half.txt; exit 1: added half.txt", got[len(got)-1])
	})
	t.Run("a background job's writes are its checkpoint", func(t *testing.T) {
		res := h.ok("Bash", map[string]any{"command": "echo one > bg1.txt; sleep 0.2; echo two > bg2.txt", "run_in_background": true})
		id := regexp.MustCompile(`ID (b\d+)`).FindStringSubmatch(res)
		require.NotNil(t, id, res)
		job, err := h.ts.sessions.of(t.Context()).shell.Find(id[1])
		if err != nil { // the in-process client's session has its own id
			for _, s := range h.ts.sessions.m {
				if job, err = s.shell.Find(id[1]); err == nil {
					break
				}
			}
		}
		require.NoError(t, err)
		<-job.Done()
		got := h.checkpoints()
		assert.Equal(t, "Bash echo one > bg1.txt; sleep 0.2; echo two > bg2.txt: added bg1.txt, added bg2.txt", got[len(got)-1])
	})
}

// TestCheckpointToolsFit keeps Changes and Undo small: tools/list goes to
// every session at its start, and clients cap it.
func TestCheckpointToolsFit(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, nil)
	size := 0
	for _, st := range h.ts.All() {
		if st.Tool.Name == "Changes" || st.Tool.Name == "Undo" {
			b, err := json.Marshal(st.Tool)
			require.NoError(t, err)
			size += len(b)
		}
	}
	assert.LessOrEqual(t, size, 1024, "Changes and Undo in tools/list, compact JSON")
}

func TestChanges(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, map[string]string{"a.txt": "one\ntwo\nthree\n"})
	assert.Equal(t, "No checkpoints yet: each Write, Edit and Bash command that changes files records one.", h.ok("Changes", nil))

	h.ok("Read", map[string]any{"file_path": "a.txt"})
	h.ok("Edit", map[string]any{"file_path": "a.txt", "old_string": "two", "new_string": "2"})
	for i := range 25 {
		h.ok("Write", map[string]any{"file_path": fmt.Sprintf("w%02d.txt", i), "content": fmt.Sprintf("w%d\n", i)})
	}
	h.ok("Bash", map[string]any{"command": "mkdir many && for i in $(seq 1 15); do echo $i > many/f$i; done"})

	list := h.ok("Changes", nil)
	assert.Regexp(t, `^27  Bash  mkdir many && for i in \$\(seq 1 15\); do echo \$i > many/f\$i; done  \(\w+ +\d+ \d\d:\d\d:\d\d\)\n`+
		`    added     many/\n    added     many/f1\n`, list)
	assert.Contains(t, list, "    … 6 more: Changes with id=27 shows them all\n")
	assert.Contains(t, list, "\n26  Write  w24.txt  (")
	assert.True(t, strings.HasSuffix(list, "\n[Showing 20 checkpoints of 27, newest first. Call Changes with offset=20 for older ones.]"), list)

	older := h.ok("Changes", map[string]any{"offset": 20})
	assert.Regexp(t, `^7  Write  w05.txt`, older)
	assert.Regexp(t, `\n1  Edit  a.txt  \([^)]*\)\n    modified  a.txt$`, older, "the oldest last, and no page note")
	assert.Contains(t, h.ok("Changes", map[string]any{"offset": 25, "limit": 1}), "[Showing 1 checkpoint of 27, newest first. Call Changes with offset=26 for older ones.]")
	assert.Equal(t, "Changes: offset 27 is past the end: there are 27 checkpoints", h.fail("Changes", map[string]any{"offset": 27}))

	t.Run("a checkpoint's diff", func(t *testing.T) {
		d := h.ok("Changes", map[string]any{"id": 1})
		assert.Regexp(t, `^1  Edit  a.txt  \([^)]*\)\ndiff --agentbox a/a.txt b/a.txt\n--- a/a.txt\n\+\+\+ b/a.txt\n@@ -1,3 \+1,3 @@\n one\n-two\n\+2\n three$`, d)
		assert.Equal(t, "Changes: no checkpoint 99: the journal holds 1 to 27; call Changes without id to list them", h.fail("Changes", map[string]any{"id": 99}))
	})
	t.Run("a diff pages by lines", func(t *testing.T) {
		whole := h.ok("Changes", map[string]any{"id": 27})
		lines := strings.Split(whole, "\n")[1:] // the heading, then the diff
		page := h.ok("Changes", map[string]any{"id": 27, "offset": 4, "limit": 5})
		assert.Equal(t, strings.Join(lines[4:9], "\n")+"\n\n[Showing diff lines 5-9. Call Changes with id=27 and offset=9 to continue.]", strings.SplitN(page, "\n", 2)[1])
		last := h.ok("Changes", map[string]any{"id": 27, "offset": len(lines) - 2})
		assert.Equal(t, strings.Join(lines[len(lines)-2:], "\n"), strings.SplitN(last, "\n", 2)[1], "the last page has no note")
		assert.Contains(t, h.fail("Changes", map[string]any{"id": 27, "offset": 1000}), "offset 1000 is past the end of checkpoint 27's diff, which has ")
	})
	t.Run("a result stops at its size cap and says where to go on", func(t *testing.T) {
		line := strings.Repeat("x", 900) + "\n"
		h.ok("Write", map[string]any{"file_path": "big.txt", "content": strings.Repeat(line, 200)})
		cps, err := h.journal().List()
		require.NoError(t, err)
		id := cps[0].ID
		page := h.ok("Changes", map[string]any{"id": id})
		assert.LessOrEqual(t, len(page), changesMaxOutput+200)
		assert.Regexp(t, fmt.Sprintf(`\n\[Showing diff lines 1-\d+\. Call Changes with id=%d and offset=\d+ to continue\.\]$`, id), page)
	})
}

func TestUndo(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, map[string]string{"a.py": "print(1)\n", "b.sh": "echo b\n", "c.txt": "c\n"})
	initial := h.tree()
	h.ok("Read", map[string]any{"file_path": "a.py"})
	h.ok("Edit", map[string]any{"file_path": "a.py", "old_string": "1", "new_string": "2"})
	h.ok("Write", map[string]any{"file_path": "w.txt", "content": "w\n"})
	h.ok("Bash", map[string]any{"command": "rm c.txt; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh"})
	changed := h.tree()

	t.Run("an unknown checkpoint", func(t *testing.T) {
		assert.Equal(t, "Undo: no checkpoint 9: the journal holds 1 to 3; call Changes to list the checkpoints", h.fail("Undo", map[string]any{"id": 9}))
	})
	t.Run("a file changed outside refuses the whole undo", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "w.txt"), []byte("edited outside\n"), 0o644))
		out := h.fail("Undo", map[string]any{"id": 1})
		assert.Equal(t, "Undo: nothing restored: 1 path changed since agentbox last saw it, by something it did not record (an editor, another process):\n"+
			"  w.txt: content changed\n"+
			"Read them to see what changed. To restore anyway, call Undo again with force: true; their current state goes into the undo's own checkpoint, so that can be undone too.", out)
		assert.Equal(t, withFile(changed, "w.txt", "file -rw-r--r-- edited outside\n"), h.tree(), "nothing restored")
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "w.txt"), []byte("w\n"), 0o644))
	})

	// A second session, which has read new.py and a.py.
	other := h.connectBash()
	callOn(t, other, "Read", map[string]any{"file_path": "new.py"})
	callOn(t, other, "Read", map[string]any{"file_path": "a.py"})

	out := h.ok("Undo", map[string]any{"id": 1})
	assert.Equal(t, "Restored 7 paths to how they were before checkpoint 1. This undo is checkpoint 4: Undo with id=4 brings the changes back.\n"+
		"  restored  a.py\n  chmodded  b.sh\n  recreated c.txt\n  removed   d/\n  removed   d/f\n  removed   new.py\n  removed   w.txt\n"+
		"Read a restored file again before you Write or Edit it.", out)
	assert.Equal(t, initial, h.tree(), "every byte and mode restored, what was added removed")

	t.Run("restored files must be read again, in every session", func(t *testing.T) {
		assert.Contains(t, h.fail("Edit", map[string]any{"file_path": "a.py", "old_string": "1", "new_string": "3"}), "has not read the file")
		res := callOn(t, other, "Write", map[string]any{"file_path": "a.py", "content": "x\n"})
		assert.True(t, res.IsError)
		assert.Contains(t, text(res), "has not read the file")
	})
	t.Run("the undo of an undo brings the changes back", func(t *testing.T) {
		out := h.ok("Undo", map[string]any{"id": 4})
		assert.True(t, strings.HasPrefix(out, "Restored 7 paths to how they were before checkpoint 4. This undo is checkpoint 5"), out)
		assert.Equal(t, changed, h.tree())
	})
	t.Run("force restores over a conflict", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "new.py"), []byte("edited outside\n"), 0o644))
		h.fail("Undo", map[string]any{"id": 5})
		out := h.ok("Undo", map[string]any{"id": 5, "force": true})
		assert.Contains(t, out, "Forced over 1 path changed outside agentbox; what they held is in this undo's checkpoint.")
		assert.Equal(t, initial, h.tree())
		out = h.ok("Undo", map[string]any{"id": 6})
		assert.Equal(t, withFile(changed, "new.py", "file -rw-r--r-- edited outside\n"), h.tree(), "what force overwrote comes back")
	})
	t.Run("nothing to restore", func(t *testing.T) {
		h.ok("Write", map[string]any{"file_path": "z.txt", "content": "z\n"})
		require.NoError(t, os.Remove(filepath.Join(h.dir, "z.txt")))
		assert.Equal(t, "Nothing to restore: the workspace is already as it was before checkpoint 8.", h.ok("Undo", map[string]any{"id": 8}))
	})
}

// tree returns every path in the workspace with its type, mode and content.
func (h *harness) tree() map[string]string {
	h.t.Helper()
	out := map[string]string{}
	require.NoError(h.t, filepath.WalkDir(h.dir, func(p string, d os.DirEntry, err error) error {
		require.NoError(h.t, err)
		rel, _ := filepath.Rel(h.dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		require.NoError(h.t, err)
		if fi.IsDir() {
			out[rel] = "dir " + fi.Mode().Perm().String()
			return nil
		}
		data, err := os.ReadFile(p)
		require.NoError(h.t, err)
		out[rel] = "file " + fi.Mode().Perm().String() + " " + string(data)
		return nil
	}))
	return out
}

func withFile(tree map[string]string, name, state string) map[string]string {
	out := map[string]string{}
	for k, v := range tree {
		out[k] = v
	}
	out[name] = state
	return out
}
