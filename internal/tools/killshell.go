package tools

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/sandbox"
)

//go:embed killshell.md
var killShellDoc string

// killShellArgs is the KillShell tool's input, as Claude Code names it.
type killShellArgs struct {
	ShellID string `json:"shell_id" jsonschema:"The ID of the background job to stop, as Bash returned it"`
}

func killShellTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("KillShell", append([]mcp.ToolOption{
		mcp.WithDescription(describe(killShellDoc, map[string]any{"Grace": sandbox.Grace.String()})),
		inputSchema[killShellArgs](),
		mcp.WithToolTitle("Stop a background command"),
	}, annotate(false, true, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args killShellArgs) (*mcp.CallToolResult, error) {
			return t.killShell(ctx, args), nil
		})}
}

func (t *Toolset) killShell(ctx context.Context, args killShellArgs) *mcp.CallToolResult {
	sh := &t.sessions.of(ctx).shell
	j, err := sh.find(args.ShellID)
	if err != nil {
		return failed(err)
	}
	select {
	case <-j.done:
		return mcp.NewToolResultText(fmt.Sprintf("%s had already ended: it %s. Nothing to stop.", j.id, j.status(time.Now())))
	default:
	}
	sh.stop(j)
	return mcp.NewToolResultText(fmt.Sprintf("Stopped %s (%s) after %s, with every process it started. Its output stays readable with BashOutput.",
		j.id, shorten(j.command, 80), roundDuration(j.ended.Sub(j.started))))
}
