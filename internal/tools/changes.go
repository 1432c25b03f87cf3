package tools

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/textedit"
)

//go:embed changes.md
var changesDoc string

// changesArgs is the Changes tool's input. The description says what id
// is: tools/list is kept small.
type changesArgs struct {
	ID     int64 `json:"id,omitempty"`
	Offset int   `json:"offset,omitempty" jsonschema:"Entries to skip"`
	Limit  int   `json:"limit,omitempty" jsonschema:"Most entries"`
}

const (
	changesList      = 20                  // checkpoints a list shows when no limit is given
	changesLines     = 2000                // diff lines a page shows when no limit is given
	changesMaxOutput = 40_000              // characters of one result
	changesPaths     = 10                  // paths a list shows of one checkpoint
	changesLineLen   = textedit.MaxLineLen // characters of one diff line shown before it is cut
)

func changesTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Changes", append([]mcp.ToolOption{
		mcp.WithDescription(describe(changesDoc, map[string]any{
			"List":      changesList,
			"Lines":     changesLines,
			"MaxOutput": changesMaxOutput,
		})),
		inputSchema[changesArgs](noRequired),
		mcp.WithToolTitle("List changes"),
	}, annotate(true, false, false)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args changesArgs) (*mcp.CallToolResult, error) {
			if args.Offset < 0 {
				return failedf("Changes: offset %d: give how many to skip, 0 or more", args.Offset), nil
			}
			if args.ID != 0 {
				return t.changesDiff(args), nil
			}
			return t.changesList(args), nil
		})}
}

// changesList lists the checkpoints, newest first, a page at a time.
func (t *Toolset) changesList(args changesArgs) *mcp.CallToolResult {
	j := t.opts.Journal
	list, err := j.List()
	if err != nil {
		return failedf("Changes: cannot read the checkpoints: %v", err)
	}
	limit := args.Limit
	if limit <= 0 {
		limit = changesList
	}
	var b strings.Builder
	if len(list) == 0 {
		b.WriteString("No checkpoints yet: each Write, Edit and Bash command that changes files records one.")
	}
	if args.Offset >= len(list) && len(list) > 0 {
		return failedf("Changes: offset %d is past the end: there are %s", args.Offset, plural(len(list), "checkpoint"))
	}
	shown := 0
	for _, cp := range list[min(args.Offset, len(list)):] {
		if shown == limit {
			break
		}
		var entry strings.Builder
		writeCheckpoint(&entry, cp, changesPaths)
		if shown > 0 && b.Len()+entry.Len() > changesMaxOutput {
			break
		}
		b.WriteString(entry.String())
		shown++
	}
	if end := args.Offset + shown; end < len(list) {
		fmt.Fprintf(&b, "\n[Showing %s of %d, newest first. Call Changes with offset=%d for older ones.]", plural(shown, "checkpoint"), len(list), end)
	}
	select {
	case <-j.Primed():
	default:
		b.WriteString("\n[agentbox is still taking its first copy of the workspace: until it is done, what a Bash command changes in files it has not copied yet cannot be undone.]")
	}
	return mcp.NewToolResultText(strings.TrimRight(b.String(), "\n"))
}

// writeCheckpoint writes a checkpoint's heading and, unless paths is 0,
// at most paths of the paths it changed, what it could not record, and
// its note.
func writeCheckpoint(b *strings.Builder, cp *checkpoint.Checkpoint, paths int) {
	fmt.Fprintf(b, "%d  %s  %s  (%s)\n", cp.ID, cp.Tool, oneLine(cp.Summary, 100), cp.Time.Local().Format("Jan 2 15:04:05"))
	if paths == 0 {
		return
	}
	for i, fc := range cp.Files {
		if i == paths {
			fmt.Fprintf(b, "    … %d more: Changes with id=%d shows them all\n", len(cp.Files)-paths, cp.ID)
			break
		}
		p := fc.Path
		if (fc.Before != nil && fc.Before.Type == checkpoint.Dir) || (fc.After != nil && fc.After.Type == checkpoint.Dir) {
			p += "/"
		}
		fmt.Fprintf(b, "    %-9s %s\n", fc.Change, p)
	}
	for i, u := range cp.Uncovered {
		if i == paths {
			fmt.Fprintf(b, "    … %d more not recorded\n", len(cp.Uncovered)-paths)
			break
		}
		fmt.Fprintf(b, "    not recorded: %s (%s)\n", u.Path, u.Why)
	}
	if cp.Note != "" {
		fmt.Fprintf(b, "    note: %s\n", cp.Note)
	}
}

// oneLine shortens s to its first line, of at most n characters.
func oneLine(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	if utf8.RuneCountInString(s) > n {
		s, cut = string([]rune(s)[:n]), true
	}
	if cut {
		s += " …"
	}
	return s
}

// changesDiff shows a page of one checkpoint's diff.
func (t *Toolset) changesDiff(args changesArgs) *mcp.CallToolResult {
	j := t.opts.Journal
	cp, err := j.Get(args.ID)
	if err != nil {
		return failedf("Changes: %v; call Changes without id to list them", err)
	}
	limit := args.Limit
	if limit <= 0 {
		limit = changesLines
	}
	var head strings.Builder
	writeCheckpoint(&head, cp, 0)
	if cp.Note != "" {
		fmt.Fprintf(&head, "note: %s\n", cp.Note)
	}
	p := &diffPage{skip: args.Offset, limit: limit, budget: changesMaxOutput - head.Len()}
	if err := j.WriteDiff(p, args.ID); err != nil && !errors.Is(err, errPageFull) {
		return failedf("Changes: cannot show checkpoint %d: %v", args.ID, err)
	}
	if p.seen <= args.Offset && args.Offset > 0 {
		return failedf("Changes: offset %d is past the end of checkpoint %d's diff, which has %s", args.Offset, args.ID, plural(p.seen, "line"))
	}
	out := head.String() + p.text.String()
	if p.more {
		out += fmt.Sprintf("\n[Showing diff lines %d-%d. Call Changes with id=%d and offset=%d to continue.]", args.Offset+1, args.Offset+p.shown, args.ID, args.Offset+p.shown)
	}
	return mcp.NewToolResultText(strings.TrimRight(out, "\n"))
}

// errPageFull stops a diff once a page has what it shows.
var errPageFull = errors.New("page full")

// diffPage is an io.Writer that keeps one page of a diff's lines: it skips
// the first skip lines, keeps at most limit lines and budget characters,
// and refuses more once it knows there is more.
type diffPage struct {
	skip, limit, budget int
	text                strings.Builder
	partial             []byte // a line not yet ended
	seen, shown         int
	more                bool
}

func (p *diffPage) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			break
		}
		line := string(append(p.partial, b[:i]...))
		p.partial, b = p.partial[:0], b[i+1:]
		if err := p.line(line); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (p *diffPage) line(line string) error {
	p.seen++
	if p.seen <= p.skip {
		return nil
	}
	if utf8.RuneCountInString(line) > changesLineLen {
		line = fmt.Sprintf("%s… [line cut: %d characters]", string([]rune(line)[:changesLineLen]), utf8.RuneCountInString(line))
	}
	if p.shown == p.limit || (p.shown > 0 && p.text.Len()+len(line)+1 > p.budget) {
		p.more = true
		return errPageFull
	}
	p.text.WriteString(line)
	p.text.WriteByte('\n')
	p.shown++
	return nil
}
