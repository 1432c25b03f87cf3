package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.txt", "alpha\nbeta\ngamma\n")
	h.write("crlf.txt", "one\r\ntwo\r\n")
	h.write("empty.txt", "")
	h.write("noeol.txt", "x\ny")
	h.write("bin.dat", "abc\x00def")
	h.write("latin1.txt", "caf\xe9\n")
	h.write("dir/inner.go", "package dir\n")
	h.write("utf16.txt", "\xff\xfeh\x00i\x00")

	t.Run("numbers lines from 1 with a tab", func(t *testing.T) {
		assert.Equal(t, "1\talpha\n2\tbeta\n3\tgamma", h.ok("Read", map[string]any{"file_path": "a.txt"}))
	})
	t.Run("accepts an absolute path inside", func(t *testing.T) {
		assert.Equal(t, "1\tx\n2\ty", h.ok("Read", map[string]any{"file_path": filepath.Join(h.dir, "noeol.txt")}))
	})
	t.Run("pages with offset and limit", func(t *testing.T) {
		assert.Equal(t, "2\tbeta\n\n[Showing lines 2-2 of 3. Call Read with offset=3 to continue.]",
			h.ok("Read", map[string]any{"file_path": "a.txt", "offset": 2, "limit": 1}))
	})
	t.Run("shows CRLF as plain lines and says so", func(t *testing.T) {
		got := h.ok("Read", map[string]any{"file_path": "crlf.txt"})
		assert.True(t, strings.HasPrefix(got, "1\tone\n2\ttwo\n\n[This file has CRLF"), got)
	})
	t.Run("notes an empty file", func(t *testing.T) {
		assert.Equal(t, "[empty.txt is empty: 0 bytes.]", h.ok("Read", map[string]any{"file_path": "empty.txt"}))
	})
	t.Run("notes an offset past the end", func(t *testing.T) {
		assert.Equal(t, "[a.txt has 3 lines; offset 9 is past the end. Call Read with a smaller offset.]",
			h.ok("Read", map[string]any{"file_path": "a.txt", "offset": 9}))
	})
	t.Run("refuses binary content", func(t *testing.T) {
		assert.Contains(t, h.fail("Read", map[string]any{"file_path": "bin.dat"}), "bin.dat: a binary file (it has NUL bytes")
	})
	t.Run("refuses UTF-16 and says how to convert", func(t *testing.T) {
		assert.Contains(t, h.fail("Read", map[string]any{"file_path": "utf16.txt"}), "iconv")
	})
	t.Run("shows non-UTF-8 text with a note", func(t *testing.T) {
		got := h.ok("Read", map[string]any{"file_path": "latin1.txt"})
		assert.Contains(t, got, "1\tcaf\uFFFD")
		assert.Contains(t, got, "not valid UTF-8 (first at line 1)")
	})
	t.Run("lists a directory given as a file", func(t *testing.T) {
		got := h.fail("Read", map[string]any{"file_path": "dir"})
		assert.Equal(t, "dir: is a directory, not a file. It holds: inner.go. Read a file inside it, or use Glob to search deeper", got)
	})
	t.Run("suggests a near name for a missing file", func(t *testing.T) {
		assert.Equal(t, "a.tx: does not exist. Did you mean a.txt?", h.fail("Read", map[string]any{"file_path": "a.tx"}))
		assert.Contains(t, h.fail("Read", map[string]any{"file_path": "nope/x.go"}), "its directory nope does not exist either")
	})
	t.Run("refuses negative offsets", func(t *testing.T) {
		assert.Contains(t, h.fail("Read", map[string]any{"file_path": "a.txt", "offset": -1}), "offset")
	})
	t.Run("explains bad arguments in words", func(t *testing.T) {
		got := h.fail("Read", map[string]any{"path": "a.txt"})
		assert.Equal(t, "Read: invalid arguments: additional properties 'path' not allowed; missing property 'file_path'. It takes file_path (string, required), offset (integer), limit (integer)", got)
	})
}

func TestReadLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	var b strings.Builder
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	h.write("long.txt", b.String())
	h.write("wide.txt", strings.Repeat("x", 2500)+"\nshort\n")
	h.write("huge.txt", strings.Repeat(strings.Repeat("y", 99)+"\n", 3000))
	h.write("heavy.txt", strings.Repeat(strings.Repeat("z", 1999)+"\n", 100))

	t.Run("stops at the default window and says how to go on", func(t *testing.T) {
		got := h.ok("Read", map[string]any{"file_path": "long.txt"})
		assert.True(t, strings.HasSuffix(got, "2000\tline 2000\n\n[Showing lines 1-2000 of 2500. Call Read with offset=2001 to continue.]"), got[len(got)-200:])
	})
	t.Run("cuts long lines with a marker", func(t *testing.T) {
		got := h.ok("Read", map[string]any{"file_path": "wide.txt"})
		assert.Equal(t, "1\t"+strings.Repeat("x", 2000)+" … [line cut: 2500 characters in all]\n2\tshort", got)
	})
	t.Run("refuses a whole read over the size cap", func(t *testing.T) {
		got := h.fail("Read", map[string]any{"file_path": "huge.txt"})
		assert.Equal(t, "huge.txt: 293 KB is over the 256 KB a whole-file read may take; read it in pages with offset and limit (for example offset=1, limit=2000), or Grep for what you need", got)
		assert.Contains(t, h.ok("Read", map[string]any{"file_path": "huge.txt", "offset": 2999}), "3000\t")
	})
	t.Run("caps the output of one result", func(t *testing.T) {
		got := h.ok("Read", map[string]any{"file_path": "heavy.txt"})
		assert.LessOrEqual(t, len(got), resultMax)
		tail := got[strings.LastIndex(got, "\n\n"):] // keep failure output short
		assert.Equal(t, "\n\n[Showing lines 1-18 of 100: one result holds at most 40,000 characters. Call Read with offset=19 to continue.]", tail)
		assert.Contains(t, got, "\n18\tzzz")
	})
}

func TestReadImage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// A 1x1 PNG.
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
	require.NoError(t, os.WriteFile(filepath.Join(h.dir, "dot.png"), []byte(png), 0o644))
	res := h.call("Read", map[string]any{"file_path": "dot.png"})
	require.False(t, res.IsError, text(res))
	require.Len(t, res.Content, 2)
	assert.Equal(t, "dot.png: PNG image, 70 B, 1x1 pixels", text(res))
	img, ok := res.Content[1].(mcp.ImageContent)
	require.True(t, ok)
	assert.Equal(t, "image/png", img.MIMEType)
	assert.NotEmpty(t, img.Data)
}

func TestSimilarNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, f := range []string{"main.py", "models.py", "Makefile", "settings.toml", "README.md"} {
		h.write("app/"+f, "")
	}
	for asked, want := range map[string]string{
		"app/mian.py":       "app/mian.py: does not exist. Did you mean app/main.py?",
		"app/makefile":      "app/makefile: does not exist. Did you mean app/Makefile?",
		"app/model.py":      "app/model.py: does not exist. Did you mean app/models.py?",
		"app/settings.yaml": "app/settings.yaml: does not exist. Did you mean app/settings.toml?",
		"app/readme.txt":    "app/readme.txt: does not exist. Did you mean app/README.md?",
		"app/unrelated.go":  `app/unrelated.go: does not exist (paths are relative to the workspace root). Use Glob with pattern "**/unrelated.go" to search for it`,
	} {
		assert.Equal(t, want, h.fail("Read", map[string]any{"file_path": asked}), asked)
	}
}

// TestReadCountsCharacters: a line is cut at readMaxLineLen characters,
// not bytes, however its bytes arrive.
func TestReadCountsCharacters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, c := range []struct {
		name, line string
		want       string // the line as shown
	}{
		{"under the limit in characters, over it in bytes", strings.Repeat("é", 1500), strings.Repeat("é", 1500)},
		{"over it in characters", strings.Repeat("é", 2500), strings.Repeat("é", 2000) + " … [line cut: 2500 characters in all]"},
		{"crossing it mid-line", strings.Repeat("x", 1990) + strings.Repeat("é", 20), strings.Repeat("x", 1990) + strings.Repeat("é", 10) + " … [line cut: 2010 characters in all]"},
		{"longer than the read buffer", strings.Repeat("é", 70_000), strings.Repeat("é", 2000) + " … [line cut: 70000 characters in all]"},
		{"stray continuation bytes", strings.Repeat("a\x80", 1500), strings.Repeat("a\uFFFD", 1000) + " … [line cut: 3000 characters in all]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h.write("l.txt", "first\n"+c.line+"\nlast\n")
			want := "1\tfirst\n2\t" + c.want + "\n3\tlast"
			if !utf8.ValidString(c.line) {
				want += "\n\n[This file is not valid UTF-8 (first at line 2): undecodable bytes show as U+FFFD. Edit refuses to change it; convert it with Bash (iconv) first, or replace it whole with Write.]"
			}
			assert.Equal(t, want, h.ok("Read", map[string]any{"file_path": "l.txt"}))
		})
	}
}
