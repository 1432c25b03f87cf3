package tools

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
)

//go:embed diagnostics.md
var diagnosticsDoc string

// diagnosticsArgs is the Diagnostics tool's input.
type diagnosticsArgs struct {
	Path  string `json:"path,omitempty" jsonschema:"File or directory to check (default: the workspace root)"`
	GoVet bool   `json:"go_vet,omitempty" jsonschema:"Also run go vet (slower)"`
}

func diagnosticsTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Diagnostics", append([]mcp.ToolOption{
		mcp.WithDescription(describe(diagnosticsDoc, map[string]any{
			"MaxShown":   check.TreeMaxShown,
			"MaxPyFiles": check.MaxPythonFiles,
			"MaxModules": check.MaxGoModules,
			"Timeout":    fmt.Sprintf("%gs", check.TreeTimeout.Seconds()),
		})),
		inputSchema[diagnosticsArgs](),
		mcp.WithToolTitle("Check code for errors"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args diagnosticsArgs) (*mcp.CallToolResult, error) {
			return t.diagnostics(ctx, args), nil
		})}
}

func (t *Toolset) diagnostics(ctx context.Context, args diagnosticsArgs) *mcp.CallToolResult {
	name := args.Path
	if name == "" {
		name = "."
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return failed(err)
	}
	fi, err := t.ws.Stat(name)
	if err != nil {
		return failed(t.explain(name, err))
	}
	text, err := t.checks.Diagnose(ctx, check.Request{Name: name, Rel: rel, IsDir: fi.IsDir(), GoVet: args.GoVet, Ignore: t.excludes.Rules()})
	if err != nil {
		return failedf("%s: %v", name, err)
	}
	res := mcp.NewToolResultText(text)
	fit(res, "check a smaller path to see the rest")
	return res
}
