//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the real binary over stdio and check what it records in
// its checkpoint journal, with the changes and undo commands beside it.

// callText calls a tool and returns its text and whether it is an error.
func callText(t *testing.T, c *client.Client, tool string, args map[string]any) (string, bool) {
	t.Helper()
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = tool, args
	res, err := c.CallTool(t.Context(), req)
	require.NoError(t, err)
	return resultText(res), res.IsError
}

// callOK calls a tool and requires success.
func callOK(t *testing.T, c *client.Client, tool string, args map[string]any) string {
	t.Helper()
	out, isErr := callText(t, c, tool, args)
	require.False(t, isErr, "%s: %s", tool, out)
	return out
}

// waitFIFO makes a FIFO at path and returns a channel that yields what a
// writer writes to it, once the writer closes it: a command in the sandbox
// says "I got here" through it.
func waitFIFO(t *testing.T, path string) <-chan string {
	t.Helper()
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(path) // blocks until the command opens it to write
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	return got
}

// fromFIFO waits for what a command writes to a waitFIFO, or fails the
// test if it never comes.
func fromFIFO(t *testing.T, got <-chan string) string {
	t.Helper()
	select {
	case s := <-got:
		return s
	case <-time.After(2 * time.Minute):
		t.Fatal("the command never wrote to its FIFO")
		return ""
	}
}

func TestCheckpointsOverStdio(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	for name, content := range map[string]string{"a.py": "print(1)\n", "b.sh": "echo b\n", "c.py": "x = 1\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(ws, name), []byte(content), 0o644))
	}
	initial := tree(t, ws)
	state := t.TempDir()
	c := spawn(t, ws, "--checkpoint-dir", state)
	cli := []string{"--workspace", ws, "--checkpoint-dir", state}

	callOK(t, c, "Write", map[string]any{"file_path": "w.py", "content": "w = 1\n"})
	callOK(t, c, "Read", map[string]any{"file_path": "c.py"})
	callOK(t, c, "Edit", map[string]any{"file_path": "c.py", "old_string": "x = 1", "new_string": "x = 2"})
	callOK(t, c, "Bash", map[string]any{"command": "rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh"})

	// A background job: it says when it has written, then ends; KillShell
	// returns once it is gone, and its checkpoint is recorded by then.
	ready := waitFIFO(t, filepath.Join(ws, "sync.fifo"))
	out := callOK(t, c, "Bash", map[string]any{"command": "echo bg > bg.txt; echo written > sync.fifo", "run_in_background": true})
	job := regexp.MustCompile(`ID (b\d+)`).FindStringSubmatch(out)
	require.NotNil(t, job, out)
	assert.Equal(t, "written\n", fromFIFO(t, ready))
	callOK(t, c, "KillShell", map[string]any{"shell_id": job[1]})
	require.NoError(t, os.Remove(filepath.Join(ws, "sync.fifo")))

	list := callOK(t, c, "Changes", nil)
	assert.Regexp(t, `^4  Bash  echo bg > bg.txt; echo written > sync.fifo  \([^)]*\)\n`+
		`    added     bg.txt\n`+
		`3  Bash  rm a.py; echo x > new.py; mkdir d && echo y > d/f; chmod \+x b.sh  \([^)]*\)\n`+
		`    deleted   a.py\n    mode      b.sh\n    added     d/\n    added     d/f\n    added     new.py\n`+
		`2  Edit  c.py  \([^)]*\)\n    modified  c.py\n`+
		`1  Write  w.py  \([^)]*\)\n    added     w.py$`, list)
	diff := callOK(t, c, "Changes", map[string]any{"id": 2})
	assert.Contains(t, diff, "--- a/c.py\n+++ b/c.py\n@@ -1 +1 @@\n-x = 1\n+x = 2")
	changed := tree(t, ws)

	t.Run("a file edited outside refuses the whole undo", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(ws, "w.py"), []byte("edited in an editor\n"), 0o644))
		edited := tree(t, ws)
		_, errOut, code := agentbox(t, "", append([]string{"undo", "--to", "1"}, cli...)...)
		assert.Equal(t, 1, code)
		assert.Contains(t, errOut, "w.py: content changed")
		assert.Equal(t, edited, tree(t, ws), "nothing restored")
		require.NoError(t, os.WriteFile(filepath.Join(ws, "w.py"), []byte("w = 1\n"), 0o644))
	})

	out, errOut, code := agentbox(t, "", append([]string{"undo", "--to", "1"}, cli...)...)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, initial, tree(t, ws), "every byte and mode restored, what was added removed")
	undoID := regexpID(t, out)
	assert.Equal(t, int64(5), undoID)

	t.Run("the undo of an undo brings the changes back", func(t *testing.T) {
		out := callOK(t, c, "Undo", map[string]any{"id": undoID})
		assert.True(t, strings.HasPrefix(out, "Restored 8 paths to how they were before checkpoint 5. This undo is checkpoint 6"), out)
		assert.Equal(t, changed, tree(t, ws))
		assert.Contains(t, callOK(t, c, "Changes", map[string]any{"limit": 2}), "6  Undo  undo checkpoint 5  (")
	})
	t.Run("the command line lists what the server recorded", func(t *testing.T) {
		out, errOut, code := agentbox(t, "", append([]string{"changes", "--json"}, cli...)...)
		require.Equal(t, 0, code, errOut)
		var tools []string
		for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			var cp struct{ Tool string }
			require.NoError(t, json.Unmarshal([]byte(line), &cp))
			tools = append(tools, cp.Tool)
		}
		assert.Equal(t, []string{"Undo", "Undo", "Bash", "Bash", "Edit", "Write"}, tools)
	})
}

// TestCheckpointsOff checks that --checkpoints=off records nothing and
// offers neither Changes nor Undo.
func TestCheckpointsOff(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	state := t.TempDir()
	c := spawn(t, ws, "--checkpoints=off", "--checkpoint-dir", state)
	list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tool := range list.Tools {
		assert.NotContains(t, []string{"Changes", "Undo"}, tool.Name)
	}
	callOK(t, c, "Write", map[string]any{"file_path": "a.txt", "content": "a\n"})
	entries, err := os.ReadDir(state)
	require.NoError(t, err)
	assert.Empty(t, entries, "no journal")
}

// TestCheckpointsCallAndRun checks that call and run record too: each is
// a server of its own for its calls.
func TestCheckpointsCallAndRun(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	state := t.TempDir()
	flags := []string{"--workspace", ws, "--checkpoint-dir", state}
	_, errOut, code := agentbox(t, "", append([]string{"call", "Write", `{"file_path": "a.txt", "content": "a\n"}`}, flags...)...)
	require.Equal(t, 0, code, errOut)
	script := `{"tool": "Write", "arguments": {"file_path": "b.txt", "content": "b\n"}}` + "\n" +
		`{"tool": "Changes", "arguments": {}}` + "\n"
	out, errOut, code := agentbox(t, script, append([]string{"run", "-"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, `2  Write  b.txt  (`)
	assert.Contains(t, out, `1  Write  a.txt  (`)
}

// TestCheckpointsSurviveKill kills the server with SIGKILL while a command
// it runs changes thousands of files: the journal must still open, for the
// changes command and for the next server, which records on.
func TestCheckpointsSurviveKill(t *testing.T) {
	t.Parallel()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ws, "a.txt"), []byte("a\n"), 0o644))
	state := t.TempDir()
	flags := []string{"--workspace", ws, "--checkpoint-dir", state}

	cmd := exec.Command(binary, append(flags, "--diagnostics=off", "--log-level=error")...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 4<<20)
	send := func(msg string) {
		_, err := io.WriteString(in, msg+"\n")
		require.NoError(t, err)
	}
	await := func(id string) string {
		for lines.Scan() {
			if strings.Contains(lines.Text(), `"id":`+id+`,`) {
				return lines.Text()
			}
		}
		t.Fatalf("no response %s: %v", id, lines.Err())
		return ""
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"0"}}}`)
	await("1")
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"Write","arguments":{"file_path":"w.txt","content":"w\n"}}}`)
	assert.Contains(t, await("2"), "Created w.txt")

	ready := waitFIFO(t, filepath.Join(ws, "sync.fifo"))
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"Bash","arguments":{"command":` +
		strconv.Quote("mkdir big && for i in $(seq 1 3000); do echo $i > big/f$i; done; echo half > sync.fifo; for i in $(seq 3001 6000); do echo $i > big/f$i; done") + `}}}`)
	assert.Equal(t, "half\n", fromFIFO(t, ready))
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	require.NoError(t, os.Remove(filepath.Join(ws, "sync.fifo")))

	out, errOut, code := agentbox(t, "", append([]string{"changes"}, flags...)...)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "1  ")
	assert.Contains(t, out, "Write  w.txt")

	// The next server opens the journal and records on.
	c := spawn(t, ws, "--checkpoint-dir", state)
	callOK(t, c, "Bash", map[string]any{"command": "rm -rf big"})
	list := callOK(t, c, "Changes", nil)
	assert.Regexp(t, `^2  Bash  rm -rf big  `, list)
	assert.Contains(t, list, "1  Write  w.txt")
}

// TestCheckpointsHiddenFromBash checks that sandboxed commands can neither
// read nor change the journals: those in the user's state directory (every
// workspace's, not only this one's) and under --checkpoint-dir. They are
// made outside the system temporary directory, which commands cannot read
// anyway.
func TestCheckpointsHiddenFromBash(t *testing.T) {
	t.Parallel()
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(base, 0o755))
	outside := func(prefix string) string {
		d, err := os.MkdirTemp(base, prefix)
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	state, custom := outside("agentbox-test-state-"), outside("agentbox-test-journals-")
	// Another workspace's journal in the user's state directory.
	other := filepath.Join(state, "agentbox", "checkpoints", "other-0123", "journal")
	require.NoError(t, os.MkdirAll(filepath.Dir(other), 0o700))
	require.NoError(t, os.WriteFile(other, []byte("OTHER WORKSPACE\n"), 0o600))

	ws := t.TempDir()
	env := append(environWithout("XDG_STATE_HOME"), "XDG_STATE_HOME="+state)
	c := spawnIn(t, "", env, "--workspace", ws, "--diagnostics=off", "--checkpoint-dir", custom)
	facts, _ := callText(t, c, "Bash", map[string]any{"command": "true"})
	callOK(t, c, "Write", map[string]any{"file_path": "secret.txt", "content": "SECRET CONTENT\n"})
	entries, err := filepath.Glob(filepath.Join(custom, "checkpoints", "*", "journal"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "the journal is under --checkpoint-dir")
	journal := entries[0]
	before, err := os.ReadFile(journal)
	require.NoError(t, err)
	require.Contains(t, string(before), `"summary":"secret.txt"`)

	for _, cmd := range []string{
		"cat " + journal, "cat " + other,
		"grep -r -a -e SECRET -e OTHER -e summary " + custom + " " + state + " 2>&1",
		"ls -R " + custom + " " + filepath.Join(state, "agentbox") + " 2>&1",
	} {
		out, _ := callText(t, c, "Bash", map[string]any{"command": cmd})
		assert.NotContains(t, out, "SECRET", cmd)
		assert.NotContains(t, out, "OTHER WORKSPACE", cmd)
		assert.NotContains(t, out, "summary", cmd)
		if strings.HasPrefix(cmd, "ls") {
			assert.NotContains(t, out, "other-0123", cmd)
			assert.NotContains(t, out, "objects", cmd)
		}
	}
	for _, cmd := range []string{
		"echo forged >> " + journal, "rm -r " + filepath.Dir(journal), "rm -rf " + custom, "echo x > " + other,
		"mkdir " + filepath.Join(state, "agentbox", "new"), "touch " + filepath.Join(custom, "new"),
	} {
		out, isErr := callText(t, c, "Bash", map[string]any{"command": cmd})
		assert.True(t, isErr, "%s: %s (sandbox: %s)", cmd, out, facts)
	}
	after, err := os.ReadFile(journal)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
	got, err := os.ReadFile(other)
	require.NoError(t, err)
	assert.Equal(t, "OTHER WORKSPACE\n", string(got))
	_, err = os.Stat(filepath.Join(custom, "new"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestCheckpointToolsForAgents checks that an agent gets Changes and Undo
// only when its definition's tools: list names them.
func TestCheckpointToolsForAgents(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	agents := filepath.Join(ws, ".claude", "agents")
	require.NoError(t, os.MkdirAll(agents, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(agents, "reviewer.md"),
		[]byte("---\nname: reviewer\ndescription: reviews and reverts\ntools: Read, Changes, Undo\n---\nReview.\n"), 0o644))
	names := func(args ...string) []string {
		c := spawn(t, ws, append([]string{"--checkpoint-dir", t.TempDir()}, args...)...)
		list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
		require.NoError(t, err)
		var out []string
		for _, tool := range list.Tools {
			out = append(out, tool.Name)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"Read", "Write", "Edit", "Bash", "Grep", "Glob"}, names("--agent", "python-specialist"))
	assert.ElementsMatch(t, []string{"Read", "Changes", "Undo"}, names("--agent", "reviewer"))
}
