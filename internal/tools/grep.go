package tools

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/search"
	"github.com/agentbox/agentbox/internal/walk"
)

//go:embed grep.md
var grepDoc string

// grepArgs is the Grep tool's input, named and ordered as Claude Code's.
// Pointers tell an argument left out from one set to its zero value.
type grepArgs struct {
	Pattern    string `json:"pattern" jsonschema:"Regular expression (RE2)"`
	Path       string `json:"path,omitempty" jsonschema:"File or directory to search (default: the workspace root)"`
	Glob       string `json:"glob,omitempty" jsonschema:"Only files matching these globs (space-separated; ! excludes), e.g. *.js **/*.{ts,tsx}"`
	OutputMode string `json:"output_mode,omitempty" jsonschema:"files_with_matches (default; newest first), content (path:line:text) or count (path:count)"`
	Before     *int   `json:"-B,omitempty" jsonschema:"Context lines before each match"`
	After      *int   `json:"-A,omitempty" jsonschema:"Context lines after each match"`
	C          *int   `json:"-C,omitempty" jsonschema:"Context lines before and after each match"`
	Context    *int   `json:"context,omitempty" jsonschema:"Same as -C"`
	LineNums   *bool  `json:"-n,omitempty" jsonschema:"Line numbers in content mode (default true)"`
	IgnoreCase bool   `json:"-i,omitempty" jsonschema:"Ignore case"`
	Only       bool   `json:"-o,omitempty" jsonschema:"Only the matching part of each line"`
	Type       string `json:"type,omitempty" jsonschema:"File type, e.g. go, py, js, ts, rust, java, md"`
	HeadLimit  *int   `json:"head_limit,omitempty" jsonschema:"Lines, files or entries a page shows (default 250; 0: all)"`
	Offset     int    `json:"offset,omitempty" jsonschema:"Lines, files or entries to skip"`
	Multiline  bool   `json:"multiline,omitempty" jsonschema:"Let the pattern span lines (. matches newlines)"`
}

const (
	grepDefaultLimit = 250              // head_limit when none is given
	grepMaxColumns   = 500              // longer lines are shown as a marker
	grepMaxContext   = 1000             // -A, -B, -C at most
	grepMaxOutput    = pageMax          // bytes of lines one result carries at most
	grepTimeout      = 60 * time.Second // how long one Grep may search
)

func grepTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Grep", append([]mcp.ToolOption{
		mcp.WithDescription(describe(grepDoc, map[string]any{
			"DefaultLimit": grepDefaultLimit,
			"MaxColumns":   grepMaxColumns,
			"MaxOutput":    english.Sprintf("%d", resultMax),
			"MaxEntries":   english.Sprintf("%d", walkMaxEntries),
			"Timeout":      fmt.Sprintf("%d seconds", int(grepTimeout.Seconds())),
			"MaxLine":      formatSize(search.MaxLine),
			"MaxMultiline": formatSize(search.MaxMultiline),
			"BinarySniff":  formatSize(search.BlockSize),
		})),
		inputSchema[grepArgs](
			oneOf("output_mode", "content", "files_with_matches", "count"),
			plainType("-B", "integer"), plainType("-A", "integer"), plainType("-C", "integer"),
			plainType("context", "integer"), plainType("-n", "boolean"), plainType("head_limit", "integer"),
			atLeast("-B", 0), atLeast("-A", 0), atLeast("-C", 0), atLeast("context", 0),
			atMost("-B", grepMaxContext), atMost("-A", grepMaxContext), atMost("-C", grepMaxContext), atMost("context", grepMaxContext),
			atLeast("head_limit", 0), atLeast("offset", 0),
		),
		mcp.WithToolTitle("Search file contents"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args grepArgs) (*mcp.CallToolResult, error) {
			return t.grep(ctx, args)
		})}
}

// plainType makes an optional property's type plain ("integer"), where the
// schema generator says ["null","integer"] for a pointer field.
func plainType(property, typ string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) {
		p := s.Properties[property]
		p.Types, p.Type = nil, typ
	}
}

// grepRequest is a Grep call with its arguments checked and resolved.
type grepRequest struct {
	args    grepArgs
	mode    string
	pattern *search.Pattern
	base    string // workspace-relative directory searched; "" the root
	file    string // workspace-relative file, when path names one
	filter  *grepFilter
	before  int
	after   int
	numbers bool
	limit   int // 0: none
	offset  int
}

// grep runs a Grep. Its error means the server broke; what the model can
// act on is an isError result.
func (t *Toolset) grep(ctx context.Context, args grepArgs) (*mcp.CallToolResult, error) {
	req, res := t.grepRequest(args)
	if res != nil {
		return res, nil
	}
	ctx, cancel := context.WithTimeout(ctx, grepTimeout)
	defer cancel()
	run := &grepRun{t: t, req: req}
	return mcp.NewToolResultText(run.do(ctx)), nil
}

// grepRequest checks the arguments: every problem is an error naming it.
func (t *Toolset) grepRequest(args grepArgs) (*grepRequest, *mcp.CallToolResult) {
	req := &grepRequest{args: args, mode: args.OutputMode, numbers: true, limit: grepDefaultLimit, offset: args.Offset}
	if req.mode == "" {
		req.mode = "files_with_matches"
	}
	if args.LineNums != nil {
		req.numbers = *args.LineNums
	}
	if args.HeadLimit != nil {
		req.limit = *args.HeadLimit
	}
	for _, c := range []*int{args.C, args.Context} {
		if c != nil {
			req.before, req.after = *c, *c
		}
	}
	if args.Before != nil {
		req.before = *args.Before
	}
	if args.After != nil {
		req.after = *args.After
	}
	if req.mode != "content" {
		req.before, req.after = 0, 0
	}

	p, err := search.Compile(args.Pattern, search.Options{IgnoreCase: args.IgnoreCase, Multiline: args.Multiline})
	if err != nil {
		return nil, failedf("Grep: %v", err)
	}
	req.pattern = p
	if req.filter, err = newGrepFilter(args.Glob, args.Type); err != nil {
		return nil, failedf("Grep: %v", err)
	}

	dir := args.Path
	if dir == "" {
		dir = "."
	}
	rel, err := t.ws.Rel(dir)
	if err != nil {
		return nil, failed(err)
	}
	fi, err := t.ws.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, failedf("Path does not exist: %s%s", dir, strings.TrimPrefix(t.explain(dir, err).Error(), dir+": does not exist"))
	case err != nil:
		return nil, failed(err)
	case fi.IsDir():
		req.base = filepath.ToSlash(rel)
		if req.base == "." {
			req.base = ""
		}
	case fi.Mode().IsRegular():
		req.file = filepath.ToSlash(rel)
	default:
		return nil, failedf("%s: is not a regular file or directory (a device, FIFO or socket); Grep searches files", dir)
	}
	return req, nil
}

// grepFilter is Grep's glob and type selection, applied as ripgrep does:
// globs first (the last one that matches decides; a match includes a file
// even where ignore files would leave it out; when there are include globs
// a file matching none is left out), then types, then the ignore files.
type grepFilter struct {
	globs    []*walk.Glob
	negated  []bool
	includes bool
	types    *search.Types
}

func newGrepFilter(globs, types string) (*grepFilter, error) {
	f := &grepFilter{}
	for _, g := range splitGlobs(globs) {
		neg := strings.HasPrefix(g, "!")
		cg, err := walk.CompileGlob(strings.TrimPrefix(g, "!"))
		if err != nil {
			return nil, err
		}
		f.globs = append(f.globs, cg)
		f.negated = append(f.negated, neg)
		f.includes = f.includes || !neg
	}
	if types != "" {
		t, err := search.CompileTypes(types)
		if err != nil {
			return nil, err
		}
		f.types = t
	}
	return f, nil
}

// splitGlobs splits the glob argument at spaces, and at commas outside
// braces ("*.ts,*.tsx" as well as "*.{ts,tsx}").
func splitGlobs(s string) []string {
	var out []string
	depth, start := 0, 0
	flush := func(end int) {
		if g := strings.TrimSpace(s[start:end]); g != "" {
			out = append(out, g)
		}
		start = end + 1
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case c == '{':
			depth++
		case c == '}':
			depth = max(0, depth-1)
		case c == ' ' || c == '\t' || c == '\n' || (c == ',' && depth == 0):
			flush(i)
		}
	}
	flush(len(s))
	return out
}

func (f *grepFilter) empty() bool { return len(f.globs) == 0 && f.types == nil }

// decide is the walk's Filter.
func (f *grepFilter) decide(rel string, isDir bool) walk.Decision {
	for i := len(f.globs) - 1; i >= 0; i-- {
		if f.globs[i].Match(rel, isDir) {
			if f.negated[i] {
				return walk.Exclude
			}
			return walk.Include
		}
	}
	if isDir {
		return walk.Pass
	}
	if f.includes {
		return walk.Exclude
	}
	if f.types != nil && !f.types.Match(rel[strings.LastIndexByte(rel, '/')+1:]) {
		return walk.Exclude
	}
	return walk.Pass
}

// unitName names what head_limit counts in a mode.
func unitName(mode string) string {
	switch mode {
	case "content":
		return "line"
	case "count":
		return "entry"
	}
	return "file"
}

// unitsName is unitName's plural.
func unitsName(mode string) string {
	if mode == "count" {
		return "entries"
	}
	return unitName(mode) + "s"
}

// fullNote says that a page stopped where one result was full, and where
// the next page starts.
func fullNote(mode string, offset, shown int) string {
	return fmt.Sprintf("[Showing %s %d-%d: one result holds at most %s characters. Call Grep again with offset=%d for the rest.]",
		unitsName(mode), offset+1, offset+shown, english.Sprintf("%d", resultMax), offset+shown)
}

// pageNote tells the model which part of the results it sees and how to
// get the next page.
func pageNote(mode string, offset, shown int, more bool, total int) string {
	unit, units := unitName(mode), unitsName(mode)
	switch {
	case more:
		return fmt.Sprintf("[Showing %s %d-%d; more match. Call Grep again with offset=%d for the next page.]", units, offset+1, offset+shown, offset+shown)
	case offset > 0 && shown > 0:
		return fmt.Sprintf("[Showing %s %d-%d of %d.]", units, offset+1, offset+shown, total)
	case offset > 0:
		return fmt.Sprintf("[offset %d is past the end: there are %s in all.]", offset, nouns(total, unit))
	}
	return ""
}
