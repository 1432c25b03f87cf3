package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// editArgs is the Edit tool's input.
type editArgs struct {
	FilePath   string `json:"file_path" jsonschema:"The file to modify: relative to the workspace root, or absolute inside it"`
	OldString  string `json:"old_string" jsonschema:"The text to replace"`
	NewString  string `json:"new_string" jsonschema:"The text to replace it with (must be different from old_string)"`
	ReplaceAll bool   `json:"replace_all,omitempty" jsonschema:"Replace all occurrences of old_string (default false)"`
}

func editTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Edit", append([]mcp.ToolOption{
		mcp.WithDescription("Performs exact string replacements in files."),
		inputSchema[editArgs](),
		mcp.WithToolTitle("Edit file"),
	}, annotate(false, true, false)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args editArgs) (*mcp.CallToolResult, error) {
			return failedf("Edit is not implemented yet"), nil
		})}
}
