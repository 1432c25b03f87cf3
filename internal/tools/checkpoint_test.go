package tools

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/shell"
	"github.com/agentbox/agentbox/internal/testutil"
)

// newJournalHarness is a harness whose tools run Bash in a sandbox and
// record every change in a checkpoint journal, as the server's do, on a
// workspace holding files. It waits for the journal's first snapshot, so
// every change the test makes can be undone.
func newJournalHarness(t *testing.T, files map[string]string) *harness {
	t.Helper()
	return newJournalHarnessWith(t, files, sandbox.Config{}, Options{})
}

// newJournalHarnessWith is newJournalHarness with a sandbox configured by
// cfg and the tools by opts.
func newJournalHarnessWith(t *testing.T, files map[string]string, cfg sandbox.Config, opts Options) *harness {
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
	opts.Sandbox, opts.Journal = testutil.Sandbox(t, dir, cfg), j
	ts := New(ws, opts)
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
		var job *shell.Job
		var err error
		h.ts.sessions.mu.Lock() // the in-process client's session, the one there is
		for _, s := range h.ts.sessions.m {
			if job, err = s.shell.Find(id[1]); err == nil {
				break
			}
		}
		h.ts.sessions.mu.Unlock()
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
