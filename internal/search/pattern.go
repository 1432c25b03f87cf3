// Package search is Grep's engine: a regex compiled for line-by-line
// search with literal fast paths, and a Searcher that streams a file
// through a bounded buffer and reports matching lines with their context.
//
// The regex syntax is Go's RE2. Matching is line by line unless multiline
// is set: a line is searched without its terminator ("\n" or "\r\n"), so "$"
// matches before a CRLF too. Before the regex runs, literals that every
// match must contain are looked for with vectorised byte searches; input
// without them is skipped at memory speed.
package search

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Options change how a pattern matches.
type Options struct {
	IgnoreCase bool // case-insensitive (Unicode simple folding)
	Multiline  bool // matches may span lines, and "." matches "\n"
}

// Pattern is a compiled search pattern. It is safe for concurrent use.
type Pattern struct {
	src       string
	re        *regexp.Regexp
	find      *finder  // nil: every line is a candidate
	exact     bool     // a finder candidate is a match: the regex need not confirm it
	also      [][]byte // a candidate line must contain all of these too
	multiline bool
}

// Compile compiles a pattern; a bad one gets a *SyntaxError that points at
// the problem.
func Compile(src string, opts Options) (*Pattern, error) {
	flags := syntax.Perl
	prefix := ""
	if opts.IgnoreCase {
		flags |= syntax.FoldCase
		prefix += "i"
	}
	if opts.Multiline {
		// As ripgrep -U --multiline-dotall: "." crosses lines, "^" and "$"
		// match at every line.
		flags = flags&^syntax.OneLine | syntax.DotNL
		prefix += "sm"
	}
	tree, err := syntax.Parse(src, flags)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	if !opts.Multiline {
		if at := newlineAt(tree); at != "" {
			return nil, &SyntaxError{Pattern: src, Offset: -1,
				Problem: "the pattern matches a line break (" + at + "), which a line-by-line search never sees",
				Hint:    "set multiline to true to match across lines"}
		}
	}
	full := src
	if prefix != "" {
		full = "(?" + prefix + ")" + src
	}
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	p := &Pattern{src: src, re: re, multiline: opts.Multiline}
	if req := analyze(tree.Simplify()); req.lits != nil {
		p.find = newFinder(req.lits, req.fold)
		p.exact = req.exact && !req.fold
		for _, lit := range req.also {
			p.also = append(p.also, []byte(lit))
		}
	}
	return p, nil
}

// String returns the pattern as written.
func (p *Pattern) String() string { return p.src }

// Match reports whether a line matches.
func (p *Pattern) Match(line []byte) bool { return p.lineMatch(line) }

// lineMatch runs the regex on a candidate line, unless a literal every
// match needs is missing from it.
func (p *Pattern) lineMatch(line []byte) bool {
	for _, lit := range p.also {
		if !bytes.Contains(line, lit) {
			return false
		}
	}
	return p.re.Match(line)
}

// Spans returns the non-empty matches in a line, as [start, end) offsets.
func (p *Pattern) Spans(line []byte, dst [][2]int) [][2]int {
	for _, m := range p.re.FindAllIndex(line, -1) {
		if m[1] > m[0] {
			dst = append(dst, [2]int{m[0], m[1]})
		}
	}
	return dst
}

// First returns the first match in a line as [start, end), or false.
func (p *Pattern) First(line []byte) ([2]int, bool) {
	m := p.re.FindIndex(line)
	if m == nil {
		return [2]int{}, false
	}
	return [2]int{m[0], m[1]}, true
}

// newlineAt returns how the tree matches a literal "\n", or "".
func newlineAt(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == '\n' {
				return `\n`
			}
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 2 && re.Rune[0] == '\n' && re.Rune[1] == '\n' {
			return `\n`
		}
	}
	for _, sub := range re.Sub {
		if at := newlineAt(sub); at != "" {
			return at
		}
	}
	return ""
}

// SyntaxError is a pattern Go's regexp package rejects, explained.
type SyntaxError struct {
	Pattern string
	Offset  int    // byte offset of the problem, -1 if unknown
	Problem string // what is wrong
	Hint    string // what to do instead
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid regex: %s", e.Problem)
	if e.Offset >= 0 && !strings.ContainsAny(e.Pattern, "\n\r") {
		fmt.Fprintf(&b, "\n    %s\n    %s^", e.Pattern, strings.Repeat(" ", len([]rune(e.Pattern[:e.Offset]))))
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n%s", e.Hint)
	}
	return b.String()
}

// syntaxError explains a regexp/syntax error, with hints for the Perl and
// PCRE features RE2 leaves out.
func syntaxError(src string, err error) error {
	se, ok := err.(*syntax.Error)
	if !ok {
		return &SyntaxError{Pattern: src, Offset: -1, Problem: err.Error()}
	}
	e := &SyntaxError{Pattern: src, Offset: strings.Index(src, se.Expr), Problem: fmt.Sprintf("%s: `%s`", se.Code, se.Expr)}
	switch expr := se.Expr; {
	case strings.HasPrefix(expr, "(?=") || strings.HasPrefix(expr, "(?!") ||
		strings.HasPrefix(expr, "(?<=") || strings.HasPrefix(expr, "(?<!"):
		kind, group := "lookahead", expr[:3]
		if expr[2] == '<' {
			kind, group = "lookbehind", expr[:4]
		}
		e.Problem = fmt.Sprintf("%s is not supported: `%s`", kind, group)
		e.Offset = strings.Index(src, group)
		e.Hint = "RE2 has no lookahead or lookbehind. Match the surrounding text instead (for example foo\\(bar rather than foo(?=\\(bar)), or search for the part you need and filter with context lines."
	case strings.HasPrefix(expr, "(?>"):
		e.Hint = "RE2 has no atomic groups; use a plain group (?:...), which never backtracks catastrophically in RE2 anyway."
	case len(expr) == 2 && expr[0] == '\\' && expr[1] >= '1' && expr[1] <= '9':
		e.Hint = "RE2 has no backreferences. Search for one occurrence and read the lines around it, or spell out the repeated text."
	case expr == `\Z`:
		e.Hint = `Use \z for the end of the text, or $ for the end of the line.`
	case expr == `\h`:
		e.Hint = `Use [ \t] for horizontal space.`
	case expr == `\R`:
		e.Hint = `Use \r?\n with multiline set.`
	case expr == `\K` || expr == `\G`:
		e.Hint = "RE2 has no " + expr + "; match the whole text and use -o, or context lines."
	case strings.HasPrefix(expr, `\p`) || strings.HasPrefix(expr, `\P`):
		e.Hint = `Unicode classes take the names Go knows, such as \p{L}, \p{Greek} or \p{Lu}.`
	}
	if e.Hint == "" {
		switch se.Code {
		case syntax.ErrMissingParen, syntax.ErrUnexpectedParen:
			e.Hint = `To match a parenthesis itself, escape it: \( or \).`
		case syntax.ErrMissingBracket:
			e.Hint = `To match a bracket itself, escape it: \[.`
		case syntax.ErrMissingRepeatArgument:
			e.Hint = `Nothing precedes the repetition; to match *, + or ? itself, escape it: \*.`
		case syntax.ErrInvalidRepeatOp:
			e.Hint = `Two repetitions in a row; to match the character itself, escape it.`
		case syntax.ErrInvalidEscape:
			e.Hint = `To match a backslash itself, write \\.`
		case syntax.ErrInvalidRepeatSize:
			e.Hint = `Repetition counts go up to 1000.`
		}
	}
	if e.Hint == "" {
		e.Hint = "The syntax is Go's RE2 (like PCRE without lookaround, backreferences or possessive repeats)."
	} else if !strings.Contains(e.Hint, "RE2") {
		e.Hint += " The syntax is Go's RE2."
	}
	return e
}
