package server

import (
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
)

// encodeMessage encodes a JSON-RPC message for the wire. A tool result goes
// through plainToolResult, which has the wire shape of mcp.CallToolResult
// without its MarshalJSON: encoding/json validates and re-copies whatever a
// MarshalJSON returns, which for a large Read doubles the cost of the
// response. TestEncodeMatchesMCPGo holds the two encodings equal.
func encodeMessage(msg mcp.JSONRPCMessage) ([]byte, error) {
	switch m := msg.(type) {
	case mcp.JSONRPCResponse:
		if r, ok := toolResult(m.Result); ok {
			m.Result = plain(r)
			return json.Marshal(m)
		}
	case *mcp.JSONRPCResponse:
		if r, ok := toolResult(m.Result); ok {
			c := *m
			c.Result = plain(r)
			return json.Marshal(c)
		}
	}
	return json.Marshal(msg)
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
