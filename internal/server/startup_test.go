package server

import (
	"log/slog"
	"testing"

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
	s, err := New(Config{Workspace: t.TempDir(), Sandbox: &sandbox.Config{}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
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
