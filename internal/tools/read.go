package tools

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/textedit"
	"github.com/agentbox/agentbox/internal/workspace"
)

//go:embed read.md
var readDoc string

// readArgs is the Read tool's input. The struct is the schema: a field
// without omitempty is required, and its jsonschema tag is what the model
// reads about it.
type readArgs struct {
	FilePath string `json:"file_path" jsonschema:"Relative to the workspace root, or absolute inside it"`
	Offset   int    `json:"offset,omitempty" jsonschema:"The line to start at, from 1"`
	Limit    int    `json:"limit,omitempty" jsonschema:"The number of lines to read"`
}

const (
	readMaxLines     = 2000                // lines a read returns when no limit is given
	readMaxLineLen   = textedit.MaxLineLen // characters of one line shown before it is cut
	readMaxWholeSize = 256 << 10           // bytes a read without offset or limit may take
	readMaxOutput    = pageMax             // bytes of lines one result carries at most
	readMaxImage     = 5 << 20             // bytes of an image returned as image content
	readHashLimit    = 64 << 20            // files up to this size are scanned whole and hashed
	readSniffLen     = 8 << 10             // bytes examined for NULs and image signatures
)

func readTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Read", append([]mcp.ToolOption{
		mcp.WithDescription(describe(readDoc, map[string]any{
			"MaxLines":     readMaxLines,
			"MaxLineLen":   readMaxLineLen,
			"MaxWholeSize": formatSize(readMaxWholeSize),
			"MaxOutput":    english.Sprintf("%d", resultMax),
			"MaxImage":     formatSize(readMaxImage),
		})),
		inputSchema[readArgs](atLeast("offset", 0), atLeast("limit", 0)),
		mcp.WithToolTitle("Read file"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args readArgs) (*mcp.CallToolResult, error) {
			return t.afterRead(args.FilePath, t.read(ctx, args)), nil
		})}
}

func (t *Toolset) read(ctx context.Context, args readArgs) *mcp.CallToolResult {
	name := args.FilePath
	if args.Offset < 0 || args.Limit < 0 {
		return failedf("%s: offset and limit must not be negative (offset 1 is the first line)", name)
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return failed(err)
	}
	f, err := t.ws.Open(name)
	if err != nil {
		return failed(t.explain(name, err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return failed(t.ws.Wrap(name, err))
	}
	if fi.IsDir() {
		return failed(t.dirError(name))
	}
	if !fi.Mode().IsRegular() {
		return failed(&workspace.PathError{Path: name, Err: workspace.ErrNotRegular})
	}

	head := make([]byte, readSniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return failed(t.ws.Wrap(name, err))
	}
	head = head[:n]
	if kind := imageKind(head); kind != "" {
		return t.readImage(ctx, name, rel, f, fi, kind)
	}
	if why := binaryKind(head); why != "" {
		return failedf("%s: %s (%s); Read shows text only. Inspect it with Bash (file, xxd, strings) if you need to", name, why, formatSize(fi.Size()))
	}
	if fi.Size() == 0 {
		t.sessions.of(ctx).remember(rel, stateOf(fi, []byte{}))
		return mcp.NewToolResultText(fmt.Sprintf("[%s is empty: 0 bytes.]", name))
	}
	whole := args.Offset == 0 && args.Limit == 0
	if whole && fi.Size() > readMaxWholeSize {
		return failedf("%s: %s is over the %s a whole-file read may take; read it in pages with offset and limit (for example offset=1, limit=%d), or Grep for what you need",
			name, formatSize(fi.Size()), formatSize(readMaxWholeSize), readMaxLines)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return failed(t.ws.Wrap(name, err))
	}
	first, count := max(args.Offset, 1), args.Limit
	if count == 0 {
		count = readMaxLines
	}
	p, err := scanPage(ctx, f, fi.Size(), first, count, fi.Size() <= readHashLimit)
	if err != nil {
		return failed(t.ws.Wrap(name, err))
	}
	st := stateOf(fi, nil)
	st.sum, st.hashed = p.sum, p.complete && p.bytes == fi.Size()
	t.sessions.of(ctx).remember(rel, st)
	return mcp.NewToolResultText(p.render(name, first))
}

// binaryKind says why a file's first bytes are not text Read can show, or "".
func binaryKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "UTF-16 text (it starts with a UTF-16 byte-order mark), which Read does not decode; convert it with Bash (iconv -f UTF-16 -t UTF-8)"
	case bytes.IndexByte(head, 0) >= 0:
		return "a binary file (it has NUL bytes in its first 8 KB)"
	}
	return ""
}

// readAll reads an open file up to max bytes; more is an error naming the
// size so the caller can advise paging.
func readAll(f *os.File, max int64) ([]byte, error) {
	data, err := workspace.ReadAll(f, max)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (over %s)", errTooLarge, formatSize(max))
	}
	return data, nil
}

var errTooLarge = errors.New("file too large")
