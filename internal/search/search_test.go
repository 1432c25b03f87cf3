package search

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnalyze(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern string
		fold    bool
		want    []string
		exact   bool
	}{
		{"hello", false, []string{"hello"}, true},
		{`foo\.bar`, false, []string{"foo.bar"}, true},
		{"foo|bar", false, []string{"bar", "foo"}, true},
		{`\b(TODO|FIXME)\b`, false, []string{"FIXME", "TODO"}, false},
		{`func\s+\w+\(`, false, []string{"func"}, false},
		{`\w+Error\b`, false, []string{"Error"}, false},
		{"colou?r", false, []string{"color", "colour"}, true},
		{"[Hh]ello", false, []string{"HELLO"}, true}, // the parser makes [Hh] a case-folded H
		{`^\s*import`, false, []string{"import"}, false},
		{`a.*bcdef.*g`, false, []string{"bcdef"}, false},
		{`(foo)+bar`, false, []string{"bar"}, false}, // "bar" is longer than nothing, "foo" too; either works
		{`.*`, false, nil, false},
		{`\d+`, false, nil, false},
		{`x?`, false, nil, false},
		{`(a|b.*)c`, false, []string{"c"}, false},
		{"(?i)hello", false, []string{"HELLO"}, true},
		{"hello", true, []string{"HELLO"}, true},
		{"héllo wörld", true, []string{"LLO W"}, false},
		{"ab|cd|ef|gh|ij|kl|mn|op|qr", false, nil, false}, // too many to scan for
	}
	for _, c := range cases {
		flags := syntax.Perl
		if c.fold {
			flags |= syntax.FoldCase
		}
		re, err := syntax.Parse(c.pattern, flags)
		require.NoError(t, err)
		got := analyze(re.Simplify())
		if c.pattern == `(foo)+bar` {
			assert.NotNil(t, got.lits, c.pattern)
			continue
		}
		if got.fold {
			// Folded literals come in the parser's canonical case.
			for i := range got.lits {
				got.lits[i] = strings.ToUpper(got.lits[i])
			}
		}
		assert.Equal(t, c.want, got.lits, c.pattern)
		assert.Equal(t, c.exact, got.exact, "%s: exact", c.pattern)
	}
}

// naive is the reference: split into lines, match each with the regexp.
func naive(t *testing.T, pattern string, ignoreCase bool, text string) []int {
	t.Helper()
	if ignoreCase {
		pattern = "(?i)" + pattern
	}
	re := regexp.MustCompile(pattern)
	var nums []int
	if text == "" {
		return nil // an empty file has no lines
	}
	lines := strings.Split(text, "\n")
	if strings.HasSuffix(text, "\n") {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if re.MatchString(strings.TrimSuffix(l, "\r")) {
			nums = append(nums, i+1)
		}
	}
	return nums
}

func searchLines(t *testing.T, s *Searcher, text string, chunk int) []int {
	t.Helper()
	var nums []int
	var r = iotest.OneByteReader(strings.NewReader(text))
	if chunk > 1 {
		r = &chunked{data: []byte(text), n: chunk}
	}
	_, err := s.Search(r, func(l *Line) bool {
		if l.Match {
			nums = append(nums, l.Num)
		}
		return true
	})
	require.NoError(t, err)
	return nums
}

type chunked struct {
	data []byte
	n    int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, fmt.Errorf("EOF: %w", ioEOF)
	}
	n := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// TestSearchAgreesWithRegexp checks the literal fast paths against plain
// line-by-line matching, on random text and patterns.
func TestSearchAgreesWithRegexp(t *testing.T) {
	t.Parallel()
	words := []string{"foo", "bar", "Foo", "FOO", "baz", "TODO", "FIXME", "todo", "func", "x", "\u212Aelvin", "kelvin", "ſs", "SS", "é", "É", " ", "  ", "\t", "(", ")", "\r"}
	patterns := []string{"foo", "Foo", "TODO", `\bTODO\b`, `\b(TODO|FIXME)\b`, "foo|bar", `fo+`, `f.o`, `^foo`, `foo$`, `^$`, `kelvin`, `ss`, `é`, `\(`, `func\s*\(`, `[fb]a[rz]`, `x+`, `.`, `(?i)foo`, "o b", `bar\s*$`}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 120 {
		var b strings.Builder
		for range rng.IntN(200) {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(5) == 0 {
				b.WriteString("\n")
			}
		}
		text := b.String()
		for _, pat := range patterns {
			for _, ic := range []bool{false, true} {
				p, err := Compile(pat, Options{IgnoreCase: ic})
				require.NoError(t, err)
				want := naive(t, pat, ic, text)
				s := &Searcher{Pattern: p}
				got := searchLines(t, s, text, 1+round%7)
				require.Equal(t, want, got, "pattern %q ignore case %v in %q", pat, ic, text)
				res, err := s.Search(strings.NewReader(text), nil)
				require.NoError(t, err)
				require.Equal(t, len(want), res.Count, "count of %q in %q", pat, text)
			}
		}
	}
}

func collect(t *testing.T, s *Searcher, text string) string {
	t.Helper()
	var b strings.Builder
	last := 0
	res, err := s.Search(&chunked{data: []byte(text), n: 3}, func(l *Line) bool {
		if last > 0 && l.Num > last+1 && s.Before+s.After > 0 {
			b.WriteString("--\n")
		}
		last = l.Num
		sep := "-"
		if l.Match {
			sep = ":"
		}
		if l.Spans != nil {
			for _, sp := range l.Spans {
				fmt.Fprintf(&b, "%d%s%s\n", l.Num, sep, l.Text[sp[0]:sp[1]])
			}
			return true
		}
		fmt.Fprintf(&b, "%d%s%s\n", l.Num, sep, l.Text)
		return true
	})
	require.NoError(t, err)
	assert.False(t, res.Binary)
	return b.String()
}

func TestSearchContext(t *testing.T) {
	t.Parallel()
	text := "1 a\n2 match\n3 b\n4 c\n5 d\n6 match\n7 match\n8 e\n9 f\n10 g\n11 h\n12 match"
	p, err := Compile("match", Options{})
	require.NoError(t, err)
	assert.Equal(t, "2:2 match\n6:6 match\n7:7 match\n12:12 match\n", collect(t, &Searcher{Pattern: p}, text))
	assert.Equal(t, "1-1 a\n2:2 match\n3-3 b\n--\n5-5 d\n6:6 match\n7:7 match\n8-8 e\n--\n11-11 h\n12:12 match\n",
		collect(t, &Searcher{Pattern: p, Before: 1, After: 1}, text))
	assert.Equal(t, "2:2 match\n3-3 b\n4-4 c\n5-5 d\n6:6 match\n7:7 match\n8-8 e\n9-9 f\n10-10 g\n--\n12:12 match\n",
		collect(t, &Searcher{Pattern: p, After: 3}, text))
	assert.Equal(t, "1-1 a\n2:2 match\n3-3 b\n4-4 c\n5-5 d\n6:6 match\n7:7 match\n--\n9-9 f\n10-10 g\n11-11 h\n12:12 match\n",
		collect(t, &Searcher{Pattern: p, Before: 3}, text))
	assert.Equal(t, "2:match\n6:match\n7:match\n12:match\n", collect(t, &Searcher{Pattern: p, OnlyMatching: true}, text))
}

func TestSearchCRLF(t *testing.T) {
	t.Parallel()
	p, err := Compile("foo$", Options{})
	require.NoError(t, err)
	assert.Equal(t, "2:x foo\n", collect(t, &Searcher{Pattern: p}, "a\r\nx foo\r\nfoo bar\r\n"))
}

func TestSearchMultiline(t *testing.T) {
	t.Parallel()
	text := "line1\nstart\nmiddle\nend\nafter\nstart end\n"
	p, err := Compile(`start.*?end`, Options{Multiline: true})
	require.NoError(t, err)
	assert.Equal(t, "2:start\n3:middle\n4:end\n6:start end\n", collect(t, &Searcher{Pattern: p}, text))
	assert.Equal(t, "1-line1\n2:start\n3:middle\n4:end\n5-after\n6:start end\n", collect(t, &Searcher{Pattern: p, Before: 1, After: 1}, text))
	assert.Equal(t, "2:start\n3:middle\n4:end\n6:start end\n", collect(t, &Searcher{Pattern: p, OnlyMatching: true}, text))
	res, err := (&Searcher{Pattern: p}).Search(strings.NewReader(text), nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Count)
	p, err = Compile(`t\nm`, Options{Multiline: true})
	require.NoError(t, err)
	assert.Equal(t, "2:start\n3:middle\n", collect(t, &Searcher{Pattern: p}, text))
}

func TestSearchBinary(t *testing.T) {
	t.Parallel()
	p, err := Compile("foo", Options{})
	require.NoError(t, err)
	s := &Searcher{Pattern: p}
	res, err := s.Search(strings.NewReader("foo\x00bar\nfoo\n"), func(*Line) bool { t.Fatal("binary file reported"); return true })
	require.NoError(t, err)
	assert.True(t, res.Binary)

	// A NUL after the first block stops the search there.
	text := strings.Repeat("foo\n", BlockSize/4+10) + "x\x00foo\nfoo\n"
	res, err = s.Search(strings.NewReader(text), nil)
	require.NoError(t, err)
	assert.True(t, res.Binary)
	assert.Equal(t, BlockSize/4+10, res.Count)
}

func TestSearchLongLines(t *testing.T) {
	t.Parallel()
	p, err := Compile("needle", Options{})
	require.NoError(t, err)
	long := strings.Repeat("x", 3*BlockSize) + "needle" + strings.Repeat("y", BlockSize)
	text := "a\n" + long + "\nneedle\n"
	var got []int
	_, err = (&Searcher{Pattern: p, Before: 1}).Search(strings.NewReader(text), func(l *Line) bool {
		got = append(got, l.Num, len(l.Text))
		return true
	})
	require.NoError(t, err)
	assert.Equal(t, []int{1, 1, 2, len(long), 3, 6}, got)
}

func TestSearchStops(t *testing.T) {
	t.Parallel()
	p, err := Compile("x", Options{})
	require.NoError(t, err)
	n := 0
	res, err := (&Searcher{Pattern: p}).Search(strings.NewReader("x\nx\nx\n"), func(*Line) bool { n++; return false })
	require.NoError(t, err)
	assert.True(t, res.Stopped)
	assert.Equal(t, 1, n)
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ pattern, want string }{
		{"(foo", "invalid regex: missing closing ): `(foo`\n    (foo\n    ^\nTo match a parenthesis itself, escape it: \\( or \\). The syntax is Go's RE2."},
		{"foo(?=bar)", "invalid regex: lookahead is not supported: `(?=`\n    foo(?=bar)\n       ^\nRE2 has no lookahead or lookbehind. Match the surrounding text instead (for example foo\\(bar rather than foo(?=\\(bar)), or search for the part you need and filter with context lines."},
		{`(a)\1`, "invalid regex: invalid escape sequence: `\\1`\n    (a)\\1\n       ^\nRE2 has no backreferences. Search for one occurrence and read the lines around it, or spell out the repeated text."},
		{"*foo", "invalid regex: missing argument to repetition operator: `*`\n    *foo\n    ^\nNothing precedes the repetition; to match *, + or ? itself, escape it: \\*. The syntax is Go's RE2."},
		{`a\nb`, "invalid regex: the pattern matches a line break (\\n), which a line-by-line search never sees\nset multiline to true to match across lines"},
	}
	for _, c := range cases {
		_, err := Compile(c.pattern, Options{})
		require.Error(t, err, c.pattern)
		assert.Equal(t, c.want, err.Error())
	}
	_, err := Compile(`interface{}`, Options{})
	assert.NoError(t, err, "RE2 reads a brace that starts no repetition as a literal")
	_, err = Compile(`a\nb`, Options{Multiline: true})
	assert.NoError(t, err)
}

func TestFinderKelvin(t *testing.T) {
	t.Parallel()
	p, err := Compile("kelvin", Options{IgnoreCase: true})
	require.NoError(t, err)
	res, err := (&Searcher{Pattern: p}).Search(bytes.NewReader([]byte("a \u212Aelvin b\nKELVIN\nkelvi\n")), nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Count)
}

var ioEOF = io.EOF

// TestSearchContextAcrossBlocks checks context lines against a plain
// computation, on texts several buffers long so that contexts straddle
// block boundaries.
func TestSearchContextAcrossBlocks(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	p, err := Compile(`needle\d`, Options{})
	require.NoError(t, err)
	for round := range 20 {
		var lines []string
		for range 30000 {
			if rng.IntN(400) == 0 {
				lines = append(lines, fmt.Sprintf("has needle%d here", rng.IntN(10)))
			} else {
				lines = append(lines, strings.Repeat("hay ", rng.IntN(8)))
			}
		}
		text := strings.Join(lines, "\n") + "\n"
		before, after := rng.IntN(4), rng.IntN(4)
		if round == 0 {
			before, after = 0, 0
		}
		var want []string
		shown := map[int]bool{}
		for i, l := range lines {
			if !strings.Contains(l, "needle") {
				continue
			}
			for j := max(0, i-before); j <= min(len(lines)-1, i+after); j++ {
				shown[j] = true
			}
		}
		for i, l := range lines {
			if shown[i] {
				sep := "-"
				if strings.Contains(l, "needle") {
					sep = ":"
				}
				want = append(want, fmt.Sprintf("%d%s%s", i+1, sep, l))
			}
		}
		var got []string
		_, err := (&Searcher{Pattern: p, Before: before, After: after}).Search(strings.NewReader(text), func(l *Line) bool {
			sep := "-"
			if l.Match {
				sep = ":"
			}
			got = append(got, fmt.Sprintf("%d%s%s", l.Num, sep, l.Text))
			return true
		})
		require.NoError(t, err)
		require.Equal(t, want, got, "round %d, -B %d -A %d", round, before, after)
	}
}
