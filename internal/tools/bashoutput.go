package tools

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

//go:embed bashoutput.md
var bashOutputDoc string

// bashOutputArgs is the BashOutput tool's input.
type bashOutputArgs struct {
	BashID string `json:"bash_id" jsonschema:"The ID of the job to read from, as Bash returned it"`
	Offset *int64 `json:"offset,omitempty" jsonschema:"Byte offset to read from; by default, where the last BashOutput call for this job stopped"`
	Filter string `json:"filter,omitempty" jsonschema:"Optional regular expression: return only the output lines that match it"`
}

// bashFilterScan bounds how much output one filtered read looks through.
const bashFilterScan = 8 << 20

func bashOutputTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("BashOutput", append([]mcp.ToolOption{
		mcp.WithDescription(describe(bashOutputDoc, map[string]any{
			"MaxOutput": bashMaxOutput,
			"MaxSpool":  formatSize(outSpoolMax),
			"MaxTail":   formatSize(outTailMax),
			"MaxKept":   bashMaxKept,
		})),
		inputSchema[bashOutputArgs](atLeast("offset", 0), func(s *jsonschema.Schema) {
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
	sh := &t.sessions.of(ctx).shell
	j, err := sh.find(args.BashID)
	if err != nil {
		return failed(err)
	}
	var re *regexp.Regexp
	if args.Filter != "" {
		if re, err = regexp.Compile(args.Filter); err != nil {
			return failedf("BashOutput: filter %q is not a valid regular expression (RE2 syntax): %v", args.Filter, err)
		}
	}
	// The status first: when it says the job ended, the output read after
	// it is complete.
	status := j.status(time.Now())
	sh.mu.Lock()
	from := j.read
	sh.mu.Unlock()
	if args.Offset != nil {
		from = *args.Offset
	}
	total := j.out.size()
	if from > total {
		return failedf("BashOutput: offset %d is past the end of %s's output, which is %d bytes so far", from, j.id, total)
	}
	text, next, skipped, err := readOutput(j.out, from, re)
	if err != nil {
		return failedf("BashOutput: cannot read %s's output: %v", j.id, err)
	}
	sh.mu.Lock()
	j.read = max(j.read, next)
	sh.mu.Unlock()

	var b strings.Builder
	fmt.Fprintf(&b, "[%s: %s]\n", j.id, status)
	if skipped > 0 {
		fmt.Fprintf(&b, "[%s of output before this were not kept: only the first %s and the last %s of a job's output are.]\n",
			formatSize(skipped), formatSize(outSpoolMax), formatSize(outTailMax))
	}
	switch {
	case text != "":
		b.WriteString(text)
	case re != nil:
		b.WriteString("(no new lines match the filter)")
	default:
		b.WriteString("(no new output)")
	}
	if next < total {
		fmt.Fprintf(&b, "\n\n[More output follows (%s of %s read): call BashOutput again to read on from offset %d.]", formatSize(next), formatSize(total), next)
	}
	return mcp.NewToolResultText(b.String())
}

// readOutput reads a job's output from offset from: up to bashMaxOutput
// bytes ending at a line break when one is near, or with a filter the lines
// that match, until the result is full. It returns the text, the offset to
// read on from, and how many bytes were no longer kept.
func readOutput(o *output, from int64, re *regexp.Regexp) (text string, next, skipped int64, err error) {
	if re == nil {
		b, next, skipped, err := o.readAt(from, bashMaxOutput)
		if err != nil {
			return "", from, 0, err
		}
		if next < o.size() {
			b = cutHead(b)
			next = from + skipped + int64(len(b))
		}
		return strings.ToValidUTF8(string(b), "\uFFFD"), next, skipped, nil
	}
	var out bytes.Buffer
	pos, scanned := from, int64(0)
	for scanned < bashFilterScan {
		b, end, skip, err := o.readAt(pos, 256<<10)
		if err != nil {
			return "", pos, skipped, err
		}
		skipped += skip
		pos += skip
		if len(b) == 0 {
			break
		}
		last := end >= o.size()
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 && !last {
				break // an unfinished line: read it whole next time
			}
			line := b
			if i >= 0 {
				line = b[:i+1]
			}
			if re.Match(bytes.TrimRight(line, "\r\n")) {
				if out.Len()+len(line) > bashMaxOutput {
					return strings.ToValidUTF8(out.String(), "\uFFFD"), pos, skipped, nil
				}
				out.Write(line)
			}
			pos += int64(len(line))
			scanned += int64(len(line))
			b = b[len(line):]
		}
		if last || end == pos && len(b) > 0 {
			break
		}
	}
	return strings.TrimRight(strings.ToValidUTF8(out.String(), "\uFFFD"), "\n"), pos, skipped, nil
}
