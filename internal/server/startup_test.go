package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BenchmarkNewServer is the server's share of a spawn: opening the
// workspace, building the tools and loading the prompts.
func BenchmarkNewServer(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		s, err := New(Config{Workspace: dir})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// TestPythonProbeAfterHandshake: a serving server learns python3's version
// from its first tool call on, not during the handshake and tools/list,
// whose answers the probe's processes would slow.
func TestPythonProbeAfterHandshake(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, Config{Workspace: t.TempDir(), Sandbox: &sandbox.Config{}})
	py := s.tools.Python()
	require.NotNil(t, py)
	c := serveOverPipes(t, s)
	c.initialize()
	c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	require.EqualValues(t, 2, c.next()["id"])
	assert.False(t, py.Started(), "the handshake and tools/list started the probe")
	c.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"Read","arguments":{"file_path":"missing.txt"}}}`)
	require.EqualValues(t, 3, c.next()["id"])
	assert.True(t, py.Started(), "the first tool call did not start the probe")
}

// TestSandboxProbeAfterHandshake: under --sandbox=auto the answer to
// initialize waits for no sandbox probe; the probe runs from the client's
// notifications/initialized on, and tools/list, whose Bash states the
// sandbox's layers, waits for it.
func TestSandboxProbeAfterHandshake(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, Config{Workspace: t.TempDir(), Sandbox: &sandbox.Config{Mode: sandbox.Auto}})
	c := serveOverPipes(t, s)
	init := c.handshake()
	assert.Contains(t, init["result"].(map[string]any)["instructions"], "python3", "the instructions still say where python3 is")
	assert.False(t, s.sandbox.Probed(), "the handshake waited for the sandbox's probe")
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list := c.next()
	require.EqualValues(t, 2, list["id"])
	assert.True(t, s.sandbox.Probed())
	var bash map[string]any
	for _, tool := range list["result"].(map[string]any)["tools"].([]any) {
		if m := tool.(map[string]any); m["name"] == "Bash" {
			bash = m
		}
	}
	require.NotNil(t, bash, "tools/list has no Bash")
	assert.Equal(t, s.sandbox.Facts().Network, bash["annotations"].(map[string]any)["openWorldHint"], "Bash's hints follow the probe")
}

// TestFirstRequestIsACall: a client that calls a tool straight after
// initialize, without notifications/initialized or tools/list, finds the
// tools there and the sandbox ready.
func TestFirstRequestIsACall(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, Config{Workspace: t.TempDir(), Sandbox: &sandbox.Config{Mode: sandbox.Auto}})
	c := serveOverPipes(t, s)
	c.handshake()
	c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"Bash","arguments":{"command":"echo started-lazily"}}}`)
	res := c.next()
	require.EqualValues(t, 2, res["id"], "%v", res)
	r := res["result"].(map[string]any)
	assert.NotEqual(t, true, r["isError"], "%v", r)
	assert.Contains(t, fmt.Sprint(r["content"]), "started-lazily")
}

// TestSandboxRequireRefusesBeforeServing: --sandbox=require probes in New,
// so a server missing a layer refuses to start before any client talks to
// it, rather than at its first call.
func TestSandboxRequireRefusesBeforeServing(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Workspace: t.TempDir(), Sandbox: &sandbox.Config{Mode: sandbox.Require}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		require.ErrorIs(t, err, sandbox.ErrUnavailable)
		return
	}
	t.Cleanup(func() { s.Close() })
	assert.True(t, s.sandbox.Probed(), "New returned under --sandbox=require before the probe")
	assert.Empty(t, s.sandbox.Missing(), "--sandbox=require served with a layer missing")
}

// TestFirstWriteIsACheckpoint: the journal opened with the server records
// the first Write, made as the first request after initialize.
func TestFirstWriteIsACheckpoint(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ws, "old.txt"), []byte("old\n"), 0o644))
	s := newServerWith(t, Config{Workspace: ws, Checkpoints: &checkpoint.Options{Dir: filepath.Join(t.TempDir(), "journal")}})
	c := serveOverPipes(t, s)
	c.handshake()
	c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"Write","arguments":{"file_path":"new.txt","content":"new\n"}}}`)
	res := c.next()
	require.EqualValues(t, 2, res["id"])
	require.NotEqual(t, true, res["result"].(map[string]any)["isError"], "%v", res)
	c.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"Changes","arguments":{}}}`)
	res = c.next()
	require.EqualValues(t, 3, res["id"])
	assert.Contains(t, fmt.Sprint(res["result"]), "new.txt", "the first Write is not among the checkpoints")
}
