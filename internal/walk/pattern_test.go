package walk

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern, text string
		want          bool
	}{
		{"foo", "foo", true},
		{"foo", "foo/bar", false},
		{"*.go", "main.go", true},
		{"*.go", "cmd/main.go", false}, // a star never crosses a slash
		{"*.go", ".go", true},
		{"main.*", "main.go", true},
		{"main.*", "main.go/x", false},
		{"*", "anything", true},
		{"*", "a/b", false},
		{"**", "a/b/c", true},
		{"?", "a", true},
		{"?", "é", true}, // one character, not one byte (ignore files: see TestWalkMatchesGit)
		{"?", "/", false},
		{"a?c", "abc", true},
		{"a?c", "a/c", false},
		{"[abc].txt", "b.txt", true},
		{"[!abc].txt", "b.txt", false},
		{"[^abc].txt", "d.txt", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[[:digit:]]*", "7up", true},
		{"[[:upper:]]*", "lower", false},
		{"[é]", "é", true},
		{"a[/]b", "a/b", false},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\?`, "a?", true},
		{"**/foo", "foo", true},
		{"**/foo", "a/b/foo", true},
		{"**/foo", "a/bfoo", false},
		{"**/foo/bar", "x/foo/bar", true},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/xb", false},
		{"a/**", "a/x/y", true},
		{"a/**", "a", false},
		{"a**b", "axxb", true},   // not a whole component: a plain star
		{"a**b", "ax/xb", false}, // so it does not cross a slash
		{"src/*/main.go", "src/x/main.go", true},
		{"src/*/main.go", "src/x/y/main.go", false},
		{"*/*", "a/b", true},
		{"*/*", "a/b/c", false},
		{"*a*b*c*d*e*f*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"**/*.go", "a/b/c.go", true},
		{"**/*.go", "c.go", true},
		{"**/*.go", "a/b/c.goo", false},
	}
	for _, c := range cases {
		p, err := compilePattern(c.pattern)
		require.NoError(t, err, c.pattern)
		assert.Equal(t, c.want, p.match(c.text), "%q vs %q", c.pattern, c.text)
		// The fast kinds must agree with the general matcher.
		assert.Equal(t, c.want, wildmatch(c.pattern, c.text, false) == wmMatch, "wildmatch %q vs %q", c.pattern, c.text)
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	cases := []struct {
		glob  string
		match []string
		miss  []string
	}{
		{"*.py", []string{"a.py", "src/pkg/b.py"}, []string{"a.pyc", "py"}},
		{"src/*.py", []string{"src/a.py"}, []string{"src/pkg/b.py", "a.py", "x/src/a.py"}},
		{"/src/*.py", []string{"src/a.py"}, []string{"x/src/a.py"}},
		{"./src/*.py", []string{"src/a.py"}, []string{"x/src/a.py"}},
		{"**/*.py", []string{"a.py", "x/y/z.py"}, []string{"a.pyx"}},
		{"src/**/*.ts", []string{"src/a.ts", "src/x/y/b.ts"}, []string{"a.ts", "lib/src/a.ts"}},
		{"*.{ts,tsx}", []string{"a.ts", "d/b.tsx"}, []string{"a.js"}},
		{"{src,lib}/**/*.go", []string{"src/a.go", "lib/x/b.go"}, []string{"cmd/a.go"}},
		{"{a,b{1,2}}.txt", []string{"a.txt", "b1.txt", "b2.txt"}, []string{"b.txt"}},
		{"*.{,bak}", []string{"x.", "x.bak"}, []string{"x.go"}},
		{`\{a,b\}`, []string{"{a,b}"}, []string{"a"}},
		{"[{]x", []string{"{x"}, nil},
		{"Makefile", []string{"Makefile", "sub/Makefile"}, []string{"makefile"}},
	}
	for _, c := range cases {
		g, err := CompileGlob(c.glob)
		require.NoError(t, err, c.glob)
		for _, m := range c.match {
			assert.True(t, g.Match(m, false), "%q should match %q", c.glob, m)
		}
		for _, m := range c.miss {
			assert.False(t, g.Match(m, false), "%q should not match %q", c.glob, m)
		}
	}
}

func TestGlobDirOnly(t *testing.T) {
	t.Parallel()
	g, err := CompileGlob("build/")
	require.NoError(t, err)
	assert.True(t, g.Match("x/build", true))
	assert.False(t, g.Match("x/build", false))
}

func TestGlobErrors(t *testing.T) {
	t.Parallel()
	cases := []struct{ glob, want string }{
		{"", `invalid glob "": the pattern is empty; use * for every file (at column 1: the end)`},
		{"src/[a-z.py", `invalid glob "src/[a-z.py": unclosed character class; close it with ], or write \[ for a literal [ (at column 5: "[a-z.py")`},
		{`a\`, `invalid glob "a\\": a trailing backslash quotes nothing; remove it, or write \\ for a backslash (at column 2: "\\")`},
		{"*.{ts,js", `invalid glob "*.{ts,js": unclosed "{"; close the group with }, or write \{ for a literal brace (at column 3: "{ts,js")`},
		{"a}b", `invalid glob "a}b": "}" closes no "{"; remove it, or write \} for a literal brace (at column 2: "}b")`},
		{"x/{a,b}}", `invalid glob "x/{a,b}}": "}" closes no "{"; remove it, or write \} for a literal brace (at column 8: "}")`},
		{"{a,b}/", ""}, // fine: directories named a or b
		{"{a,{b,c}", `invalid glob "{a,{b,c}": unclosed "{"; close the group with }, or write \{ for a literal brace (at column 1: "{a,{b,c}")`},
		{"{,}{,}{,}{,}{,}{,}{,}{,}{,}{,}{,}", `invalid glob "{,}{,}{,}{,}{,}{,}{,}{,}{,}{,}{,}": the {…} groups expand to over 1024 patterns; use fewer alternatives (at column 1: "{,}{,}{,}{,}{,}{,}{,…")`},
	}
	for _, c := range cases {
		_, err := CompileGlob(c.glob)
		if c.want == "" {
			assert.NoError(t, err, c.glob)
			continue
		}
		require.Error(t, err, c.glob)
		assert.Equal(t, c.want, err.Error())
	}
}

func TestGlobLiteralPrefix(t *testing.T) {
	t.Parallel()
	for glob, want := range map[string]string{
		"src/pkg/**/*.go":      "src/pkg",
		"src/*.go":             "src",
		"*.go":                 "",
		"**/*.go":              "",
		"{src,lib}/*.go":       "",
		"src/{a,b}/*.go":       "src",
		"/internal/tools/*.md": "internal/tools",
		"a/../b/*.go":          "a",
	} {
		g, err := CompileGlob(glob)
		require.NoError(t, err)
		assert.Equal(t, want, g.LiteralPrefix(), glob)
	}
}

func TestRulesParse(t *testing.T) {
	t.Parallel()
	rs := ParseRules([]byte("# comment\n\n*.log\r\n!keep.log\nbuild/\n/top\ndocs/*.md\ntrailing\\ \nspaces   \n\\#hash\n\\!bang\n**/deep\n"))
	cases := []struct {
		path  string
		isDir bool
		want  verdict
	}{
		{"a.log", false, ignored},
		{"x/y/a.log", false, ignored},
		{"keep.log", false, included},
		{"build", true, ignored},
		{"build", false, undecided}, // directories only
		{"x/build", true, ignored},
		{"top", false, ignored},
		{"x/top", false, undecided}, // anchored
		{"docs/a.md", false, ignored},
		{"x/docs/a.md", false, undecided},
		{"trailing ", false, ignored},
		{"spaces", false, ignored},
		{"#hash", false, ignored},
		{"!bang", false, ignored},
		{"a/b/deep", true, ignored},
		{"comment", false, undecided},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, rs.match(c.path, c.isDir), c.path)
	}
}
