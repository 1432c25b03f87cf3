package server

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// encodeMessage appends a JSON-RPC message's wire form and a newline to
// buf. A tool result goes through plainToolResult, which has the wire shape
// of mcp.CallToolResult without its MarshalJSON: encoding/json validates
// and re-copies whatever a MarshalJSON returns, which for a large Read
// doubles the cost of the response. TestEncodeMatchesMCPGo holds the two
// encodings equal.
func encodeMessage(buf *bytes.Buffer, msg mcp.JSONRPCMessage) error {
	var v any = msg
	switch m := msg.(type) {
	case mcp.JSONRPCResponse:
		if r, ok := toolResult(m.Result); ok {
			if encodeTextResult(buf, m.ID, r) {
				return nil
			}
			m.Result = plain(r)
			v = m
		}
	case *mcp.JSONRPCResponse:
		if r, ok := toolResult(m.Result); ok {
			if encodeTextResult(buf, m.ID, r) {
				return nil
			}
			c := *m
			c.Result = plain(r)
			v = c
		}
	}
	return json.NewEncoder(buf).Encode(v)
}

// encodeTextResult writes the response of a tool result that is text and
// nothing else (Read, Grep, Glob, Edit: nearly every result), as
// encoding/json would write it but with appendJSONString for the text, and
// reports whether r was such a result.
func encodeTextResult(buf *bytes.Buffer, id mcp.RequestId, r *mcp.CallToolResult) bool {
	if r.Meta != nil || r.ResultType != "" || r.StructuredContent != nil || len(r.RawStructuredContent) > 0 ||
		len(r.InputRequests) > 0 || r.RequestState != "" {
		return false
	}
	size := 0
	for _, c := range r.Content {
		t, ok := c.(mcp.TextContent)
		if !ok || t.Annotations != nil || t.Meta != nil {
			return false
		}
		size += len(t.Text) + 32
	}
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return false
	}
	b := buf.AvailableBuffer()
	if cap(b) < size+128 {
		buf.Grow(size + 128)
		b = buf.AvailableBuffer()
	}
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, idJSON...)
	b = append(b, `,"result":{"content":[`...)
	for i, c := range r.Content {
		if i > 0 {
			b = append(b, ',')
		}
		t := c.(mcp.TextContent)
		b = append(b, `{"type":`...)
		b = appendJSONString(b, t.Type)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, t.Text)
		b = append(b, '}')
	}
	b = append(b, ']')
	if r.IsError {
		b = append(b, `,"isError":true`...)
	}
	b = append(b, "}}\n"...)
	buf.Write(b)
	return true
}

// buffers hold encoded responses from their handler to the writer: a
// Read's response is the size of the file, and a new one each time was
// most of what a Read allocates.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// freeBuffer returns buf to the pool, unless it grew too large to keep.
func freeBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 {
		buf.Reset()
		buffers.Put(buf)
	}
}

func toolResult(v any) (*mcp.CallToolResult, bool) {
	switch r := v.(type) {
	case *mcp.CallToolResult:
		return r, r != nil
	case mcp.CallToolResult:
		return &r, true
	}
	return nil, false
}

// plainToolResult is mcp.CallToolResult as its MarshalJSON writes it.
type plainToolResult struct {
	Meta              *mcp.Meta         `json:"_meta,omitempty"`
	ResultType        mcp.ResultType    `json:"resultType,omitempty"`
	Content           []mcp.Content     `json:"content"`
	StructuredContent any               `json:"structuredContent,omitempty"`
	IsError           bool              `json:"isError,omitempty"`
	InputRequests     mcp.InputRequests `json:"inputRequests,omitempty"`
	RequestState      string            `json:"requestState,omitempty"`
}

func plain(r *mcp.CallToolResult) plainToolResult {
	p := plainToolResult{
		Meta:          r.Meta,
		ResultType:    r.ResultType,
		Content:       r.Content,
		IsError:       r.IsError,
		InputRequests: r.InputRequests,
		RequestState:  r.RequestState,
	}
	if p.Content == nil {
		p.Content = []mcp.Content{}
	}
	if len(r.RawStructuredContent) > 0 {
		p.StructuredContent = r.RawStructuredContent
	} else if r.StructuredContent != nil {
		p.StructuredContent = r.StructuredContent
	}
	return p
}

// responseID is the id of a response, for an error that replaces it.
func responseID(msg mcp.JSONRPCMessage) mcp.RequestId {
	switch m := msg.(type) {
	case mcp.JSONRPCResponse:
		return m.ID
	case *mcp.JSONRPCResponse:
		return m.ID
	case mcp.JSONRPCError:
		return m.ID
	case *mcp.JSONRPCError:
		return m.ID
	}
	return mcp.NewRequestId(nil)
}
