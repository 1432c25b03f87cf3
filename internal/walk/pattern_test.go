package walk

import (
	"strings"
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

func TestGlobCouldMatchUnder(t *testing.T) {
	t.Parallel()
	cases := []struct {
		glob, dir string
		want      bool
	}{
		{"**/*.go", "a/b/c", true},
		{"*.go", "a/b", true}, // a name at any depth
		{"src/**/*.go", "src", true},
		{"src/**/*.go", "src/a/b/c", true},
		{"src/**/*.go", "lib", false},
		{"src/**", "src/a/b", true},
		{"src/**", "srcx", false},
		{"src/*.go", "src", true},
		{"src/*.go", "src/a", false}, // too deep
		{"/main.go", "cmd", false},
		{"cmd/*/main.go", "cmd/x", true},
		{"cmd/*/main.go", "cmd/x/y", false},
		{"cmd/*/main.go", "pkg/x", false},
		{"{src/net,test}/**/*.go", "src", true},
		{"{src/net,test}/**/*.go", "src/net/http", true},
		{"{src/net,test}/**/*.go", "src/os", false},
		{"{src/net,test}/**/*.go", "test/fixedbugs", true},
		{"{src/net,test}/**/*.go", "misc", false},
		{"{src/*.go,*.md}", "anything/below", true}, // *.md: any depth
		{"a/[bc]/*.go", "a/c", true},
		{"a/[bc]/*.go", "a/d", false},
		{"a/[!/]x/*.go", "a/bx", true},   // a class with a slash: no pruning
		{`a\/b/*.go`, "zzz", true},       // a quoted slash: no pruning
		{"a/x**y/*.go", "a/q/r/s", true}, // ** inside a component: any depth
		{"a/**/b/*.go", "a/q/r/s", true},
		{"a/**/b/*.go", "c", false},
		{"src/", "src/a", true}, // directories only: no pruning
	}
	for _, c := range cases {
		g, err := CompileGlob(c.glob)
		require.NoError(t, err, c.glob)
		assert.Equal(t, c.want, g.CouldMatchUnder(c.dir), "%s under %s", c.glob, c.dir)
	}
	for glob, want := range map[string]bool{"**/*.go": false, "*.go": false, "src/**/*.go": true, "{src,lib}/*.go": true, "{src/*.go,*.md}": false, "**/x/*.go": false} {
		g, err := CompileGlob(glob)
		require.NoError(t, err)
		assert.Equal(t, want, g.Prunes(), glob)
	}
}

// FuzzGlobCouldMatchUnder checks that pruning never leaves out a directory
// holding a file the glob matches.
func FuzzGlobCouldMatchUnder(f *testing.F) {
	for _, s := range [][2]string{
		{"src/**/*.go", "src/a/b.go"}, {"cmd/*/main.go", "cmd/x/main.go"}, {"{a,b/c}/*.go", "b/c/d.go"},
		{"a/[bc]/*", "a/b/x"}, {`a\/b/c`, "a/b/c"}, {"a/x**y/z", "a/xy/z"}, {"a/**/b/**", "a/b/c/d"},
		{"[!a]/*", "b/c"}, {"?/?", "é/x"}, {"a/{b,**}/c", "a/x/y/c"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, glob, file string) {
		if file == "" || strings.HasPrefix(file, "/") || strings.HasSuffix(file, "/") || strings.Contains(file, "//") {
			return
		}
		g, err := CompileGlob(glob)
		if err != nil || !g.Match(file, false) {
			return
		}
		for i := range len(file) {
			if file[i] == '/' && !g.CouldMatchUnder(file[:i]) {
				t.Fatalf("%q matches %q but CouldMatchUnder(%q) is false", glob, file, file[:i])
			}
		}
	})
}
