package tools

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/textedit"
	"github.com/agentbox/agentbox/internal/workspace"
)

//go:embed write.md
var writeDoc string

// writeArgs is the Write tool's input.
type writeArgs struct {
	FilePath string `json:"file_path" jsonschema:"Relative to the workspace root, or absolute inside it"`
	Content  string `json:"content" jsonschema:"The whole content of the file"`
}

// writeMaxSize bounds one Write; larger content is better made by a command.
const writeMaxSize = 16 << 20

func writeTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Write", append([]mcp.ToolOption{
		mcp.WithDescription(describe(writeDoc, withCheckDoc(nil))),
		inputSchema[writeArgs](),
		mcp.WithToolTitle("Write file"),
	}, annotate(false, true, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args writeArgs) (*mcp.CallToolResult, error) {
			var chk *check.Started
			res := t.write(ctx, args, &chk)
			return t.afterWrite(ctx, res, chk), nil
		})}
}

// write writes the file args asks for; when it does, *chk gets the
// file's after-write check, begun alongside the write.
func (t *Toolset) write(ctx context.Context, args writeArgs, chk **check.Started) *mcp.CallToolResult {
	name := args.FilePath
	if len(args.Content) > writeMaxSize {
		return failedf("%s: content is %s, over the %s one Write takes; write the file in parts with a command, or generate it with a script", name, formatSize(int64(len(args.Content))), formatSize(writeMaxSize))
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return failed(err)
	}
	// Writes and edits of one file take turns, so neither passes its
	// freshness check on content the other is about to replace.
	defer t.edits.lock(rel)()
	defer t.record(ctx, "Write", name, rel)() // a checkpoint, even of a failed call: it records what did change
	sess := t.sessions.of(ctx)
	data := []byte(args.Content)
	var kept []string
	fi, err := t.ws.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := t.save(ctx, "Write", name, rel, data, 0o644, true, chk); err != nil {
			return failed(t.writeError(name, err))
		}
		t.recordWrite(sess, name, rel, data)
		return mcp.NewToolResultText(fmt.Sprintf("Created %s (%s, %s).", name, plural(lineCount(data), "line"), formatSize(int64(len(data)))))
	case err != nil:
		return failed(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return failed(t.symlinkError(name))
	case fi.IsDir():
		return failed(&workspace.PathError{Path: name, Err: workspace.ErrIsDir})
	case !fi.Mode().IsRegular():
		return failed(&workspace.PathError{Path: name, Err: workspace.ErrNotRegular})
	}
	var old []byte
	load := func() ([]byte, error) {
		f, err := t.ws.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		old, err = readAll(f, writeMaxSize*4)
		return old, err
	}
	if err := sess.checkFresh(rel, fi, load); err != nil {
		return failed(&workspace.PathError{Path: name, Err: err})
	}
	if old == nil {
		if _, err := load(); err != nil && !errors.Is(err, errTooLarge) {
			return failed(err)
		}
	}
	data, kept = keepStyle(old, data)
	if err := t.save(ctx, "Write", name, rel, data, 0, false, chk); err != nil {
		return failed(t.writeError(name, err))
	}
	t.recordWrite(sess, name, rel, data)
	msg := fmt.Sprintf("Updated %s (%s, %s).", name, plural(lineCount(data), "line"), formatSize(int64(len(data))))
	if len(kept) > 0 {
		msg += " Kept the file's " + strings.Join(kept, " and ") + "."
	}
	return mcp.NewToolResultText(msg)
}

// recordWrite notes the state the session itself just gave a file, so it
// may change the file again without reading it back.
func (t *Toolset) recordWrite(sess *session, name, rel string, data []byte) {
	if fi, err := t.ws.Stat(name); err == nil {
		sess.remember(rel, stateOf(fi, data))
	} else {
		sess.forget(rel)
	}
}

// writeError explains a failed write; a file that appeared between our
// check and the write is not replaced.
func (t *Toolset) writeError(name string, err error) error {
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: was created by someone else while writing; nothing was written. Read it, then decide", name)
	}
	return err
}

// symlinkError refuses to write through a symlink, and names the file it
// points to when that is inside the workspace, so the model can retry there.
func (t *Toolset) symlinkError(name string) error {
	target, err := t.ws.Readlink(name)
	if err != nil {
		return &workspace.PathError{Path: name, Err: workspace.ErrSymlink}
	}
	fi, err := t.ws.Stat(name)
	if err != nil {
		return fmt.Errorf("%s: is a symlink to %s, which is outside the workspace or missing; nothing is written through symlinks", name, target)
	}
	if fi.IsDir() {
		return fmt.Errorf("%s: is a symlink to the directory %s; nothing is written through symlinks", name, target)
	}
	return fmt.Errorf("%s: is a symlink to %s; nothing is written through symlinks: write to the target path instead", name, target)
}

// keepStyle carries an existing file's CRLF line endings and UTF-8
// byte-order mark over to new content that has neither, so a model that
// writes plain "\n" does not rewrite every line of a Windows file. It says
// what it kept.
func keepStyle(old, data []byte) ([]byte, []string) {
	var kept []string
	bom := []byte(textedit.UTF8BOM)
	if bytes.HasPrefix(old, bom) && !bytes.HasPrefix(data, bom) {
		data = append(bom[:3:3], data...)
		kept = append(kept, "UTF-8 byte-order mark")
	}
	if isCRLF(old) && !bytes.Contains(data, []byte("\r")) && bytes.Contains(data, []byte("\n")) {
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		kept = append(kept, "CRLF line endings")
	}
	return data, kept
}

// isCRLF reports whether most line endings in b are CRLF.
func isCRLF(b []byte) bool {
	crlf := bytes.Count(b, []byte("\r\n"))
	return crlf > 0 && crlf >= bytes.Count(b, []byte("\n"))-crlf
}

// lineCount counts lines the way an editor numbers them.
func lineCount(b []byte) int {
	if len(b) == 0 {
		return 0
	}
	n := bytes.Count(b, []byte("\n"))
	if b[len(b)-1] != '\n' {
		n++
	}
	return n
}
