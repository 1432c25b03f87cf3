package tools

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/shell"
)

//go:embed killshell.md
var killShellDoc string

// killShellArgs is the KillShell tool's input, as Claude Code names it.
type killShellArgs struct {
	ShellID string `json:"shell_id" jsonschema:"The job ID Bash returned"`
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
	sh := t.sessions.of(ctx).shell
	j, err := sh.Find(args.ShellID)
	if err != nil {
		return failed(err)
	}
	select {
	case <-j.Done():
		return mcp.NewToolResultText(fmt.Sprintf("%s had already ended: it %s. Nothing to stop.", j.ID(), j.Status(time.Now())))
	default:
	}
	sh.Stop(j)
	return mcp.NewToolResultText(fmt.Sprintf("Stopped %s (%s) after %s, with every process it started. Its output stays readable with BashOutput.",
		j.ID(), shell.Shorten(j.Command(), 80), shell.RoundDuration(j.Ended().Sub(j.Started()))))
}
