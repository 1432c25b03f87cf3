package tools

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/textedit"
	"github.com/agentbox/agentbox/internal/workspace"
)

//go:embed edit.md
var editDoc string

// editArgs is the Edit tool's input.
type editArgs struct {
	FilePath   string `json:"file_path" jsonschema:"Relative to the workspace root, or absolute inside it"`
	OldString  string `json:"old_string" jsonschema:"The exact text to replace"`
	NewString  string `json:"new_string" jsonschema:"The text to put in its place"`
	ReplaceAll bool   `json:"replace_all,omitempty" jsonschema:"Replace every occurrence of old_string"`
}

const (
	editMaxSize    = 32 << 20            // bytes of the largest file Edit changes
	editMaxReplace = textedit.MaxMatches // occurrences one replace_all changes at most
)

func editTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Edit", append([]mcp.ToolOption{
		mcp.WithDescription(describe(editDoc, withCheckDoc(map[string]any{
			"MaxSize":    formatSize(editMaxSize),
			"Context":    textedit.ContextLines,
			"ShowRanges": textedit.ShowRegions,
			"ListMax":    textedit.ListLines,
			"MaxReplace": editMaxReplace,
		}))),
		inputSchema[editArgs](),
		mcp.WithToolTitle("Edit file"),
	}, annotate(false, true, false)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args editArgs) (*mcp.CallToolResult, error) {
			// The check is waited for after edit has let go of the file's
			// lock, and after its checkpoint is recorded.
			var chk *check.Started
			res := t.edit(ctx, args, &chk)
			return t.afterWrite(ctx, res, chk), nil
		})}
}

// edit makes the edit args asks for; when it writes the file, *chk gets
// the file's after-write check, begun alongside the write.
func (t *Toolset) edit(ctx context.Context, args editArgs, chk **check.Started) *mcp.CallToolResult {
	name := args.FilePath
	if args.OldString == args.NewString {
		return failedf("%s: old_string and new_string are the same, so there is nothing to change; put the text you want in new_string", name)
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return failed(err)
	}
	// One edit of a file at a time: two parallel edits would otherwise both
	// pass the freshness check and the second would undo the first.
	defer t.edits.lock(rel)()
	defer t.record(ctx, "Edit", name, rel)() // a checkpoint, even of a failed call: it records what did change
	sess := t.sessions.of(ctx)

	fi, err := t.ws.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist) && args.OldString == "":
		return t.editCreate(ctx, sess, name, rel, args.NewString, chk)
	case errors.Is(err, fs.ErrNotExist):
		return failed(t.explain(name, err))
	case err != nil:
		return failed(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return failed(t.symlinkError(name))
	case fi.IsDir():
		return failed(t.dirError(name))
	case !fi.Mode().IsRegular():
		return failed(&workspace.PathError{Path: name, Err: workspace.ErrNotRegular})
	case fi.Size() > editMaxSize:
		return failedf("%s: is %s, over the %s Edit changes; change it with a command (sed, a script) instead", name, formatSize(fi.Size()), formatSize(editMaxSize))
	}
	content, fi, err := t.loadText(name)
	if err != nil {
		return failed(err)
	}

	if args.OldString == "" {
		if c := string(content); c != "" && c != textedit.UTF8BOM {
			return failedf("%s: already exists and is not empty (%s), and an empty old_string only creates a file or fills an empty one. Give the text to replace as old_string, or Read the file and replace it whole with Write", name, plural(lineCount(content), "line"))
		}
		data := append(content[:len(content):len(content)], args.NewString...)
		return t.editCommit(ctx, sess, name, rel, fi, textedit.Edited{Data: data, Spans: []textedit.Span{{Start: len(content), End: len(data)}}}, "filled the empty file", chk)
	}

	load := func() ([]byte, error) { return content, nil }
	if err := sess.checkFresh(rel, fi, load); err != nil {
		return failed(&workspace.PathError{Path: name, Err: err})
	}
	oldN, newN := textedit.NormalizeEOL(args.OldString), textedit.NormalizeEOL(args.NewString)
	if oldN == newN {
		return failedf("%s: old_string and new_string differ only in line endings, and Edit writes new text in the file's own line endings, so there is nothing to change", name)
	}
	m := textedit.Find(content, oldN)
	switch {
	case m.Count == 0:
		return failedf("%s: %s", name, m.NotFound(newN))
	case m.Count > 1 && !args.ReplaceAll:
		return failedf("%s: %s", name, m.Ambiguous())
	case m.Count > editMaxReplace:
		return failedf("%s: old_string matches %d places, more than the %d one Edit replaces; make old_string more specific, or replace them with a command (sed)", name, m.Count, editMaxReplace)
	}
	r := m.Replace(newN)
	if bytes.Equal(r.Data, content) {
		hint := ""
		if m.Folded {
			hint = ": old_string matched curly quotes, and new_string was written in them. To change the quotes themselves, put the file's curly quotes in old_string"
		}
		return failedf("%s: the edit would leave the file as it is, so nothing was written%s", name, hint)
	}
	return t.editCommit(ctx, sess, name, rel, fi, r, "replaced "+plural(m.Count, "occurrence"), chk)
}

// editCreate makes a missing file from new_string, as an empty old_string
// asks. No Read is needed: there is nothing to overwrite.
func (t *Toolset) editCreate(ctx context.Context, sess *session, name, rel, content string, chk **check.Started) *mcp.CallToolResult {
	data := []byte(content)
	if len(data) > editMaxSize {
		return failedf("%s: new_string is %s, over the %s Edit writes; nothing was written", name, formatSize(int64(len(data))), formatSize(editMaxSize))
	}
	if err := t.save(ctx, "Edit", name, rel, data, 0o644, true, chk); err != nil {
		return failed(t.writeError(name, err))
	}
	t.recordWrite(sess, name, rel, data)
	return mcp.NewToolResultText(fmt.Sprintf("%s: created (%s, %s).", name, plural(lineCount(data), "line"), formatSize(int64(len(data)))))
}

// loadText reads a file Edit is about to change and refuses content it
// cannot change without damage: binary data, UTF-16, and text that is not
// UTF-8 (Edit never converts an encoding). It returns the info of the file
// it read, so the freshness check compares the very bytes it will change.
func (t *Toolset) loadText(name string) ([]byte, fs.FileInfo, error) {
	f, err := t.ws.Open(name)
	if err != nil {
		return nil, nil, t.explain(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, t.ws.Wrap(name, err)
	}
	content, err := readAll(f, editMaxSize)
	if err != nil {
		return nil, nil, t.ws.Wrap(name, err)
	}
	head := content[:min(len(content), readSniffLen)]
	if why := binaryKind(head); why != "" {
		return nil, nil, fmt.Errorf("%s: is %s; Edit changes UTF-8 text only, so nothing was changed. Change it with Bash, with a tool made for the format", name, why)
	}
	if i := bytes.IndexByte(content, 0); i >= 0 {
		return nil, nil, fmt.Errorf("%s: has a NUL byte at line %d, so it is binary data, not text; Edit changes UTF-8 text only, so nothing was changed. Change it with Bash, with a tool made for the format", name, bytes.Count(content[:i], []byte("\n"))+1)
	}
	if line := firstInvalidLine(content); line > 0 {
		return nil, nil, fmt.Errorf("%s: is not valid UTF-8 (first at line %d): it is in a legacy encoding such as Latin-1 or Windows-1252, or it is binary. Edit never converts a file's encoding, so nothing was changed. Change it with a Bash command that keeps its encoding (sed), convert it to UTF-8 first (iconv), or replace it whole with Write", name, line)
	}
	return content, fi, nil
}

// editCommit writes an edit unless the file changed while it was being
// worked out, records the new state for the session (so the next edit
// needs no Read) and shows the edited region.
func (t *Toolset) editCommit(ctx context.Context, sess *session, name, rel string, was fs.FileInfo, r textedit.Edited, did string, chk **check.Started) *mcp.CallToolResult {
	if len(r.Data) > editMaxSize {
		return failedf("%s: the edited file would be %s, over the %s Edit writes; nothing was written. Make the change with a command instead", name, formatSize(int64(len(r.Data))), formatSize(editMaxSize))
	}
	if now, err := t.ws.Lstat(name); err != nil || now.Size() != was.Size() || !now.ModTime().Equal(was.ModTime()) {
		return failedf("%s: changed on disk while this edit was being made, so nothing was changed; Read it again, then redo the edit", name)
	}
	if err := t.save(ctx, "Edit", name, rel, r.Data, 0, false, chk); err != nil {
		return failed(t.writeError(name, err))
	}
	t.recordWrite(sess, name, rel, r.Data)
	var notes []string
	if r.CRLF {
		notes = append(notes, "kept the file's CRLF line endings")
	}
	if r.Curly {
		notes = append(notes, "wrote new_string's quotes in the file's curly style")
	}
	head := name + ": " + did
	if len(notes) > 0 {
		head += " (" + strings.Join(notes, "; ") + ")"
	}
	return mcp.NewToolResultText(head + ".\n" + textedit.Show(r.Data, r.Spans))
}

// firstInvalidLine returns the line of the first byte that is not UTF-8 in
// b, or 0 when b is valid.
func firstInvalidLine(b []byte) int {
	if utf8.Valid(b) {
		return 0
	}
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}
