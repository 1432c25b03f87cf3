package tools

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/shell"
)

//go:embed bashoutput.md
var bashOutputDoc string

// bashOutputArgs is the BashOutput tool's input.
type bashOutputArgs struct {
	BashID string  `json:"bash_id" jsonschema:"The job ID Bash returned"`
	Offset *int64  `json:"offset,omitempty" jsonschema:"Byte offset to read from"`
	Filter string  `json:"filter,omitempty" jsonschema:"Return only the lines matching this regular expression"`
	Wait   float64 `json:"wait,omitempty" jsonschema:"Seconds to wait for new output or the job's end"`
}

// waitMax is the longest BashOutput wait, in seconds: the foreground
// limit, so that a wait ends before the client gives up on the call.
func waitMax(limit time.Duration) int {
	if limit <= 0 {
		return bashMaxTimeout / 1000
	}
	return max(1, int(limit/time.Second))
}

func bashOutputTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("BashOutput", append([]mcp.ToolOption{
		mcp.WithDescription(describe(bashOutputDoc, map[string]any{
			"MaxOutput": bashMaxOutput,
			"MaxSpool":  formatSize(shell.SpoolMax),
			"MaxTail":   formatSize(shell.TailMax),
			"MaxKept":   shell.MaxKept,
			"MaxWait":   waitMax(t.opts.ForegroundLimit),
		})),
		inputSchemaFor[bashOutputArgs](fmt.Sprintf(" wait≤%d", waitMax(t.opts.ForegroundLimit)), atLeast("offset", 0), atLeast("wait", 0), atMost("wait", float64(waitMax(t.opts.ForegroundLimit))), func(s *jsonschema.Schema) {
			p := s.Properties["offset"] // a pointer only to tell 0 from absent
			p.Type, p.Types = "integer", nil
		}),
		mcp.WithToolTitle("Read a command's output"),
	}, annotate(true, false, false)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args bashOutputArgs) (*mcp.CallToolResult, error) {
			return t.bashOutput(ctx, args), nil
		})}
}

func (t *Toolset) bashOutput(ctx context.Context, args bashOutputArgs) *mcp.CallToolResult {
	j, err := t.sessions.of(ctx).shell.Find(args.BashID)
	if err != nil {
		return failed(err)
	}
	var re *regexp.Regexp
	if args.Filter != "" {
		if re, err = regexp.Compile(args.Filter); err != nil {
			return failedf("BashOutput: filter %q is not a valid regular expression (RE2 syntax): %v", args.Filter, err)
		}
	}
	from := j.Cursor()
	if args.Offset != nil {
		from = *args.Offset
	}
	if total := j.Output().Size(); from > total {
		return failedf("BashOutput: offset %d is past the end of %s's output, which is %d bytes so far", from, j.ID(), total)
	}
	wait := time.Duration(args.Wait * float64(time.Second))
	if wait > 0 {
		stop := reportProgress(ctx, j)
		defer stop()
	}
	text, next, skipped, err := j.Read(ctx, from, bashMaxOutput, re, wait)
	if err != nil {
		return failedf("BashOutput: cannot read %s's output: %v", j.ID(), err)
	}
	j.Advance(next)
	// The status first: when it says the job ended, the size read after
	// it is the whole output's, so "more follows" is never missed.
	status := j.Status(time.Now())
	total := j.Output().Size()

	var b strings.Builder
	fmt.Fprintf(&b, "[%s: %s]\n", j.ID(), status)
	if skipped > 0 {
		to := from + skipped
		fmt.Fprintf(&b, "[%s What follows starts at offset %d.]\n", lostNote(j.Output(), shell.Gap{From: to - skipped, To: to}), to)
	}
	switch {
	case text != "":
		b.WriteString(text)
	case re != nil:
		b.WriteString("(no new lines match the filter" + within(wait) + ")")
	default:
		b.WriteString("(no new output" + within(wait) + ")")
	}
	if next < total {
		fmt.Fprintf(&b, "\n\n[More output follows (%s of %s read): call BashOutput again to read on from offset %d.]", formatSize(next), formatSize(total), next)
	}
	return mcp.NewToolResultText(b.String())
}

// within says how long a wait that found nothing waited.
func within(wait time.Duration) string {
	if wait <= 0 {
		return ""
	}
	return " within " + shell.RoundDuration(wait)
}
