package textedit

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindAndReplace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, content, old, repl string
		count                    int
		folded, crlf, curly      bool
		want                     string
	}{
		{name: "replaces an exact match", content: "a\nb\nc\n", old: "b", repl: "B", count: 1, want: "a\nB\nc\n"},
		{name: "replaces every match", content: "x y x", old: "x", repl: "z", count: 2, want: "z y z"},
		{name: "counts matches that do not overlap", content: "aaaa", old: "aa", repl: "b", count: 2, want: "bb"},
		{name: "writes new lines in a CRLF file's endings", content: "a\r\nb\r\nc\r\n", old: "a\nb\n", repl: "x\ny\nz\n", count: 1, crlf: true, want: "x\r\ny\r\nz\r\nc\r\n"},
		{name: "keeps a byte-order mark", content: UTF8BOM + "hello\n", old: "hello", repl: "bye", count: 1, want: UTF8BOM + "bye\n"},
		{name: "matches straight quotes to curly ones and writes curly", content: "It’s “here”.", old: `It's "here"`, repl: `It's "there"`, count: 1, folded: true, curly: true, want: "It’s “there”."},
		{name: "finds nothing", content: "abc", old: "x", repl: "y", count: 0, want: "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Find([]byte(tc.content), NormalizeEOL(tc.old))
			assert.Equal(t, tc.count, m.Count)
			assert.Equal(t, tc.folded, m.Folded)
			r := m.Replace(NormalizeEOL(tc.repl))
			assert.Equal(t, tc.want, string(r.Data))
			assert.Equal(t, tc.crlf, r.CRLF, "CRLF")
			assert.Equal(t, tc.curly, r.Curly, "Curly")
			assert.Len(t, r.Spans, tc.count)
		})
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	file := []byte("func main() {\n\tfmt.Println(\"hi\")\n}\n")
	for _, tc := range []struct{ name, old, repl, want string }{
		{"names Read's line-number prefixes", "2\tfmt.Println(\"hi\")", "x", `old_string starts with line-number prefixes ("2\t") copied from Read's output; they are not part of the file. Without them it matches at line 2`},
		{"sees an edit already made", "fmt.Println(\"ho\")", "\tfmt.Println(\"hi\")", "new_string is already in the file, at line 2: this edit may have been made already."},
		{"names indentation that differs", "    fmt.Println(\"hi\")\n}", "x", "Indentation: the file indents with tabs, old_string with 4 spaces"},
		{"says when nothing resembles old_string", "SELECT name FROM users", "x", "No part of the file resembles it (3 lines compared)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Find(file, tc.old)
			require.Zero(t, m.Count)
			got := m.NotFound(tc.repl)
			assert.True(t, strings.HasPrefix(got, "old_string was not found, so nothing was changed."), got)
			assert.Contains(t, got, tc.want)
		})
	}
}

func TestAmbiguousAndShow(t *testing.T) {
	t.Parallel()
	content := []byte(strings.Repeat("x\n", 3) + "target\n" + strings.Repeat("y\n", 20) + "target\n")
	m := Find(content, "target")
	require.Equal(t, 2, m.Count)
	assert.Equal(t, "old_string matches 2 places, at lines 4 and 25; replace_all is not set, so nothing was changed. Include more of the surrounding lines in old_string so that it matches one place only, or set replace_all to change every one", m.Ambiguous())

	r := m.Replace("done")
	assert.Equal(t, "1\tx\n2\tx\n3\tx\n4\tdone\n5\ty\n6\ty\n7\ty\n…\n22\ty\n23\ty\n24\ty\n25\tdone", Show(r.Data, r.Spans))
}

// FuzzReplace checks Replace on any file: every byte outside the matches
// stays as it was, each edited region reads as new_string, and, in plain
// text, replacing the new text back with old_string gives the original.
func FuzzReplace(f *testing.F) {
	f.Add("a\nb\nc\n", "b", "B")
	f.Add("x\r\ny\r\nz\r\n", "x\ny\n", "X\nY\nnew\n")
	f.Add("a\r\nb\nc\r\n", "b\nc", "B\nC")
	f.Add("It’s “here”.", "It's \"here\"", "'x' \"y\"")
	f.Add(UTF8BOM+"hello\n", "hello", "bye")
	f.Add("aaa\naaa\n", "aa", "b")
	f.Add("a\r\r\nb\r", "\r\n", "x")
	f.Add("caf\xe9\n", "c", "d")
	f.Fuzz(func(t *testing.T, content, old, repl string) {
		old, repl = NormalizeEOL(old), NormalizeEOL(repl)
		if old == "" || !utf8.ValidString(old) || !utf8.ValidString(repl) {
			t.Skip("Edit never looks for an empty old_string; arguments are JSON strings")
		}
		m := Find([]byte(content), old)
		if m.Count == 0 || m.Count > MaxMatches {
			return
		}
		r := m.Replace(repl)
		require.Len(t, r.Spans, m.Count)

		// Outside the matches nothing changed: the pieces between the
		// edited regions are the pieces between the matches.
		was, at := 0, 0
		for k, p := range m.pos {
			s, e := m.view.orig(p), m.view.orig(p+m.size)
			span := r.Spans[k]
			require.Equal(t, content[was:s], string(r.Data[at:span.Start]), "text before match %d", k)
			written := string(r.Data[span.Start:span.End])
			require.Equal(t, foldQuotes(repl), foldQuotes(NormalizeEOL(written)), "match %d reads as new_string", k)
			was, at = e, span.End
		}
		require.Equal(t, content[was:], string(r.Data[at:]), "text after the last match")

		// In plain text, a single exact match replaced, then found again and
		// replaced back, gives the original.
		if m.Count != 1 || m.Folded || repl == "" || strings.ContainsRune(content, '\r') {
			return
		}
		back := Find(r.Data, repl)
		if back.Count != 1 || back.Folded {
			return
		}
		require.Equal(t, content, string(back.Replace(old).Data))
	})
}
