package tools

import (
	"context"
	"fmt"
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResultsFit calls each tool that pages its output so that it would
// say far more than one result holds, and checks that the result fits in
// resultMax with the tool's own note on where to continue (not bounded's
// last-resort cut).
func TestResultsFit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// 120 files at the end of a 600-character path: their paths alone are
	// 72 KB.
	deep := strings.Repeat(strings.Repeat("d", 99)+"/", 6)
	for i := range 120 {
		h.write(fmt.Sprintf("%sf%03d.txt", deep, i), "needle "+strings.Repeat("n", 480)+"\n")
	}
	var big strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&big, "needle %04d %s\n", i, strings.Repeat("x", 60))
	}
	h.write("big.txt", big.String()) // 210 KB: a whole read of it is allowed

	for _, c := range []struct {
		tool string
		args map[string]any
		note string
	}{
		{"Read", map[string]any{"file_path": "big.txt"}, "Call Read with offset="},
		{"Read", map[string]any{"file_path": "big.txt", "offset": 100, "limit": 2900}, "Call Read with offset="},
		{"Glob", map[string]any{"pattern": "**/*.txt"}, "more are not listed"},
		{"Grep", map[string]any{"pattern": "needle", "head_limit": 0}, "Call Grep again with offset="},
		{"Grep", map[string]any{"pattern": "needle", "output_mode": "content", "head_limit": 0}, "Call Grep again with offset="},
		{"Grep", map[string]any{"pattern": "needle", "output_mode": "content", "path": "big.txt", "head_limit": 0}, "Call Grep again with offset="},
		{"Grep", map[string]any{"pattern": "needle", "output_mode": "count", "head_limit": 0}, "Call Grep again with offset="},
	} {
		got := h.ok(c.tool, c.args)
		assert.LessOrEqual(t, len(got), resultMax, "%s %v", c.tool, c.args)
		assert.Greater(t, len(got), resultMax/2, "%s %v: the page should fill most of a result", c.tool, c.args)
		assert.Contains(t, got, c.note, "%s %v", c.tool, c.args)
		assert.NotContains(t, got, "[Cut here", "%s %v: the tool pages itself", c.tool, c.args)
	}
}

// TestBounded checks the last-resort cut every tool's results go through.
func TestBounded(t *testing.T) {
	t.Parallel()
	var res *mcp.CallToolResult
	tool := bounded(server.ServerTool{
		Tool: mcp.NewTool("Big"),
		Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return res, nil
		},
	})
	s := server.NewMCPServer("test", "0")
	s.AddTools(tool)
	c := connectTo(t, s)
	call := func(r *mcp.CallToolResult) *mcp.CallToolResult {
		t.Helper()
		res = r
		return callOn(t, c, "Big", nil)
	}
	size := func(r *mcp.CallToolResult) int {
		n := 0
		for _, c := range r.Content {
			if tc, ok := c.(mcp.TextContent); ok {
				n += len(tc.Text)
			}
		}
		return n
	}

	t.Run("leaves a result that fits as it is", func(t *testing.T) {
		text := strings.Repeat("x", resultMax)
		got := call(mcp.NewToolResultText(text))
		assert.Equal(t, text, got.Content[0].(mcp.TextContent).Text)
	})
	t.Run("cuts lines at a line end, with a note", func(t *testing.T) {
		lines := strings.Repeat(strings.Repeat("y", 99)+"\n", 1000) // 100,000 bytes
		got := call(mcp.NewToolResultError(lines))
		assert.True(t, got.IsError)
		require.Len(t, got.Content, 1)
		out := got.Content[0].(mcp.TextContent).Text
		assert.LessOrEqual(t, len(out), resultMax)
		body, note, ok := strings.Cut(out, "\n\n[Cut here")
		require.True(t, ok, out[len(out)-300:])
		assert.Equal(t, ": the result had 100,000 characters, and one result holds at most 40,000; ask for less: a smaller limit, head_limit or path.]", note)
		assert.True(t, strings.HasSuffix(body, "\n"+strings.Repeat("y", 99)), "whole lines only")
	})
	t.Run("cuts text without line ends between characters", func(t *testing.T) {
		got := call(mcp.NewToolResultText(strings.Repeat("é", resultMax)))
		out := got.Content[0].(mcp.TextContent).Text
		assert.LessOrEqual(t, len(out), resultMax)
		assert.True(t, utf8.ValidString(out))
		assert.Contains(t, out, "[Cut here: the result had 80,000 characters")
	})
	t.Run("keeps images and cuts the text across several items", func(t *testing.T) {
		r := &mcp.CallToolResult{Content: []mcp.Content{
			mcp.NewTextContent(strings.Repeat("a", 30_000)),
			mcp.NewImageContent("aW1hZ2U=", "image/png"),
			mcp.NewTextContent(strings.Repeat("b\n", 10_000)),
			mcp.NewTextContent("dropped"),
		}}
		got := call(r)
		assert.LessOrEqual(t, size(got), resultMax)
		require.Len(t, got.Content, 3)
		assert.Equal(t, strings.Repeat("a", 30_000), got.Content[0].(mcp.TextContent).Text)
		assert.IsType(t, mcp.ImageContent{}, got.Content[1])
		assert.Contains(t, got.Content[2].(mcp.TextContent).Text, "[Cut here: the result had 50,007 characters")
	})
}

// TestEveryToolIsBounded checks that the tools All serves go through
// bounded: an error quoting a path longer than a result holds is cut.
func TestEveryToolIsBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	long := path.Join(strings.Repeat(strings.Repeat("p", 200)+"/", 300), "x.py")
	got := h.fail("Read", map[string]any{"file_path": long})
	assert.LessOrEqual(t, len(got), resultMax)
	assert.Contains(t, got, "[Cut here")
}
