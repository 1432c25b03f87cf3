package textedit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/agentbox/agentbox/internal/testutil"
)

func TestTextView(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		content string
		fold    bool
		text    string
	}{
		{"a\r\nb\r\n", false, "a\nb\n"},
		{"\ufeffa\r\nb", false, "a\nb"},
		{"a\r\r\nb\r", false, "a\r\nb\r"},
		{"it’s “so”\r\n", true, "it's \"so\"\n"},
		{"it’s “so”\r\n", false, "it’s “so”\n"},
		{"a‚b", true, "a‚b"}, // U+201A is not a quote Edit folds
	} {
		v := newView([]byte(tc.content), tc.fold)
		assert.Equal(t, tc.text, v.text, "%q", tc.content)
		// Every view character maps back to the file character it reads.
		for i := range len(v.text) {
			o := v.orig(i)
			switch c := v.text[i]; {
			case c == '\n':
				assert.Contains(t, []string{"\n", "\r\n"}, tc.content[o:v.orig(i+1)], "%q at %d", tc.content, i)
			case c < 0x80 && !strings.ContainsRune("'\"", rune(c)):
				assert.Equal(t, c, tc.content[o], "%q at %d", tc.content, i)
			}
		}
		assert.Equal(t, len(tc.content), v.orig(len(v.text)), "%q", tc.content)
	}
}

func TestCurlyLike(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ s, region, want string }{
		{`"hi"`, `“x”`, `“hi”`},
		{`say "hi" (and "bye")`, `“x”`, `say “hi” (and “bye”)`},
		{`it's 'odd'`, `it’s`, `it’s ‘odd’`},
		{`it's "odd"`, `it’s`, `it’s "odd"`}, // only the kind the region curls
		{`it's`, `plain`, `it's`},
	} {
		assert.Equal(t, tc.want, curlyLike(tc.s, tc.region), tc.s)
	}
}

func TestEndsCRLF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		content string
		s, e    int
		want    bool
	}{
		{"a\r\nb\r\n", 0, 3, true},
		{"a\nb\r\n", 0, 2, false},
		{"a\nb\r\n", 2, 3, true},     // no break inside: the line's own ending
		{"x\r\nlast", 3, 7, true},    // the last line: the one before it
		{"single line", 0, 6, false}, // no line break at all
	} {
		assert.Equal(t, tc.want, endsCRLF([]byte(tc.content), tc.s, tc.e), "%q[%d:%d]", tc.content, tc.s, tc.e)
	}
}

func TestStripLineNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"12\tfoo\n13\t\tbar", "foo\n\tbar", true},
		{"    7→x\n    8→y", "x\ny", true},
		{"12\tfoo\n14\tbar", "", false}, // not consecutive
		{"12\tfoo\nbar", "", false},     // not every line
		{"foo", "", false},
	} {
		out, _, ok := stripLineNumbers(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.out, out, "%q", tc.in)
	}
}

func TestVote(t *testing.T) {
	t.Parallel()
	file := splitLines(testutil.GoFile(5000))
	t.Run("places lines equal but for indentation", func(t *testing.T) {
		start, ok, also := vote(file, []string{"    if x > 321 {", "        return x - 321"})
		assert.True(t, ok)
		assert.Equal(t, "\tif x > 321 {", file[start])
		assert.Empty(t, also)
	})
	t.Run("finds the line of a typo", func(t *testing.T) {
		start, ok, _ := vote(file, []string{"\tretrun x + 321"})
		assert.True(t, ok)
		assert.Equal(t, "\treturn x + 321", file[start])
	})
	t.Run("finds nothing in unrelated text", func(t *testing.T) {
		_, ok, _ := vote(file, []string{"SELECT name FROM users"})
		assert.False(t, ok)
	})
}

func TestWsDesc(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "no whitespace", wsDesc(""))
	assert.Equal(t, "1 tab", wsDesc("\t"))
	assert.Equal(t, "2 spaces and 1 tab", wsDesc(" \t "))
	assert.Equal(t, "1 carriage return (\\r)", wsDesc("\r"))
	assert.Equal(t, "3 no-break spaces (U+00A0)", wsDesc("\u00a0\u00a0\u00a0"))
}

func TestListLines(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "3", listLines([]int{3}, 5, 1))
	assert.Equal(t, "3 and 9", listLines([]int{3, 9}, 5, 2))
	assert.Equal(t, "3 (twice), 4 and 9 (3 times)", listLines([]int{3, 3, 4, 9, 9, 9}, 5, 6))
	assert.Equal(t, "1, 2, … (3 more not listed)", listLines([]int{1, 2, 3, 4, 5}, 2, 5))
	assert.Equal(t, "1, 2, … (98 more not listed)", listLines([]int{1, 2, 3}, 2, 100))
	assert.Equal(t, "line 4 (twice)", linesWord([]int{4, 4}, 5, 2))
	assert.Equal(t, "lines 4 and 5", linesWord([]int{4, 5}, 5, 2))
}

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"main", "mian", 1}, {"abc", "abc", 0}, {"kitten", "sitting", 3}, {"", "ab", 2}, {"ab", "ba", 1}, {"abcdef", "badcfe", 3},
	} {
		assert.Equal(t, c.want, Distance(c.a, c.b, 5), "%s/%s", c.a, c.b)
		assert.Equal(t, c.want, Distance(c.b, c.a, 5), "%s/%s", c.b, c.a)
	}
	assert.Equal(t, 2, Distance("kitten", "sitting", 1), "cut off past the limit")
}
