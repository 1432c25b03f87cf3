package tools

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/agentbox/agentbox/internal/check"
)

// withCheckDoc adds what Write's and Edit's descriptions say of the
// after-write check to their template data.
func withCheckDoc(data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	data["CheckShowFile"], data["CheckShowOthers"] = check.ShowFile, check.ShowOthers
	return data
}

// afterWrite is what Write and Edit return: their result, followed, after
// a successful write of a file in a language internal/check knows (.go,
// .py), by what checking it found. The
// check never holds the result longer than its timeout.
func (t *Toolset) afterWrite(ctx context.Context, name string, res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil || res.IsError || !t.opts.Checks.AfterWrite {
		return res
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return res
	}
	if note := t.checks.AfterWrite(ctx, rel); note != "" {
		for i, c := range res.Content {
			if tc, ok := c.(mcp.TextContent); ok {
				tc.Text = strings.TrimRight(tc.Text, "\n") + "\n\n" + note
				res.Content[i] = tc
				return res
			}
		}
		res.Content = append(res.Content, mcp.NewTextContent(note))
	}
	return res
}
