//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the real agentbox binary over stdio, as a client does:
// the sandbox's launcher is then the server's own binary.

// rawSession is a running agentbox with a raw JSON-RPC line connection,
// to see the order of messages on the wire.
type rawSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	lines  chan map[string]any // every message the server writes, in order
	stderr *syncBuffer
	exited chan error
	init   map[string]any // the answer to initialize
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startRaw starts the binary on a new workspace and initializes it.
func startRaw(t *testing.T, args ...string) *rawSession {
	t.Helper()
	// Its own temporary directory, so that a server the test kills leaves
	// nothing behind.
	return startRawIn(t, t.TempDir(), t.TempDir(), args...)
}

// startRawIn starts the binary on the workspace ws with the temporary
// directory tmp, and initializes it.
func startRawIn(t *testing.T, ws, tmp string, args ...string) *rawSession {
	t.Helper()
	return startRawEnv(t, ws, []string{"TMPDIR=" + tmp}, args...)
}

// startRawEnv starts the binary on the workspace ws with env added to the
// test's environment, and initializes it.
func startRawEnv(t *testing.T, ws string, env []string, args ...string) *rawSession {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--workspace", ws}, args...)...)
	cmd.Env = append(append(os.Environ(), "AGENTBOX_TOKEN=e2e-secret-token", "TMPDIR="+t.TempDir()), env...)
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	s := &rawSession{t: t, cmd: cmd, in: in, lines: make(chan map[string]any, 1000), stderr: &syncBuffer{}, exited: make(chan error, 1)}
	cmd.Stderr = s.stderr
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 4<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			s.lines <- m
		}
		close(s.lines)
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		// A clean end first: closing its input stops the server.
		_ = in.Close()
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	s.send(map[string]any{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": map[string]any{
		"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "e2e", "version": "0"},
	}})
	s.init, _ = s.await(0)
	s.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	return s
}

func (s *rawSession) send(msg map[string]any) {
	s.t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(s.t, err)
	_, err = s.in.Write(append(b, '\n'))
	require.NoError(s.t, err)
}

// call sends a tools/call request.
func (s *rawSession) call(id int, tool string, args map[string]any, meta map[string]any) {
	s.t.Helper()
	params := map[string]any{"name": tool, "arguments": args}
	if meta != nil {
		params["_meta"] = meta
	}
	s.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
}

// await reads messages until the response to id, and returns it with the
// messages that came before it.
func (s *rawSession) await(id int) (resp map[string]any, before []map[string]any) {
	s.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m, ok := <-s.lines:
			require.True(s.t, ok, "the server exited; stderr:\n%s", s.stderr.String())
			if v, ok := m["id"].(float64); ok && int(v) == id && m["method"] == nil {
				return m, before
			}
			before = append(before, m)
		case <-timeout:
			s.t.Fatalf("no response to %d; stderr:\n%s", id, s.stderr.String())
		}
	}
}

// rawText returns the text of a tools/call response and whether it is
// an error result.
func rawText(t *testing.T, resp map[string]any) (string, bool) {
	t.Helper()
	res, ok := resp["result"].(map[string]any)
	require.True(t, ok, "not a result: %v", resp)
	var parts []string
	for _, c := range res["content"].([]any) {
		if m, ok := c.(map[string]any); ok && m["type"] == "text" {
			parts = append(parts, m["text"].(string))
		}
	}
	isErr, _ := res["isError"].(bool)
	return strings.Join(parts, "\n"), isErr
}

// running lists the host's processes whose command line starts with marker.
func running(marker string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && bytes.HasPrefix(b, []byte(marker)) {
			found = append(found, e.Name())
		}
	}
	return found
}

func marker(name string) string {
	return fmt.Sprintf("agentbox-e2e-%s-%d", name, time.Now().UnixNano())
}

func TestBashOverStdio(t *testing.T) {
	t.Parallel()
	s := startRaw(t)
	id := 1
	next := func() int { id++; return id }

	t.Run("keeps the server's secrets out of the environment", func(t *testing.T) {
		n := next()
		s.call(n, "Bash", map[string]any{"command": "env"}, nil)
		resp, _ := s.await(n)
		out, isErr := rawText(t, resp)
		require.False(t, isErr, out)
		assert.NotContains(t, out, "e2e-secret-token")
		assert.Contains(t, out, "TERM=dumb")
	})

	t.Run("sends every progress report before the result", func(t *testing.T) {
		n := next()
		s.call(n, "Bash", map[string]any{"command": "echo one; sleep 1.2; echo two; sleep 1.2"}, map[string]any{"progressToken": "tok"})
		resp, before := s.await(n)
		out, isErr := rawText(t, resp)
		require.False(t, isErr, out)
		var reports []string
		for _, m := range before {
			if m["method"] == "notifications/progress" {
				p := m["params"].(map[string]any)
				assert.Equal(t, "tok", p["progressToken"])
				reports = append(reports, p["message"].(string))
			}
		}
		require.NotEmpty(t, reports)
		for _, r := range reports {
			assert.Regexp(t, `^Running for \d+s(: (one|two))?$`, r)
		}
		assert.Regexp(t, `Running for \d+s: (one|two)`, strings.Join(reports, "\n"), "reports carry the last line printed")
		// A ping after the result: any late report would come before its answer.
		n = next()
		s.send(map[string]any{"jsonrpc": "2.0", "id": n, "method": "ping"})
		_, late := s.await(n)
		for _, m := range late {
			assert.NotEqual(t, "notifications/progress", m["method"], "a progress report came after the result")
		}
	})

	t.Run("stops a command the client cancels", func(t *testing.T) {
		mark := marker("cancel")
		n := next()
		s.call(n, "Bash", map[string]any{"command": "exec -a " + mark + " sleep 100"}, nil)
		require.Eventually(t, func() bool { return len(running(mark)) > 0 }, 20*time.Second, 20*time.Millisecond)
		s.send(map[string]any{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": map[string]any{"requestId": n, "reason": "test"}})
		require.Eventually(t, func() bool { return len(running(mark)) == 0 }, 20*time.Second, 20*time.Millisecond)
	})
}

func TestNoProcessOutlivesTheServer(t *testing.T) {
	t.Parallel()
	t.Run("when its input closes", func(t *testing.T) {
		s := startRaw(t)
		bg, fg := marker("bg"), marker("fg")
		s.call(1, "Bash", map[string]any{"command": "exec -a " + bg + " sleep 1000", "run_in_background": true}, nil)
		s.await(1)
		s.call(2, "Bash", map[string]any{"command": "exec -a " + fg + " sleep 1000"}, nil)
		require.Eventually(t, func() bool { return len(running(bg)) > 0 && len(running(fg)) > 0 }, 20*time.Second, 20*time.Millisecond)
		require.NoError(t, s.in.Close())
		for range s.lines {
		}
		select {
		case err := <-s.exited:
			require.NoError(t, err, s.stderr.String())
			s.exited <- err // for the cleanup
		case <-time.After(30 * time.Second):
			t.Fatal("the server did not exit")
		}
		assert.Empty(t, running(bg))
		assert.Empty(t, running(fg))
	})
	t.Run("when it is killed", func(t *testing.T) {
		s := startRaw(t)
		bg := marker("killed")
		s.call(1, "Bash", map[string]any{"command": "exec -a " + bg + " sleep 1000", "run_in_background": true}, nil)
		s.await(1)
		require.Eventually(t, func() bool { return len(running(bg)) > 0 }, 20*time.Second, 20*time.Millisecond)
		require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
		require.Eventually(t, func() bool { return len(running(bg)) == 0 }, 20*time.Second, 20*time.Millisecond)
	})
}

func TestNetworkFlag(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	connect := fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo connected", ln.Addr().(*net.TCPAddr).Port)
	for _, tc := range []struct {
		args    []string
		connect bool
	}{{nil, false}, {[]string{"--allow-network"}, true}} {
		s := startRaw(t, tc.args...)
		s.call(1, "Bash", map[string]any{"command": connect}, nil)
		resp, _ := s.await(1)
		out, isErr := rawText(t, resp)
		assert.Equal(t, !tc.connect, isErr, "%v: %s", tc.args, out)
		assert.Equal(t, tc.connect, strings.Contains(out, "connected"), "%v: %s", tc.args, out)
	}
}

func TestSandboxRequire(t *testing.T) {
	t.Parallel()
	// This machine offers every layer (CI runs on one like it), so require
	// starts; the log names what confines commands.
	s := startRaw(t, "--sandbox=require", "--log-level=info")
	s.call(1, "Bash", map[string]any{"command": "echo ok"}, nil)
	resp, _ := s.await(1)
	out, _ := rawText(t, resp)
	assert.Equal(t, "ok", out)
	assert.Contains(t, s.stderr.String(), "Landlock ABI")
	assert.NotContains(t, s.stderr.String(), "sandbox layer unavailable")
}
