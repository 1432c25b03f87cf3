package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // registers GIF for image.DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// readImage returns an image file as MCP image content, with a line of text
// naming its format, size and dimensions.
func (t *Toolset) readImage(ctx context.Context, name, rel string, f *os.File, fi fs.FileInfo, kind string) *mcp.CallToolResult {
	if fi.Size() > readMaxImage {
		return failedf("%s: a %s image of %s, over the %s Read returns; scale it down with Bash first (for example into the session's temporary directory) and Read the smaller copy",
			name, kind, formatSize(fi.Size()), formatSize(readMaxImage))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return failed(t.ws.Wrap(name, err))
	}
	data, err := readAll(f, readMaxImage)
	if err != nil {
		return failed(t.ws.Wrap(name, err))
	}
	t.sessions.of(ctx).remember(rel, stateOf(fi, data))
	about := fmt.Sprintf("%s: %s image, %s", name, strings.ToUpper(kind), formatSize(int64(len(data))))
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		about += fmt.Sprintf(", %dx%d pixels", cfg.Width, cfg.Height)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{
		mcp.NewTextContent(about),
		mcp.NewImageContent(base64.StdEncoding.EncodeToString(data), "image/"+kind),
	}}
}

// imageKind names the image format of a file from its first bytes, or "".
func imageKind(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "gif"
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}
