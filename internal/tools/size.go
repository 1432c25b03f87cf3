package tools

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// resultMax is the most characters one result holds. Claude Code (2.1.332)
// passes a tool result of up to 50,000 characters to the model as it is;
// a longer one it writes to a file under ~/.claude and shows the model a
// 2 KB preview, or only an error naming the file, which a model confined
// to agentbox cannot read (issue 13, gap 2). 40,000 stays clear of that,
// and of its 25,000-token check on MCP results, without declaring a larger
// limit (_meta "anthropic/maxResultSizeChars").
//
// Sizes are counted in bytes, never fewer than the characters a client
// counts (UTF-16 code units), so a result within resultMax bytes is within
// resultMax characters for every client.
const resultMax = 40_000

// pageMax is how much of a result a page of output (Read's lines, Grep's
// matches, Glob's paths) may fill: the rest is room for the notes after it.
const pageMax = resultMax - 2_000

// bounded makes every result of a tool fit in resultMax. The tools page
// their output to fit and say where to continue; this is the net for
// whatever still does not (an error that quotes a long argument, a long
// list of problems after a write), so that no result is ever parked out of
// the model's reach.
func bounded(st server.ServerTool) server.ServerTool {
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if err != nil || res == nil {
			return res, err
		}
		fit(res, "ask for less: a smaller limit, head_limit or path")
		return res, nil
	}
	return st
}

// fit cuts a result's text so that all of it together is at most
// resultMax bytes, at a line end where there is one, with a note saying so
// and hint (what to do to see the rest).
func fit(res *mcp.CallToolResult, hint string) {
	total := 0
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			total += len(tc.Text)
		}
	}
	if total <= resultMax {
		return
	}
	note := fmt.Sprintf("\n\n[Cut here: the result had %s characters, and one result holds at most %s; %s.]",
		english.Sprintf("%d", total), english.Sprintf("%d", resultMax), hint)
	room := resultMax - len(note)
	var kept []mcp.Content
	noted := false
	for _, c := range res.Content {
		tc, ok := c.(mcp.TextContent)
		switch {
		case !ok:
			kept = append(kept, c)
			continue
		case noted:
			continue
		case len(tc.Text) >= room:
			tc.Text = cutAtLine(tc.Text, room) + note
			noted = true
		default:
			room -= len(tc.Text)
		}
		kept = append(kept, tc)
	}
	res.Content = kept
}

// cutAtLine returns at most n bytes of s: up to its last line end within
// them when that keeps most of them, else cut at a character boundary.
func cutAtLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndexByte(s[:n], '\n'); i >= n/2 {
		return s[:i]
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n-- // s[n] goes on a character cut off at n: cut before it
	}
	return s[:n]
}
