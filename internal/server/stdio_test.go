package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pipeClient drives ServeStdio through pipes, as a client process would.
type pipeClient struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Scanner
	done chan error
}

func serveOverPipes(t *testing.T, s *Server) *pipeClient {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &pipeClient{t: t, in: inW, out: bufio.NewScanner(outR), done: make(chan error, 1)}
	c.out.Buffer(nil, 16<<20)
	go func() {
		c.done <- s.ServeStdio(t.Context(), inR, outW)
		outW.Close()
	}()
	t.Cleanup(func() {
		inW.Close()
		go io.Copy(io.Discard, outR)
		select {
		case err := <-c.done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("ServeStdio did not return after its input closed")
		}
	})
	return c
}

func (c *pipeClient) send(msg string) {
	c.t.Helper()
	_, err := io.WriteString(c.in, msg+"\n")
	require.NoError(c.t, err)
}

// next reads the next message the server wrote.
func (c *pipeClient) next() map[string]any {
	c.t.Helper()
	require.True(c.t, c.out.Scan(), "the server closed its output: %v", c.out.Err())
	var m map[string]any
	require.NoError(c.t, json.Unmarshal(c.out.Bytes(), &m), "not JSON: %s", c.out.Text())
	return m
}

// initialize is the whole handshake: initialize, then
// notifications/initialized.
func (c *pipeClient) initialize() {
	c.handshake()
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// handshake sends initialize alone and returns its answer.
func (c *pipeClient) handshake() map[string]any {
	c.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	m := c.next()
	require.Equal(c.t, "init", m["id"], "%v", m)
	return m
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	return newServerWith(t, Config{Workspace: t.TempDir()})
}

// newServerWith is a server of cfg, logging nowhere unless cfg says, that
// closes with the test.
func newServerWith(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStdioNotificationsPrecedeTheirResult runs many calls of a tool that
// sends progress right up to its return, concurrently, and checks that no
// notification of a call is written after that call's result.
func TestStdioNotificationsPrecedeTheirResult(t *testing.T) {
	s := newTestServer(t)
	s.mcp.AddTool(mcp.NewTool("chatty"), func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		token := req.Params.Meta.ProgressToken
		for i := range 5 {
			err := mcpserver.ServerFromContext(ctx).SendNotificationToClient(ctx, "notifications/progress",
				map[string]any{"progressToken": token, "progress": i + 1, "total": 5})
			if err != nil {
				return nil, err
			}
		}
		return mcp.NewToolResultText("done"), nil
	})
	c := serveOverPipes(t, s)
	c.initialize()
	const calls = 40
	for i := range calls {
		c.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"chatty","arguments":{},"_meta":{"progressToken":"p%d"}}}`, i, i))
	}
	answered := map[string]bool{}
	progress := map[string]int{}
	for len(answered) < calls {
		m := c.next()
		if m["method"] == "notifications/progress" {
			token := m["params"].(map[string]any)["progressToken"].(string)
			assert.False(t, answered[token], "progress for %s arrived after its result", token)
			progress[token]++
			continue
		}
		require.Contains(t, m, "result", "%v", m)
		token := fmt.Sprintf("p%.0f", m["id"].(float64))
		answered[token] = true
		assert.Equal(t, 5, progress[token], "all progress of %s before its result", token)
	}
}

func TestStdioCancellation(t *testing.T) {
	s := newTestServer(t)
	started := make(chan struct{})
	stopped := make(chan error, 1)
	s.mcp.AddTool(mcp.NewTool("wait"), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		close(started)
		<-ctx.Done()
		stopped <- ctx.Err()
		return mcp.NewToolResultError("cancelled"), nil
	})
	c := serveOverPipes(t, s)
	c.initialize()
	c.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"wait","arguments":{}}}`)
	<-started
	c.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}`)
	select {
	case err := <-stopped:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("notifications/cancelled did not cancel the call")
	}
	c.send(`{"jsonrpc":"2.0","id":8,"method":"ping"}`)
	for {
		if m := c.next(); m["id"] == 8.0 {
			break
		}
	}
}

func TestStdioBadInput(t *testing.T) {
	s := newTestServer(t)
	c := serveOverPipes(t, s)
	c.send(`{"jsonrpc":"2.0","id":1,"method":"ping"`)
	m := c.next()
	assert.Equal(t, -32700.0, m["error"].(map[string]any)["code"])
	c.send(`{"jsonrpc":"2.0","id":3,"method":"ping"}`)
	assert.Equal(t, 3.0, c.next()["id"], "the server goes on after a bad line")
}

func TestReadLines(t *testing.T) {
	const max = 100
	in := "short\n" + strings.Repeat("x", 3*max) + "\n  \n" + strings.Repeat("y", max) + "\nlast"
	lines := make(chan []byte, 10)
	// A reader smaller than max would not exercise the long-line path, so
	// use the real buffer with a tiny max.
	require.ErrorIs(t, readLines(strings.NewReader(in), lines, max), io.EOF)
	close(lines)
	var got []string
	for l := range lines {
		got = append(got, string(l))
	}
	assert.Equal(t, []string{"short", "<line too long>", strings.Repeat("y", max), "last"}, got)
}

// TestEncodeMatchesMCPGo holds the stdio fast path equal to mcp-go's own
// encoding of tool results.
func TestEncodeMatchesMCPGo(t *testing.T) {
	// The fast path copies these fields; a new one in mcp-go must be
	// copied too.
	var fields []string
	for f := range reflect.TypeFor[mcp.CallToolResult]().Fields() {
		fields = append(fields, f.Name)
	}
	slices.Sort(fields)
	assert.Equal(t, []string{"Content", "IsError", "MultiRoundTripResult", "RawStructuredContent", "Result", "StructuredContent"}, fields,
		"mcp.CallToolResult changed: update plainToolResult and this list")

	meta := &mcp.Meta{AdditionalFields: map[string]any{"k": "v"}}
	results := []*mcp.CallToolResult{
		mcp.NewToolResultText("1\tline <one> & \"two\"\n2\t\u2028é"),
		mcp.NewToolResultError("a.txt: does not exist"),
		{},
		{Content: []mcp.Content{mcp.NewTextContent("a"), mcp.NewImageContent("aGk=", "image/png")}},
		{Content: []mcp.Content{mcp.NewTextContent("s")}, StructuredContent: map[string]any{"files": []string{"a", "b"}}},
		{Content: []mcp.Content{mcp.NewTextContent("s")}, RawStructuredContent: json.RawMessage(`{"n": 1}`)},
		{Result: mcp.Result{Meta: meta, ResultType: "complete"}, Content: []mcp.Content{mcp.NewTextContent("m")}},
		{Content: []mcp.Content{mcp.NewTextContent("one"), mcp.NewTextContent("two\t\xff")}, IsError: true},
		{Content: []mcp.Content{mcp.TextContent{Type: "text", Text: "t", Annotated: mcp.Annotated{Annotations: &mcp.Annotations{Audience: []mcp.Role{mcp.RoleUser}}}}}},
	}
	for i, r := range results {
		for _, resp := range []mcp.JSONRPCMessage{
			mcp.JSONRPCResponse{JSONRPC: "2.0", ID: mcp.NewRequestId(i), Result: r},
			&mcp.JSONRPCResponse{JSONRPC: "2.0", ID: mcp.NewRequestId("s"), Result: *r},
		} {
			want, err := json.Marshal(resp)
			require.NoError(t, err)
			var got bytes.Buffer
			require.NoError(t, encodeMessage(&got, resp))
			assert.JSONEq(t, string(want), got.String(), "result %d", i)
			assert.True(t, strings.HasSuffix(got.String(), "}\n"), "one line")
		}
	}
}

// TestEncodeTextResult: the text results' own encoder writes what
// encoding/json writes, byte for byte, and leaves other results to it.
func TestEncodeTextResult(t *testing.T) {
	t.Parallel()
	for i, r := range []*mcp.CallToolResult{
		mcp.NewToolResultText("1\tline <one> & \"two\"\n2\t\u2028é\xff"),
		mcp.NewToolResultError("a.txt: does not exist"),
		{},
		{Content: []mcp.Content{mcp.NewTextContent("one"), mcp.NewTextContent("two")}, IsError: true},
	} {
		for _, id := range []mcp.RequestId{mcp.NewRequestId(int64(i)), mcp.NewRequestId("s\"<")} {
			var want, got bytes.Buffer
			require.NoError(t, json.NewEncoder(&want).Encode(mcp.JSONRPCResponse{JSONRPC: "2.0", ID: id, Result: plain(r)}))
			require.True(t, encodeTextResult(&got, id, r), "result %d", i)
			assert.Equal(t, want.String(), got.String(), "result %d", i)
		}
	}
	var buf bytes.Buffer
	image := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewImageContent("aGk=", "image/png")}}
	assert.False(t, encodeTextResult(&buf, mcp.NewRequestId(1), image))
	structured := &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("s")}, StructuredContent: map[string]any{}}
	assert.False(t, encodeTextResult(&buf, mcp.NewRequestId(1), structured))
	assert.Zero(t, buf.Len(), "nothing written when it declines")
}

// BenchmarkEncodeRead is the response encoding of a Read of a 1,000-line
// file, fast path against mcp-go's.
func BenchmarkEncodeRead(b *testing.B) {
	var s strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&s, "%d\t    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i, i%7, i)
	}
	resp := mcp.JSONRPCResponse{JSONRPC: "2.0", ID: mcp.NewRequestId(1), Result: mcp.NewToolResultText(s.String())}
	b.Run("agentbox", func(b *testing.B) {
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			if err := encodeMessage(&buf, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("mcp-go", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
