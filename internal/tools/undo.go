package tools

import (
	"context"
	_ "embed"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/checkpoint"
)

//go:embed undo.md
var undoDoc string

// undoArgs is the Undo tool's input. The description says what each is:
// tools/list is kept small.
type undoArgs struct {
	ID    int64 `json:"id"`
	Force bool  `json:"force,omitempty"`
}

// undoPaths is how many paths an Undo result lists.
const undoPaths = 50

func undoTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Undo", append([]mcp.ToolOption{
		mcp.WithDescription(describe(undoDoc, nil)),
		inputSchema[undoArgs](),
		mcp.WithToolTitle("Undo changes"),
	}, annotate(false, true, false)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args undoArgs) (*mcp.CallToolResult, error) {
			return t.undo(ctx, args), nil
		})}
}

func (t *Toolset) undo(ctx context.Context, args undoArgs) *mcp.CallToolResult {
	j := t.opts.Journal
	// Writes and Edits of the paths the undo restores wait for it, as they
	// wait for each other: locked in order, so two undos cannot deadlock.
	plan, err := j.Undo(ctx, args.ID, true, true)
	if err != nil {
		return failedf("Undo: %v; call Changes to list the checkpoints", err)
	}
	var rels []string
	for _, fc := range plan.Changes {
		rels = append(rels, filepath.FromSlash(fc.Path))
	}
	slices.Sort(rels)
	for _, rel := range rels {
		defer t.edits.lock(rel)()
	}
	res, err := j.Undo(ctx, args.ID, args.Force, false)
	if err != nil {
		return failedf("Undo: %v", err)
	}
	if len(res.Conflicts) > 0 && !args.Force {
		var b strings.Builder
		fmt.Fprintf(&b, "Undo: nothing restored: %s changed since agentbox last saw %s, by something it did not record (an editor, another process):\n",
			plural(len(res.Conflicts), "path"), pronoun(len(res.Conflicts)))
		for i, c := range res.Conflicts {
			if i == undoPaths {
				fmt.Fprintf(&b, "  … %d more\n", len(res.Conflicts)-undoPaths)
				break
			}
			fmt.Fprintf(&b, "  %s: %s\n", c.Path, c.What())
		}
		b.WriteString("Read them to see what changed. To restore anyway, call Undo again with force: true; their current state goes into the undo's own checkpoint, so that can be undone too.")
		return mcp.NewToolResultError(b.String())
	}
	restored := make([]string, len(res.Restored))
	for i, p := range res.Restored {
		restored[i] = filepath.FromSlash(p)
	}
	t.sessions.forgetEverywhere(restored)
	var b strings.Builder
	switch {
	case len(res.Changes) == 0:
		fmt.Fprintf(&b, "Nothing to restore: the workspace is already as it was before checkpoint %d.\n", args.ID)
	default:
		cp := res.Checkpoint
		was := "they were"
		if len(res.Changes) == 1 {
			was = "it was"
		}
		fmt.Fprintf(&b, "Restored %s to how %s before checkpoint %d. This undo is checkpoint %d: Undo with id=%d brings the changes back.\n",
			plural(len(res.Changes), "path"), was, args.ID, cp.ID, cp.ID)
		writeUndone(&b, res.Changes)
		if len(res.Conflicts) > 0 {
			fmt.Fprintf(&b, "Forced over %s changed outside agentbox; what they held is in this undo's checkpoint.\n", plural(len(res.Conflicts), "path"))
		}
		if cp.Note != "" {
			fmt.Fprintf(&b, "Note: %s\n", cp.Note)
		}
		if len(res.Restored) > 0 {
			b.WriteString("Read a restored file again before you Write or Edit it.\n")
		}
	}
	if len(res.Uncovered) > 0 {
		b.WriteString("Not restored, because the checkpoints did not hold them:\n")
		for i, u := range res.Uncovered {
			if i == undoPaths {
				fmt.Fprintf(&b, "  … %d more\n", len(res.Uncovered)-undoPaths)
				break
			}
			fmt.Fprintf(&b, "  %s (%s)\n", u.Path, u.Why)
		}
	}
	return mcp.NewToolResultText(strings.TrimRight(b.String(), "\n"))
}

// writeUndone lists what an undo did to each path, at most undoPaths.
func writeUndone(b *strings.Builder, changes []checkpoint.FileChange) {
	for i, fc := range changes {
		if i == undoPaths {
			fmt.Fprintf(b, "  … %d more: Changes with the undo's id lists them all\n", len(changes)-undoPaths)
			return
		}
		verb := "restored"
		switch {
		case fc.After == nil:
			verb = "removed"
		case fc.Before == nil:
			verb = "recreated"
		case fc.Change == checkpoint.ModeOnly:
			verb = "chmodded"
		}
		p := fc.Path
		if (fc.Before != nil && fc.Before.Type == checkpoint.Dir) || (fc.After != nil && fc.After.Type == checkpoint.Dir) {
			p += "/"
		}
		fmt.Fprintf(b, "  %-9s %s\n", verb, p)
	}
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
