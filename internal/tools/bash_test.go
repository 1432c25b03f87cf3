package tools

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/notify"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// newBashHarness is newHarness with a sandbox, so Bash, BashOutput and
// KillShell are served; sessions end when their client closes.
func newBashHarness(t *testing.T, cfg sandbox.Config) *harness {
	t.Helper()
	return newBashHarnessWith(t, cfg, Options{})
}

// newBashHarnessWith is newBashHarness with the tools' options opts.
func newBashHarnessWith(t *testing.T, cfg sandbox.Config, opts Options) *harness {
	t.Helper()
	dir := t.TempDir()
	ws := testutil.Workspace(t, dir)
	opts.Sandbox = testutil.Sandbox(t, dir, cfg)
	ts := New(ws, opts)
	t.Cleanup(ts.Close)
	h := &harness{t: t, dir: dir, ws: ws, ts: ts}
	h.c = h.connectBash()
	return h
}

// connectBash opens a client session whose end ends its jobs, as the
// server's hook does, and whose tool calls may report progress.
func (h *harness) connectBash() *client.Client {
	h.t.Helper()
	hooks := &server.Hooks{}
	hooks.AddOnUnregisterSession(func(_ context.Context, cs server.ClientSession) { h.ts.EndSession(cs.SessionID()) })
	s := server.NewMCPServer("test", "0", server.WithHooks(hooks), server.WithToolHandlerMiddleware(notify.Middleware))
	s.AddTools(h.ts.All()...)
	return connectTo(h.t, s)
}

func bash(command string) map[string]any { return map[string]any{"command": command} }

func TestBash(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})

	t.Run("returns the output", func(t *testing.T) {
		assert.Equal(t, "hello", h.ok("Bash", bash("echo hello")))
	})
	t.Run("merges stdout and stderr in order", func(t *testing.T) {
		assert.Equal(t, "out1\nerr1\nout2\nerr2", h.ok("Bash", bash("echo out1; echo err1 >&2; echo out2; echo err2 >&2")))
	})
	t.Run("trims blank lines and trailing space", func(t *testing.T) {
		assert.Equal(t, "  padded", h.ok("Bash", bash(`printf '\n\n  padded  \n\n'`)))
	})
	t.Run("says when there is no output", func(t *testing.T) {
		assert.Equal(t, "(Bash completed with no output)", h.ok("Bash", bash("true")))
	})
	t.Run("reports a non-zero exit as an error", func(t *testing.T) {
		assert.Equal(t, "Exit code 3\noops", h.fail("Bash", bash("echo oops; exit 3")))
		assert.Equal(t, "Exit code 1", h.fail("Bash", bash("false")))
	})
	t.Run("names the signal that killed the command", func(t *testing.T) {
		assert.Equal(t, "Exit code 139 (segmentation fault)", h.fail("Bash", bash("kill -SEGV $$")))
	})
	t.Run("gives commands an empty stdin", func(t *testing.T) {
		assert.Equal(t, "[] 1", h.ok("Bash", bash(`read x; echo "[$x] $?"`)))
	})
	t.Run("refuses an empty command", func(t *testing.T) {
		assert.Contains(t, h.fail("Bash", bash("  ")), "command is empty")
	})
	t.Run("refuses a timeout over the maximum", func(t *testing.T) {
		got := h.fail("Bash", map[string]any{"command": "true", "timeout": 700000})
		assert.Contains(t, got, "timeout: maximum: got 700,000, want 600,000")
	})
	t.Run("explains a write outside the workspace", func(t *testing.T) {
		got := h.fail("Bash", bash("touch /etc/agentbox-test"))
		assert.Contains(t, got, "Read-only file system")
		assert.Contains(t, got, "[Commands may write only inside the workspace and $TMPDIR")
	})
	t.Run("explains the missing network", func(t *testing.T) {
		got := h.fail("Bash", bash("exec 3<>/dev/tcp/192.0.2.1/80"))
		assert.Contains(t, got, "without --allow-network")
	})
}

func TestBashWorkingDirectory(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	root, err := filepath.EvalSymlinks(h.dir)
	require.NoError(t, err)

	h.ok("Bash", bash("mkdir -p sub/deeper && cd sub"))
	assert.Equal(t, filepath.Join(root, "sub"), h.ok("Bash", bash("pwd -P")), "cd carries over")
	h.fail("Bash", bash("cd deeper && false"))
	assert.Equal(t, filepath.Join(root, "sub"), h.ok("Bash", bash("pwd -P")), "a failed command does not move it")

	got := h.ok("Bash", bash("cd /usr"))
	assert.Equal(t, "(Bash completed with no output)\n\n[Shell cwd was reset to the workspace root: the command ended in /usr, outside the workspace.]", got)
	assert.Equal(t, root, h.ok("Bash", bash("pwd -P")))

	h.ok("Bash", bash("cd sub/deeper"))
	require.NoError(t, os.RemoveAll(filepath.Join(h.dir, "sub")))
	got = h.ok("Bash", bash("pwd -P"))
	assert.Equal(t, root+"\n\n[The working directory sub/deeper is gone, so this command ran in the workspace root.]", got)

	t.Run("each session has its own", func(t *testing.T) {
		h.ok("Bash", bash("mkdir -p mine && cd mine"))
		other := h.connectBash()
		assert.Equal(t, root, okOn(t, other, "Bash", bash("pwd -P")))
	})
}

func okOn(t *testing.T, c *client.Client, tool string, args map[string]any) string {
	t.Helper()
	res := callOn(t, c, tool, args)
	require.False(t, res.IsError, "unexpected tool error: %s", text(res))
	return text(res)
}

func TestBashTimeout(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	marker := fmt.Sprintf("agentbox-timeout-%d", time.Now().UnixNano())
	got := h.fail("Bash", map[string]any{
		"command": fmt.Sprintf("echo started; (exec -a %[1]s sleep 100) & (exec -a %[1]s sleep 100); wait", marker),
		// Long enough for the sandbox to start the command on a busy
		// machine: the clock runs from the call, and under load setting up
		// the sandbox alone took over 500ms, before echo ran.
		"timeout": 2000,
	})
	assert.Regexp(t, `^Command timed out after [0-9.]+m?s and was stopped, with every process it started\.`, got)
	assert.Contains(t, got, "\nstarted")
	assert.Empty(t, processes(t, marker), "the command's children were killed")
}

// processes lists the host's processes whose command line holds marker.
func processes(t *testing.T, marker string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.HasPrefix(b, []byte(marker)) {
			found = append(found, e.Name())
		}
	}
	return found
}

// waitRunning waits until a process whose command line starts with marker
// runs.
func waitRunning(t *testing.T, marker string) {
	t.Helper()
	require.Eventually(t, func() bool { return len(processes(t, marker)) > 0 }, 20*time.Second, 10*time.Millisecond)
}

func TestBashCancel(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	marker := fmt.Sprintf("agentbox-cancel-%d", time.Now().UnixNano())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "Bash", bash(fmt.Sprintf("exec -a %s sleep 100", marker))
		_, err := h.c.CallTool(ctx, req)
		done <- err
	}()
	waitRunning(t, marker)
	cancel()
	<-done
	// The handler stops the command before it returns; the next call's
	// answer comes after that.
	require.Eventually(t, func() bool { return len(processes(t, marker)) == 0 }, 10*time.Second, 20*time.Millisecond)
}

// TestBashLargeOutput pages through 10 MB of output as a client does.
// That the output is spooled to disk, not held in memory, is tested on the
// spool itself (internal/shell's TestSpoolBeyondItsCap): measuring the
// process's heap here, beside parallel tests, would measure them too.
func TestBashLargeOutput(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	// 10 MB: 100,000 numbered lines of 100 bytes.
	got := h.ok("Bash", bash(`for i in $(seq 100000); do printf '%099d\n' $i; done`))

	assert.LessOrEqual(t, len(got), bashMaxOutput+400)
	assert.True(t, strings.HasPrefix(got, fmt.Sprintf("%099d\n", 1)), got[:200])
	assert.True(t, strings.HasSuffix(got, fmt.Sprintf("%099d", 100000)), got[len(got)-200:])
	note := regexp.MustCompile(`\[… (.+) left out here: the output is 9.5 MB in all\. To read on from here, call BashOutput with bash_id "(b\d+)" and offset (\d+)\.\]`).FindStringSubmatch(got)
	require.NotNil(t, note, got[14000:16000])
	id, offset := note[2], note[3]

	page := h.ok("BashOutput", map[string]any{"bash_id": id, "offset": mustAtoi(t, offset)})
	first := mustAtoi(t, offset)/100 + 1
	assert.True(t, strings.HasPrefix(page, fmt.Sprintf("[%s: exited with code 0 after ", id)), page[:100])
	assert.Contains(t, page, "]\n"+fmt.Sprintf("%099d\n%099d\n", first, first+1))
	assert.Regexp(t, `\[More output follows \(.+ of 9.5 MB read\): call BashOutput again to read on from offset \d+\.\]$`, page)

	last := h.ok("BashOutput", map[string]any{"bash_id": id, "offset": 10_000_000 - 200})
	assert.True(t, strings.HasSuffix(last, fmt.Sprintf("%099d\n%099d\n", 99999, 100000)), last)
	assert.Contains(t, h.ok("BashOutput", map[string]any{"bash_id": id}), "(no new output)")
	assert.Contains(t, h.fail("BashOutput", map[string]any{"bash_id": id, "offset": 20_000_000}), "past the end")
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func TestBashBackground(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	start := func(c *client.Client, command string) string {
		got := okOn(t, c, "Bash", map[string]any{"command": command, "run_in_background": true})
		m := regexp.MustCompile(`^Started in the background with ID (b\d+)\.`).FindStringSubmatch(got)
		require.NotNil(t, m, got)
		return m[1]
	}
	// waitFor reads the job until its output holds want, and returns all
	// that was read.
	waitFor := func(c *client.Client, id, want string) string {
		var all strings.Builder
		require.Eventually(t, func() bool {
			all.WriteString(okOn(t, c, "BashOutput", map[string]any{"bash_id": id}))
			return strings.Contains(all.String(), want)
		}, 20*time.Second, 20*time.Millisecond)
		return all.String()
	}

	t.Run("runs to the end and reports its exit", func(t *testing.T) {
		id := start(h.c, "echo one; echo two; exit 4")
		got := waitFor(h.c, id, "exited with code 4")
		assert.Regexp(t, `(?s)one\n.*two\n`, got)
		assert.True(t, strings.HasPrefix(h.ok("BashOutput", map[string]any{"bash_id": id}), "["+id+": exited with code 4 after "))
		assert.Contains(t, h.ok("BashOutput", map[string]any{"bash_id": id}), "(no new output)")
		assert.Contains(t, h.ok("BashOutput", map[string]any{"bash_id": id, "offset": 0}), "one\ntwo")
		assert.Contains(t, h.ok("KillShell", map[string]any{"shell_id": id}), "had already ended")
	})
	t.Run("filters lines", func(t *testing.T) {
		id := start(h.c, "printf 'apple\\nbanana\\napricot\\n'")
		waitFor(h.c, id, "exited with code 0")
		got := h.ok("BashOutput", map[string]any{"bash_id": id, "offset": 0, "filter": "^a"})
		assert.True(t, strings.HasPrefix(got, "["+id+": exited with code 0 after "), got)
		assert.True(t, strings.HasSuffix(got, "]\napple\napricot"), got)
		assert.Contains(t, h.fail("BashOutput", map[string]any{"bash_id": id, "filter": "("}), "not a valid regular expression")
	})
	t.Run("is stopped by KillShell, with all it started", func(t *testing.T) {
		marker := fmt.Sprintf("agentbox-bg-%d", time.Now().UnixNano())
		id := start(h.c, fmt.Sprintf("echo ready; (exec -a %[1]s sleep 1000) & exec -a %[1]s sleep 1000", marker))
		waitFor(h.c, id, "ready")
		waitRunning(t, marker)
		assert.Regexp(t, `^Stopped `+id+` \(.+\) after .+, with every process it started\.`, h.ok("KillShell", map[string]any{"shell_id": id}))
		assert.Empty(t, processes(t, marker))
		assert.Contains(t, h.ok("BashOutput", map[string]any{"bash_id": id}), "stopped by KillShell after")
	})
	t.Run("belongs to its session", func(t *testing.T) {
		id := start(h.c, "echo mine")
		other := h.connectBash()
		got := callOn(t, other, "BashOutput", map[string]any{"bash_id": id})
		require.True(t, got.IsError)
		assert.Contains(t, text(got), "no such job in this session")
		assert.Contains(t, h.fail("KillShell", map[string]any{"shell_id": "b999"}), "b999: no such job in this session; its jobs are ")
	})
	t.Run("dies with its session", func(t *testing.T) {
		marker := fmt.Sprintf("agentbox-session-%d", time.Now().UnixNano())
		c := h.connectBash()
		id := start(c, fmt.Sprintf("echo ready; exec -a %s sleep 1000", marker))
		waitFor(c, id, "ready")
		waitRunning(t, marker)
		require.NoError(t, c.Close())
		assert.Empty(t, processes(t, marker))
	})
	t.Run("dies with the server", func(t *testing.T) {
		hh := newBashHarness(t, sandbox.Config{})
		marker := fmt.Sprintf("agentbox-server-%d", time.Now().UnixNano())
		id := start(hh.c, fmt.Sprintf("echo ready; exec -a %s sleep 1000", marker))
		waitFor(hh.c, id, "ready")
		waitRunning(t, marker)
		hh.ts.Close()
		assert.Empty(t, processes(t, marker))
	})
}

func TestBashProgress(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{})
	// The Sender a transport installs: here it records each notification
	// as it is written, beside the results.
	var mu sync.Mutex
	var events []string
	ctx := notify.WithSender(t.Context(), func(method string, params any) error {
		p := params.(map[string]any)
		mu.Lock()
		defer mu.Unlock()
		events = append(events, fmt.Sprintf("%s %v %v", method, p["progressToken"], p["message"]))
		return nil
	})
	call := func(token any, command string) {
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "Bash", bash(command)
		if token != nil {
			req.Params.Meta = &mcp.Meta{ProgressToken: token}
		}
		res, err := h.c.CallTool(ctx, req)
		require.NoError(t, err)
		require.False(t, res.IsError, text(res))
		mu.Lock()
		events = append(events, fmt.Sprintf("result %v", token))
		mu.Unlock()
	}
	call("p1", "echo step one; sleep 1.3; echo step two; sleep 1.3")
	call(nil, "sleep 1.5") // gives a late p1 report time to show up

	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, len(events), 3, "%v", events)
	for _, e := range events[:len(events)-2] {
		assert.Regexp(t, `^notifications/progress p1 Running for \d+s(: step (one|two))?$`, e)
	}
	assert.Regexp(t, `Running for \d+s: step (one|two)`, strings.Join(events, "\n"), "reports carry the last line printed")
	assert.Equal(t, []string{"result p1", "result <nil>"}, events[len(events)-2:], "every report comes before the result: %v", events)
}

func TestBashEnvironmentAndSecrets(t *testing.T) {
	t.Parallel()
	h := newBashHarness(t, sandbox.Config{
		Env:     []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", "AGENTBOX_TOKEN=tok-secret", "AWS_SECRET_ACCESS_KEY=aws-secret", "KEEP=me"},
		PassEnv: []string{"KEEP"},
	})
	env := h.ok("Bash", bash("env"))
	assert.NotContains(t, env, "tok-secret")
	assert.NotContains(t, env, "aws-secret")
	assert.Contains(t, env, "KEEP=me")
	assert.Contains(t, env, "TERM=dumb")
}

func TestBashForkBombLeavesServerAnswering(t *testing.T) {
	t.Parallel()
	// A low process limit makes the bomb reach it at once, even on a loaded
	// machine, so its refusals and the hint about them are in the output
	// before the timeout (10 s: on a loaded machine 4 s was not enough).
	h := newBashHarness(t, sandbox.Config{MaxProcs: 64})
	h.write("a.txt", "alpha\n")
	bombed := make(chan string, 1)
	go func() {
		var req mcp.CallToolRequest
		req.Params.Name = "Bash"
		req.Params.Arguments = map[string]any{"command": "bomb() { bomb | bomb & }; bomb; sleep 100", "timeout": 10000}
		res, err := h.c.CallTool(t.Context(), req)
		if err != nil {
			bombed <- "protocol error: " + err.Error()
			return
		}
		bombed <- text(res)
	}()
	// While it rages and after it is stopped, other calls answer quickly.
	for i := range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = "Read", map[string]any{"file_path": "a.txt"}
		res, err := h.c.CallTool(ctx, req)
		cancel()
		require.NoError(t, err, "Read did not answer within 5s")
		assert.Equal(t, "1\talpha", text(res))
		if i == 0 {
			got := <-bombed
			assert.Contains(t, got, "timed out")
			assert.Contains(t, got, "processes at once")
		}
	}
}

func TestBashDescribesItsSandbox(t *testing.T) {
	t.Parallel()
	describe := func(h *harness) string {
		list, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
		require.NoError(t, err)
		for _, tool := range list.Tools {
			if tool.Name == "Bash" {
				return tool.Description
			}
		}
		t.Fatal("no Bash tool")
		return ""
	}
	on := newBashHarness(t, sandbox.Config{})
	got := describe(on)
	assert.Contains(t, got, "Sandbox: commands may write only the workspace and `$TMPDIR`")
	assert.Contains(t, got, "There is no network")
	if len(on.ts.opts.Sandbox.Missing()) == 0 {
		assert.NotContains(t, got, "Not confined here")
	}

	got = describe(newBashHarness(t, sandbox.Config{Mode: sandbox.Off}))
	assert.NotContains(t, got, "Sandbox: commands may write only")
	assert.Contains(t, got, "Not confined here: the sandbox is off (--sandbox=off): commands run unconfined")

	got = describe(newBashHarness(t, sandbox.Config{AllowNetwork: true}))
	assert.Contains(t, got, "The network is allowed.")
}
