package walk

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// pattern is one compiled glob in gitignore syntax: "*" and "?" never match
// "/", "[...]" is a character class, "**" as a whole path component matches
// any number of directories, and a backslash quotes the next character.
// Matching follows git's wildmatch with WM_PATHNAME. In ignore files, as in
// git, "?" and classes match one byte; in globs a client writes they match
// one UTF-8 character, as in ripgrep.
type pattern struct {
	src   string // the pattern as written
	kind  patternKind
	lit   string // the literal for the fast kinds
	bytes bool   // "?" and classes match a byte, not a character
}

type patternKind uint8

const (
	patGeneric patternKind = iota // full wildmatch
	patLiteral                    // exact text
	patSuffix                     // "*" + lit, lit without "/"
	patPrefix                     // lit + "*", lit without "/"
	patAny                        // "*": any text without "/"
	patAll                        // "**": any text at all
)

// compilePattern checks p and picks the fastest way to match it. A pattern
// that is not well formed (an unclosed "[" or a trailing backslash) is an
// error; callers that must follow git, which silently never matches such a
// pattern, use it anyway.
func compilePattern(p string) (pattern, error) {
	pat := pattern{src: p, kind: patGeneric}
	err := checkPattern(p)
	if err != nil {
		return pat, err
	}
	switch {
	case p == "**":
		pat.kind = patAll
	case p == "*":
		pat.kind = patAny
	case !hasMeta(p):
		pat.kind, pat.lit = patLiteral, unescape(p)
	case p[0] == '*' && len(p) > 1 && p[1] != '*' && !hasMeta(p[1:]) && !strings.Contains(p, "/"):
		pat.kind, pat.lit = patSuffix, unescape(p[1:])
	case p[len(p)-1] == '*' && !hasMeta(p[:len(p)-1]) && !strings.Contains(p, "/") && !strings.HasSuffix(p, `\*`):
		pat.kind, pat.lit = patPrefix, unescape(p[:len(p)-1])
	}
	return pat, nil
}

// match reports whether text matches the pattern as a whole.
func (p *pattern) match(text string) bool {
	switch p.kind {
	case patLiteral:
		return text == p.lit
	case patSuffix:
		return strings.HasSuffix(text, p.lit) && strings.IndexByte(text[:len(text)-len(p.lit)], '/') < 0
	case patPrefix:
		return strings.HasPrefix(text, p.lit) && strings.IndexByte(text[len(p.lit):], '/') < 0
	case patAny:
		return strings.IndexByte(text, '/') < 0
	case patAll:
		return true
	}
	return wildmatch(p.src, text, p.bytes) == wmMatch
}

// hasMeta reports whether p has any character with a meaning in a glob.
func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[\`) }

// unescape removes the backslashes that quote characters.
func unescape(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// PatternError is a glob that is not well formed.
type PatternError struct {
	Pattern string
	Offset  int    // byte offset of the problem in Pattern
	Problem string // what is wrong and how to fix it
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("invalid glob %q: %s (at column %d: %s)", e.Pattern, e.Problem, e.Offset+1, pointAt(e.Pattern, e.Offset))
}

// pointAt shows the pattern from off on, so a message can say where.
func pointAt(p string, off int) string {
	if off >= len(p) {
		return "the end"
	}
	rest := p[off:]
	if len(rest) > 20 {
		rest = rest[:20] + "…"
	}
	return fmt.Sprintf("%q", rest)
}

// checkPattern finds the first syntax error in p.
func checkPattern(p string) error {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 == len(p) {
				return &PatternError{p, i, `a trailing backslash quotes nothing; remove it, or write \\ for a backslash`}
			}
			i++
		case '[':
			end := classEnd(p, i)
			if end < 0 {
				return &PatternError{p, i, `unclosed character class; close it with ], or write \[ for a literal [`}
			}
			i = end
		}
	}
	return nil
}

// classEnd returns the index of the "]" closing the class that starts at
// p[start] == '[', or -1.
func classEnd(p string, start int) int {
	i := start + 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		i++
	}
	if i < len(p) && p[i] == ']' { // a leading ] is literal
		i++
	}
	for ; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			if i+1 < len(p) && p[i+1] == ':' {
				if end := strings.Index(p[i+2:], ":]"); end >= 0 {
					i += 2 + end + 1
				}
			}
		case ']':
			return i
		}
	}
	return -1
}

type wmResult uint8

const (
	wmMatch wmResult = iota
	wmNoMatch
	wmAbortAll       // no later start position can match either
	wmAbortToDouble  // only an enclosing "**" may still match
	wmInvalidPattern // treated as no match
)

// wildmatch matches text against the glob p in git's WM_PATHNAME mode. The
// abort results prune the search so that stars cost at most a scan each
// rather than exponential backtracking.
func wildmatch(p, text string, bytewise bool) wmResult {
	pi, ti := 0, 0
	for pi < len(p) {
		pc := p[pi]
		if ti == len(text) && pc != '*' {
			return wmAbortAll
		}
		switch pc {
		case '\\':
			pi++
			if pi == len(p) {
				return wmInvalidPattern
			}
			if text[ti] != p[pi] {
				return wmNoMatch
			}
			pi++
			ti++
		case '?':
			if text[ti] == '/' {
				return wmNoMatch
			}
			ti += charLen(text[ti:], bytewise)
			pi++
		case '[':
			r, n := utf8.DecodeRuneInString(text[ti:])
			if bytewise {
				r, n = rune(text[ti]), 1
			}
			if r == '/' {
				return wmNoMatch
			}
			end := classEnd(p, pi)
			if end < 0 {
				return wmInvalidPattern
			}
			if !classMatch(p[pi+1:end], r) {
				return wmNoMatch
			}
			ti += n
			pi = end + 1
		case '*':
			return starMatch(p, pi, text, ti, bytewise)
		default:
			if text[ti] != pc {
				return wmNoMatch
			}
			pi++
			ti++
		}
	}
	if ti < len(text) {
		return wmNoMatch
	}
	return wmMatch
}

// starMatch matches the rest of text against p[pi:], which starts with "*".
func starMatch(p string, pi int, text string, ti int, bytewise bool) wmResult {
	start := pi
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	double := false
	if pi-start >= 2 {
		// "**" is special only as a whole path component.
		before := start == 0 || p[start-1] == '/'
		after := pi == len(p) || p[pi] == '/'
		if before && after {
			double = true
			if pi < len(p) {
				// "**/" also matches no directory at all.
				if r := wildmatch(p[pi+1:], text[ti:], bytewise); r == wmMatch {
					return wmMatch
				}
			}
		}
	}
	if pi == len(p) {
		if !double && strings.IndexByte(text[ti:], '/') >= 0 {
			return wmAbortToDouble
		}
		return wmMatch
	}
	if !double && p[pi] == '/' {
		// "*/": the star takes the rest of this component.
		slash := strings.IndexByte(text[ti:], '/')
		if slash < 0 {
			return wmAbortAll
		}
		return wildmatch(p[pi:], text[ti+slash:], bytewise)
	}
	next := p[pi]
	for ; ti <= len(text); ti++ {
		if ti == len(text) {
			break
		}
		// Skip ahead to where a literal next character could match.
		if next != '*' && next != '?' && next != '[' && next != '\\' && text[ti] != next {
			if !double && text[ti] == '/' {
				return wmAbortToDouble
			}
			continue
		}
		r := wildmatch(p[pi:], text[ti:], bytewise)
		if r != wmNoMatch {
			if !double || r != wmAbortToDouble {
				return r
			}
		}
		if !double && text[ti] == '/' {
			return wmAbortToDouble
		}
	}
	return wmAbortAll
}

// charLen is the length of the character text starts with.
func charLen(text string, bytewise bool) int {
	if bytewise {
		return 1
	}
	_, n := utf8.DecodeRuneInString(text)
	return n
}

// classMatch reports whether r is in the class body (between the brackets).
func classMatch(body string, r rune) bool {
	negate := false
	if body != "" && (body[0] == '!' || body[0] == '^') {
		negate = true
		body = body[1:]
	}
	matched := false
	for i := 0; i < len(body); {
		if body[i] == '[' && i+1 < len(body) && body[i+1] == ':' {
			if end := strings.Index(body[i+2:], ":]"); end >= 0 {
				if posixClass(body[i+2:i+2+end], r) {
					matched = true
				}
				i += 2 + end + 2
				continue
			}
		}
		lo, n := classChar(body, i)
		i += n
		hi := lo
		if i+1 < len(body) && body[i] == '-' {
			hi, n = classChar(body, i+1)
			i += 1 + n
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return matched != negate
}

// classChar decodes one possibly escaped character of a class body.
func classChar(body string, i int) (rune, int) {
	if body[i] == '\\' && i+1 < len(body) {
		r, n := utf8.DecodeRuneInString(body[i+1:])
		return r, n + 1
	}
	return utf8.DecodeRuneInString(body[i:])
}

func posixClass(name string, r rune) bool {
	switch name {
	case "alnum":
		return isAlpha(r) || isDigit(r)
	case "alpha":
		return isAlpha(r)
	case "blank":
		return r == ' ' || r == '\t'
	case "cntrl":
		return r < 32 || r == 127
	case "digit":
		return isDigit(r)
	case "graph":
		return r > 32 && r < 127
	case "lower":
		return r >= 'a' && r <= 'z'
	case "print":
		return r >= 32 && r < 127
	case "punct":
		return r > 32 && r < 127 && !isAlpha(r) && !isDigit(r)
	case "space":
		return r == ' ' || (r >= '\t' && r <= '\r')
	case "upper":
		return r >= 'A' && r <= 'Z'
	case "xdigit":
		return isDigit(r) || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')
	}
	return false
}

func isAlpha(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }
func isDigit(r rune) bool { return r >= '0' && r <= '9' }
