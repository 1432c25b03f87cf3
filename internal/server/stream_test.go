package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPostStream plays mcp-go's side of a POST response by hand, against
// the notifications a tool call sends into the same response.
func TestPostStream(t *testing.T) {
	t.Parallel()
	const note = "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\",\"params\":{}}\n\n"
	const result = `{"jsonrpc":"2.0","id":1,"result":{}}`
	writeJSON := func(p *postStream) { // as mcp-go answers without notifications
		p.Header().Set("Content-Type", "application/json")
		p.WriteHeader(http.StatusOK)
		_, _ = p.Write([]byte(result + "\n"))
	}
	writeSSE := func(p *postStream, data string) { // as mcp-go answers with its own
		p.Header().Set("Content-Type", "text/event-stream")
		p.WriteHeader(http.StatusOK)
		_, _ = p.Write([]byte("event: message\ndata: " + data + "\n\n"))
		p.Flush()
	}

	t.Run("turns a JSON answer into the last event after notifications", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		p := newPostStream(rec)
		require.NoError(t, p.send("n", map[string]any{}))
		require.NoError(t, p.send("n", map[string]any{}))
		writeJSON(p)
		p.finish()
		assert.Equal(t, "text/event-stream", rec.Result().Header.Get("Content-Type"))
		assert.Equal(t, note+note+"event: message\ndata: "+result+"\n\n", rec.Body.String())
		assert.ErrorIs(t, p.send("n", map[string]any{}), errStreamClosed, "nothing after the result")
	})
	t.Run("leaves a JSON answer alone without notifications", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		p := newPostStream(rec)
		writeJSON(p)
		assert.ErrorIs(t, p.send("n", map[string]any{}), errStreamClosed, "the answer is out")
		p.finish()
		assert.Equal(t, "application/json", rec.Result().Header.Get("Content-Type"))
		assert.Equal(t, result+"\n", rec.Body.String())
	})
	t.Run("joins a stream mcp-go started", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		p := newPostStream(rec)
		writeSSE(p, `{"jsonrpc":"2.0","id":9,"method":"elicitation/create"}`)
		require.NoError(t, p.send("n", map[string]any{}))
		_, _ = p.Write([]byte("event: message\ndata: " + result + "\n\n"))
		p.finish()
		assert.Equal(t, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"elicitation/create\"}\n\n"+note+"event: message\ndata: "+result+"\n\n", rec.Body.String())
	})
	t.Run("lets mcp-go go on in a stream it joins", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		p := newPostStream(rec)
		require.NoError(t, p.send("n", map[string]any{}))
		writeSSE(p, result) // mcp-go had a message of its own, so it streams too
		p.finish()
		assert.Equal(t, note+"event: message\ndata: "+result+"\n\n", rec.Body.String())
	})
}
