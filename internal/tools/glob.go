package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// globArgs is the Glob tool's input.
type globArgs struct {
	Pattern string `json:"pattern" jsonschema:"The glob pattern to match files against"`
	Path    string `json:"path,omitempty" jsonschema:"The directory to search in, relative to the workspace root; defaults to the root"`
}

func globTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Glob", append([]mcp.ToolOption{
		mcp.WithDescription("Fast file pattern matching."),
		inputSchema[globArgs](),
		mcp.WithToolTitle("Find files"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args globArgs) (*mcp.CallToolResult, error) {
			return failedf("Glob is not implemented yet"), nil
		})}
}
