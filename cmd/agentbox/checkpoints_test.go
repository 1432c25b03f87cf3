package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/checkpoint"
)

// recorder stands for a server recording a workspace's changes in its
// journal, kept under dir (as --checkpoint-dir names it).
type recorder struct {
	t  *testing.T
	ws string
	j  *checkpoint.Journal
}

func newRecorder(t *testing.T, ws, dir string) *recorder {
	t.Helper()
	root, err := os.OpenRoot(ws)
	require.NoError(t, err)
	j, err := checkpoint.Open(root, ws, checkpoint.Options{Dir: checkpoint.DefaultDir(dir, ws), Live: true})
	require.NoError(t, err)
	t.Cleanup(func() { j.Close(); root.Close() })
	<-j.Primed()
	return &recorder{t: t, ws: ws, j: j}
}

func (r *recorder) write(name, content string) *checkpoint.Checkpoint {
	r.t.Helper()
	op := r.j.Begin("Write", name, name)
	require.NoError(r.t, os.WriteFile(filepath.Join(r.ws, name), []byte(content), 0o644))
	cp, err := op.Done(r.t.Context())
	require.NoError(r.t, err)
	return cp
}

func (r *recorder) bash(command string) *checkpoint.Checkpoint {
	r.t.Helper()
	op, err := r.j.BeginScan(r.t.Context(), "Bash", command)
	require.NoError(r.t, err)
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir = r.ws
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "%s", out)
	cp, err := op.Done(r.t.Context())
	require.NoError(r.t, err)
	return cp
}

// tree returns every file under dir with its mode and content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		if fi.IsDir() {
			out[rel+"/"] = fi.Mode().Perm().String()
			return nil
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		out[rel] = fi.Mode().Perm().String() + " " + string(data)
		return nil
	}))
	return out
}

func TestChangesAndUndo(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	state := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "a.py"), []byte("print(1)\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ws, "b.sh"), []byte("echo b\n"), 0o644))
	initial := tree(t, ws)

	r := newRecorder(t, ws, state)
	first := r.write("a.py", "print(2)\n")
	r.write("c.txt", "c\n")
	r.bash("rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh")
	flags := []string{"--workspace", ws, "--checkpoint-dir", state}

	out, errOut, code := agentbox(t, "", append([]string{"changes", "--json"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	var got []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "one JSON object per line: %s", sc.Text())
		got = append(got, m)
	}
	require.Len(t, got, 3)
	for _, m := range got {
		assert.Contains(t, m, "time")
		assert.Contains(t, m, "files")
	}
	assert.Equal(t, []any{"Bash", "Write", "Write"}, []any{got[0]["tool"], got[1]["tool"], got[2]["tool"]}, "newest first")
	var kinds []string
	for _, f := range got[0]["files"].([]any) {
		kinds = append(kinds, f.(map[string]any)["change"].(string)+" "+f.(map[string]any)["path"].(string))
	}
	assert.Equal(t, []string{"deleted a.py", "mode b.sh", "added d", "added d/f", "added new.py"}, kinds)

	out, errOut, code = agentbox(t, "", append([]string{"changes"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Bash  rm a.py; echo x > new.py")
	assert.Contains(t, out, "    added     d/\n")

	out, errOut, code = agentbox(t, "", append([]string{"changes", strconv.FormatInt(first.ID, 10)}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "diff --agentbox a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-print(1)\n+print(2)\n", out)

	to := strconv.FormatInt(first.ID, 10)
	changed := tree(t, ws)
	out, errOut, code = agentbox(t, "", append([]string{"undo", "--to", to, "--dry-run"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Would restore 6 paths")
	assert.Equal(t, changed, tree(t, ws), "a dry run changes nothing")

	// An editor changes c.txt after the journal saw it: the undo refuses.
	require.NoError(t, os.WriteFile(filepath.Join(ws, "c.txt"), []byte("edited\n"), 0o644))
	changed = tree(t, ws)
	_, errOut, code = agentbox(t, "", append([]string{"undo", "--to", to}, flags...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "nothing restored: 1 path changed since the journal last saw it")
	assert.Contains(t, errOut, "c.txt: content changed")
	assert.Equal(t, changed, tree(t, ws), "nothing restored")

	out, errOut, code = agentbox(t, "", append([]string{"undo", "--to", to, "--force"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, initial, tree(t, ws), "every byte and mode restored, what was added removed")
	undoID := regexpID(t, out)

	// The server goes on recording, after the undo the command line made.
	next := r.write("e.txt", "e\n")
	assert.Equal(t, undoID+1, next.ID)

	out, errOut, code = agentbox(t, "", append([]string{"undo", "--to", strconv.FormatInt(undoID, 10)}, flags...)...)
	require.Equal(t, 0, code, errOut)
	back := tree(t, ws)
	assert.Equal(t, changed, withoutKey(back, "e.txt"), "undo of the undo brings the changes back")
	assert.Contains(t, out, "Restored")
}

func withoutKey(m map[string]string, k string) map[string]string {
	delete(m, k)
	return m
}

// regexpID finds the undo's own checkpoint in its output.
func regexpID(t *testing.T, out string) int64 {
	t.Helper()
	_, rest, ok := strings.Cut(out, "; checkpoint ")
	require.True(t, ok, out)
	n, _, _ := strings.Cut(rest, " ")
	id, err := strconv.ParseInt(n, 10, 64)
	require.NoError(t, err)
	return id
}

func TestChangesErrors(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	state := t.TempDir()

	// The default journal lives in the user's state directory.
	cmd := exec.CommandContext(t.Context(), binary, "changes", "--workspace", ws)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	assert.Error(t, err)
	assert.Contains(t, stderr.String(), "no checkpoints recorded for "+ws+" (no journal at "+filepath.Join(state, "agentbox", "checkpoints"))

	r := newRecorder(t, ws, filepath.Join(state, "agentbox"))
	r.write("a.txt", "a\n")
	cmd = exec.CommandContext(t.Context(), binary, "changes", "--workspace", ws, "--json")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state)
	out, err := cmd.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), `"tool":"Write","summary":"a.txt"`)

	flags := []string{"--workspace", ws, "--checkpoint-dir", filepath.Join(state, "agentbox")}
	_, errOut, code := agentbox(t, "", append([]string{"undo", "--to", "99"}, flags...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no checkpoint 99: the journal holds 1 to 1")
	_, _, code = agentbox(t, "", append([]string{"undo"}, flags...)...)
	assert.Equal(t, 2, code, "--to is required")
	_, _, code = agentbox(t, "", append([]string{"changes", "x"}, flags...)...)
	assert.Equal(t, 2, code)

	// Another process holds the journal's lock: a clear error, not a hang.
	lock, err := os.OpenFile(filepath.Join(checkpoint.DefaultDir(filepath.Join(state, "agentbox"), ws), "lock"), os.O_RDWR, 0)
	require.NoError(t, err)
	defer lock.Close()
	require.NoError(t, holdJournalLock(lock))
	_, err = lock.WriteAt([]byte("4242\n"), 0)
	require.NoError(t, err)
	_, errOut, code = agentbox(t, "", append([]string{"changes", "--lock-wait", "50ms"}, flags...)...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "is busy: process 4242 holds its lock; try again when it is done")
	require.NoError(t, releaseJournalLock(lock))
}
