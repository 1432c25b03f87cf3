package tools

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/agentbox/agentbox/internal/testutil"
	"github.com/agentbox/agentbox/internal/textedit"
)

// TestEditGolden runs the cases in testdata/edit. Each is a txtar archive:
// a comment saying what it shows, the workspace's files as sections, and
//
//	-- @args --    the Edit arguments, as JSON
//	-- @read --    files to Read first, one a line (default: the edited file, if it exists)
//	-- @want --    the text of a successful result, or
//	-- @error --   the text of an isError result (the file must be unchanged)
//	-- @file --    the edited file afterwards
//
// A file section named "name:q" holds a Go-quoted string, for content with
// CRLF, a byte-order mark or bytes that are not text. go test -update
// rewrites @want, @error and @file from what Edit does.
func TestEditGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/edit/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runEditCase(t, path)
		})
	}
}

func runEditCase(t *testing.T, path string) {
	ar, err := txtar.ParseFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, strings.TrimSpace(string(ar.Comment)), "say in the comment what the case shows")
	h := newHarness(t)
	var (
		args  map[string]any
		reads []string
		kept  []txtar.File
		want  = map[string]string{}
	)
	for _, f := range ar.Files {
		name, quoted := strings.CutSuffix(f.Name, ":q")
		switch name {
		case "@args":
			require.NoError(t, json.Unmarshal(f.Data, &args), "@args")
			kept = append(kept, f)
		case "@read":
			reads = append([]string{}, strings.Fields(string(f.Data))...)
			kept = append(kept, f)
		case "@want", "@error", "@file":
			want[name] = decodeSection(t, f.Data, quoted)
		default:
			h.write(name, decodeSection(t, f.Data, quoted))
			kept = append(kept, f)
		}
	}
	require.NotNil(t, args, "no @args section")
	target, _ := args["file_path"].(string)
	if reads == nil {
		if _, err := os.Lstat(filepath.Join(h.dir, target)); err == nil {
			reads = []string{target}
		}
	}
	for _, name := range reads {
		h.ok("Read", map[string]any{"file_path": name})
	}
	before, beforeErr := os.ReadFile(filepath.Join(h.dir, target))

	res := h.call("Edit", args)
	got := text(res)
	after, afterErr := os.ReadFile(filepath.Join(h.dir, target))
	if res.IsError {
		assert.Equal(t, beforeErr == nil, afterErr == nil, "a failed edit created or removed the file")
		assert.Equal(t, string(before), string(after), "a failed edit changed the file")
	}

	if *update {
		section := "@want"
		if res.IsError {
			section = "@error"
		}
		kept = append(kept, txtar.File{Name: section, Data: []byte(got + "\n")})
		if !res.IsError && afterErr == nil {
			kept = append(kept, encodeSection("@file", string(after)))
		}
		ar.Files = kept
		require.NoError(t, os.WriteFile(path, txtar.Format(ar), 0o644))
		return
	}
	if res.IsError {
		require.Contains(t, want, "@error", "Edit failed: %s", got)
		assert.Equal(t, want["@error"], got+"\n")
		return
	}
	require.Contains(t, want, "@want", "Edit succeeded: %s", got)
	assert.Equal(t, want["@want"], got+"\n")
	if w, ok := want["@file"]; ok {
		require.NoError(t, afterErr)
		assert.Equal(t, w, string(after))
	}
}

// decodeSection returns a section's content: a quoted section is one Go
// string literal, a plain one its text. (Results are stored with the line
// break txtar needs after them.)
func decodeSection(t *testing.T, data []byte, quoted bool) string {
	t.Helper()
	if !quoted {
		return string(data)
	}
	s, err := strconv.Unquote(strings.TrimSpace(string(data)))
	require.NoError(t, err, "a :q section holds one Go string literal")
	return s
}

// encodeSection writes content plainly when txtar keeps it byte for byte
// and quoted otherwise.
func encodeSection(name, content string) txtar.File {
	plain := content == "" || strings.HasSuffix(content, "\n") &&
		utf8.ValidString(content) &&
		!strings.ContainsAny(content, "\r\x00\ufeff") &&
		!strings.Contains(content, " \n") && !strings.Contains(content, "\t\n") &&
		!strings.HasPrefix(content, "-- ") && !strings.Contains(content, "\n-- ")
	if plain {
		return txtar.File{Name: name, Data: []byte(content)}
	}
	return txtar.File{Name: name + ":q", Data: []byte(strconv.Quote(content) + "\n")}
}

func TestEditSession(t *testing.T) {
	t.Parallel()

	t.Run("edits again without reading back", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("a.go", "one\ntwo\nthree\n")
		h.ok("Read", map[string]any{"file_path": "a.go"})
		h.ok("Edit", map[string]any{"file_path": "a.go", "old_string": "one", "new_string": "1"})
		h.ok("Edit", map[string]any{"file_path": "a.go", "old_string": "two", "new_string": "2"})
		h.ok("Edit", map[string]any{"file_path": "a.go", "old_string": "1\n2", "new_string": "12"})
		assert.Equal(t, "12\nthree\n", h.file("a.go"))
	})
	t.Run("knows a file read by a relative path by its absolute one", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("dir/a.go", "one\n")
		h.ok("Read", map[string]any{"file_path": "dir/a.go"})
		got := h.ok("Edit", map[string]any{"file_path": filepath.Join(h.dir, "dir", "a.go"), "old_string": "one", "new_string": "two"})
		assert.Equal(t, filepath.Join(h.dir, "dir", "a.go")+": replaced 1 occurrence.\n1\ttwo", got)
		assert.Equal(t, "two\n", h.file("dir/a.go"))
	})
	t.Run("edits a file it created without reading it", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.ok("Edit", map[string]any{"file_path": "new/b.txt", "old_string": "", "new_string": "x\ny\n"})
		h.ok("Edit", map[string]any{"file_path": "new/b.txt", "old_string": "y", "new_string": "z"})
		assert.Equal(t, "x\nz\n", h.file("new/b.txt"))
	})
	t.Run("refuses a file changed on disk since it was read", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("a.go", "alpha\nbeta\n")
		h.ok("Read", map[string]any{"file_path": "a.go"})
		h.write("a.go", "alpha\nbeta\ngamma by a person\n")
		got := h.fail("Edit", map[string]any{"file_path": "a.go", "old_string": "beta", "new_string": "BETA"})
		assert.Contains(t, got, "a.go: changed on disk since this session last read it (was 11 B, now 29 B")
		assert.Contains(t, got, "Read it again")
		assert.Equal(t, "alpha\nbeta\ngamma by a person\n", h.file("a.go"))
		h.ok("Read", map[string]any{"file_path": "a.go"})
		h.ok("Edit", map[string]any{"file_path": "a.go", "old_string": "beta", "new_string": "BETA"})
		assert.Equal(t, "alpha\nBETA\ngamma by a person\n", h.file("a.go"))
	})
	t.Run("refuses a same-size change made since the read", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("a.go", "alpha\nbeta\n")
		h.ok("Read", map[string]any{"file_path": "a.go"})
		h.write("a.go", "alpha\nBeta\n")
		past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, "a.go"), past, past))
		got := h.fail("Edit", map[string]any{"file_path": "a.go", "old_string": "alpha", "new_string": "ALPHA"})
		assert.Contains(t, got, "changed on disk since this session last read it (same size, 11 B")
		assert.Equal(t, "alpha\nBeta\n", h.file("a.go"))
	})
	t.Run("accepts a file touched but not changed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("a.go", "alpha\n")
		h.ok("Read", map[string]any{"file_path": "a.go"})
		h.write("a.go", "alpha\n")
		past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, "a.go"), past, past))
		h.ok("Edit", map[string]any{"file_path": "a.go", "old_string": "alpha", "new_string": "omega"})
		assert.Equal(t, "omega\n", h.file("a.go"))
	})
	t.Run("needs a read in each session", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.write("a.go", "alpha\n")
		h.ok("Read", map[string]any{"file_path": "a.go"})
		other := h.connect()
		res := callOn(t, other, "Edit", map[string]any{"file_path": "a.go", "old_string": "alpha", "new_string": "omega"})
		require.True(t, res.IsError)
		assert.Contains(t, text(res), "this session has not read the file")
		assert.Equal(t, "alpha\n", h.file("a.go"))
	})
	t.Run("applies parallel edits of one file one after the other", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		var b strings.Builder
		for i := range 8 {
			b.WriteString("line " + strconv.Itoa(i) + "\n")
		}
		h.write("a.txt", b.String())
		h.ok("Read", map[string]any{"file_path": "a.txt"})
		errs := make(chan string, 8)
		for i := range 8 {
			go func() {
				var req mcp.CallToolRequest
				req.Params.Name = "Edit"
				req.Params.Arguments = map[string]any{"file_path": "a.txt", "old_string": "line " + strconv.Itoa(i) + "\n", "new_string": "LINE " + strconv.Itoa(i) + "\n"}
				res, err := h.c.CallTool(t.Context(), req)
				switch {
				case err != nil:
					errs <- err.Error()
				case res.IsError:
					errs <- text(res)
				default:
					errs <- ""
				}
			}()
		}
		for range 8 {
			assert.Empty(t, <-errs)
		}
		assert.Equal(t, strings.ReplaceAll(b.String(), "line", "LINE"), h.file("a.txt"))
	})
}

func TestEditRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("target.txt", "hello\n")
	require.NoError(t, os.Symlink("target.txt", filepath.Join(h.dir, "link.txt")))
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(h.dir, "out.txt")))
	h.ok("Read", map[string]any{"file_path": "target.txt"})
	h.ok("Read", map[string]any{"file_path": "link.txt"})

	t.Run("a symlink, naming its target", func(t *testing.T) {
		got := h.fail("Edit", map[string]any{"file_path": "link.txt", "old_string": "hello", "new_string": "bye"})
		assert.Equal(t, "link.txt: is a symlink to target.txt; nothing is written through symlinks: write to the target path instead", got)
		assert.Equal(t, "hello\n", h.file("target.txt"))
	})
	t.Run("a symlink leading out", func(t *testing.T) {
		got := h.fail("Edit", map[string]any{"file_path": "out.txt", "old_string": "root", "new_string": "toor"})
		assert.Contains(t, got, "out.txt: is a symlink to /etc/passwd, which is outside the workspace or missing")
	})
	t.Run("a path outside the workspace", func(t *testing.T) {
		got := h.fail("Edit", map[string]any{"file_path": "../x.txt", "old_string": "", "new_string": "x"})
		assert.Contains(t, got, "../x.txt: outside the workspace")
		_, err := os.Stat(filepath.Join(filepath.Dir(h.dir), "x.txt"))
		assert.True(t, errors.Is(err, fs.ErrNotExist))
	})
	t.Run("a file over the size limit", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "big.txt"), nil, 0o644))
		require.NoError(t, os.Truncate(filepath.Join(h.dir, "big.txt"), editMaxSize+1))
		got := h.fail("Edit", map[string]any{"file_path": "big.txt", "old_string": "a", "new_string": "b"})
		assert.Equal(t, "big.txt: is 32 MB, over the 32 MB Edit changes; change it with a command (sed, a script) instead", got)
	})
	t.Run("more occurrences than replace_all changes", func(t *testing.T) {
		h.write("many.txt", strings.Repeat("a\n", editMaxReplace+1))
		h.ok("Read", map[string]any{"file_path": "many.txt", "limit": 1})
		got := h.fail("Edit", map[string]any{"file_path": "many.txt", "old_string": "a", "new_string": "b", "replace_all": true})
		assert.Equal(t, "many.txt: old_string matches 10001 places, more than the 10000 one Edit replaces; make old_string more specific, or replace them with a command (sed)", got)
	})
	t.Run("arguments without old_string", func(t *testing.T) {
		got := h.fail("Edit", map[string]any{"file_path": "target.txt", "new_string": "b"})
		assert.Contains(t, got, "missing property 'old_string'")
	})
}

func TestEditAnnotations(t *testing.T) {
	t.Parallel()
	tool := editTool(New(nil, Options{})).Tool
	a := tool.Annotations
	require.NotNil(t, a.ReadOnlyHint)
	assert.False(t, *a.ReadOnlyHint)
	assert.True(t, *a.DestructiveHint)
	assert.False(t, *a.IdempotentHint)
	assert.False(t, *a.OpenWorldHint)
}

// FuzzEdit checks Edit against strings.Replace: it never breaks the
// server, a failed edit leaves the file byte for byte as it was, and a
// successful one puts new_string where old_string was. For plain text (no
// CR, curly quotes or byte-order mark, where Edit's readings do not apply)
// it must agree with strings.Replace exactly, on whether it succeeds too.
func FuzzEdit(f *testing.F) {
	f.Add("a\nb\nc\n", "b", "B", false)
	f.Add("x\r\ny\r\nz\r\n", "x\ny\n", "X\nY\nnew\n", false)
	f.Add("a\r\nb\nc\r\n", "b\nc", "B\nC", false)
	f.Add("It’s “here”.", "It's \"here\"", "'x' \"y\"", false)
	f.Add("\ufeffhello\n", "hello", "bye", false)
	f.Add("aaa\naaa\n", "a", "b", true)
	f.Add("aaa\naaa\n", "aa", "b", false)
	f.Add("abc\x00def", "abc", "x", false)
	f.Add("caf\xe9\n", "c", "d", false)
	f.Add("", "", "new\n", false)
	f.Add("a\r\r\nb\r", "\r\n", "x", true)
	f.Add("\tif x {\n\t\treturn\n\t}\n", "    if x {\n        return", "y", false)
	f.Add("1\ta\n2\tb\n", "1\ta", "c", false)
	h := newHarness(f)
	dir, c := h.dir, h.c
	name := filepath.Join(dir, "f.txt")
	f.Fuzz(func(t *testing.T, content, old, repl string, all bool) {
		if !utf8.ValidString(old) || !utf8.ValidString(repl) {
			t.Skip("arguments travel as JSON, which has no invalid UTF-8")
		}
		require.NoError(t, os.WriteFile(name, []byte(content), 0o644))
		callOn(t, c, "Read", map[string]any{"file_path": "f.txt"})
		res := callOn(t, c, "Edit", map[string]any{"file_path": "f.txt", "old_string": old, "new_string": repl, "replace_all": all})
		after, err := os.ReadFile(name)
		require.NoError(t, err)
		if res.IsError {
			require.Equal(t, content, string(after), "a failed edit changed the file: %s", text(res))
		}

		plain := !strings.ContainsAny(content+old+repl, "\r‘’“”") && !strings.HasPrefix(content, textedit.UTF8BOM) &&
			utf8.ValidString(content) && !strings.ContainsRune(content, 0)
		if !plain {
			if !res.IsError {
				norm := strings.NewReplacer("\r\n", "\n", "‘", "'", "’", "'", "“", `"`, "”", `"`).Replace
				require.Contains(t, norm(string(after)), strings.Trim(norm(repl), "\r"), text(res))
				if !all {
					// Only the matched region changed: what differs between
					// the file before and after is no longer than old_string
					// spelled with CRLF and curly quotes.
					p := commonPrefix(content, string(after))
					s := commonPrefix(reverse(content[p:]), reverse(string(after[p:])))
					longest := len(old) + strings.Count(old, "\n") + 2*strings.Count(old, "'") + 2*strings.Count(old, "\"") + len(textedit.UTF8BOM)
					require.LessOrEqual(t, len(content)-p-s, longest, text(res))
				}
			}
			return
		}
		want, ok := content, false
		switch n := strings.Count(content, old); {
		case old == repl:
		case old == "" && content == "":
			want, ok = repl, true
		case old == "":
		case n == 1 || n > 1 && all:
			want, ok = strings.ReplaceAll(content, old, repl), true
		}
		require.Equal(t, ok, !res.IsError, text(res))
		require.Equal(t, want, string(after))
	})
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func reverse(s string) string {
	b := []byte(s)
	slices.Reverse(b)
	return string(b)
}

// BenchmarkEdit measures one Edit of a 5,000-line file through the
// in-process client: read, match, write atomically, show the region.
func BenchmarkEdit(b *testing.B) {
	h := newHarness(b)
	dir, c := h.dir, h.c
	require.NoError(b, os.WriteFile(filepath.Join(dir, "big.go"), []byte(testutil.GoFile(5000)), 0o644))
	callOn(b, c, "Read", map[string]any{"file_path": "big.go"})
	from, to := "return x - 400\n", "return x - 400 // edited\n"
	for b.Loop() {
		res := callOn(b, c, "Edit", map[string]any{"file_path": "big.go", "old_string": from, "new_string": to})
		if res.IsError {
			b.Fatal(text(res))
		}
		from, to = to, from
	}
}

// BenchmarkEditNotFound measures the diagnosis of an old_string indented
// with spaces where a 5,000-line file has tabs.
func BenchmarkEditNotFound(b *testing.B) {
	h := newHarness(b)
	dir, c := h.dir, h.c
	require.NoError(b, os.WriteFile(filepath.Join(dir, "big.go"), []byte(testutil.GoFile(5000)), 0o644))
	callOn(b, c, "Read", map[string]any{"file_path": "big.go"})
	args := map[string]any{"file_path": "big.go", "old_string": "    if x > 600 {\n        return x - 600\n    }", "new_string": "x"}
	res := callOn(b, c, "Edit", args)
	require.True(b, res.IsError)
	require.Contains(b, text(res), "the file indents with tabs, old_string with 4 spaces")
	for b.Loop() {
		callOn(b, c, "Edit", args)
	}
}
