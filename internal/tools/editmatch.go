package tools

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textView is a file's text as Edit matches against it: without a UTF-8
// byte-order mark, with each CRLF read as LF and, when quotes are folded,
// curly quotes read as straight ones. The view is shorter than the file
// wherever it read several bytes as one; at and extra record where, so a
// match in the view maps back to the file's own bytes and the rest of the
// file is never rewritten.
type textView struct {
	text  string
	base  int   // bytes of the file before the view starts (its BOM)
	at    []int // view offsets of characters the file spells with more bytes
	extra []int // extra[k]: file bytes beyond the view up to and including at[k]
}

const utf8BOM = "\xef\xbb\xbf"

// newView reads content as Edit sees it; fold also reads ‘ ’ as ' and
// “ ” as ".
func newView(content []byte, fold bool) *textView {
	v := &textView{}
	if strings.HasPrefix(string(content), utf8BOM) {
		v.base = len(utf8BOM)
	}
	body := content[v.base:]
	if bytes.IndexByte(body, '\r') < 0 && (!fold || !bytes.ContainsAny(body, "‘’“”")) {
		v.text = string(body)
		return v
	}
	var b strings.Builder
	b.Grow(len(body))
	total := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\r' && i+1 < len(body) && body[i+1] == '\n':
			total++
			v.at, v.extra = append(v.at, b.Len()), append(v.extra, total)
		case fold && c == 0xe2 && i+2 < len(body) && body[i+1] == 0x80 && body[i+2] >= 0x98 && body[i+2] <= 0x9d:
			r := straightQuote(rune(0x2000 | rune(body[i+2]-0x80)))
			if r == 0 {
				b.WriteByte(c)
				continue
			}
			total += 2
			v.at, v.extra = append(v.at, b.Len()), append(v.extra, total)
			b.WriteByte(byte(r))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	v.text = b.String()
	return v
}

// orig returns the file offset of view offset i. A match that starts on a
// character the file spells longer (the LF of a CRLF) starts at its first
// byte; one that ends just before it leaves it whole.
func (v *textView) orig(i int) int {
	k, _ := slices.BinarySearch(v.at, i) // at[:k] < i
	if k == 0 {
		return v.base + i
	}
	return v.base + i + v.extra[k-1]
}

// straightQuote returns the straight quote a curly one reads as, or 0.
func straightQuote(r rune) rune {
	switch r {
	case '‘', '’':
		return '\''
	case '“', '”':
		return '"'
	}
	return 0
}

// foldQuotes reads curly quotes in s as straight ones.
func foldQuotes(s string) string {
	return strings.Map(func(r rune) rune {
		if q := straightQuote(r); q != 0 {
			return q
		}
		return r
	}, s)
}

// normalizeEOL reads CRLF as LF, as the view does.
func normalizeEOL(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// located is where old_string occurs in a file.
type located struct {
	view   *textView
	pos    []int // view offsets of the first editMaxReplace non-overlapping matches
	count  int   // all non-overlapping matches
	size   int   // bytes of one match in the view
	folded bool  // matched only with quotes folded
}

// locate finds old (already LF-normalized) in content: exactly first, then,
// when old has quotes, with curly and straight quotes read alike, as Claude
// Code does. A model types straight quotes; the file may hold curly ones.
func locate(content []byte, old string) located {
	v := newView(content, false)
	l := located{view: v, size: len(old)}
	l.pos, l.count = indexAll(v.text, old, editMaxReplace)
	if l.count > 0 || !strings.ContainsAny(old, "'\"‘’“”") {
		return l
	}
	fv := newView(content, true)
	fold := foldQuotes(old)
	if pos, count := indexAll(fv.text, fold, editMaxReplace); count > 0 {
		return located{view: fv, pos: pos, count: count, size: len(fold), folded: true}
	}
	return l
}

// indexAll counts the non-overlapping occurrences of sub in s, left to
// right, and returns the offsets of the first most.
func indexAll(s, sub string, most int) (pos []int, count int) {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return pos, count
		}
		if count < most {
			pos = append(pos, i+j)
		}
		count++
		i += j + len(sub)
	}
}

// span is a replaced region of the new content, in bytes.
type span struct{ start, end int }

// replacement is the file after an edit and what it did.
type replacement struct {
	data  []byte
	spans []span
	crlf  bool // a multi-line new_string was written with CRLF endings
	curly bool // new_string's quotes were written in the file's curly style
}

// apply replaces each match with repl (LF-normalized), written in the line
// endings and quote style of the text it replaces, and leaves every other
// byte of content as it was.
func apply(content []byte, l located, repl string) replacement {
	var r replacement
	out := make([]byte, 0, len(content)+len(l.pos)*(len(repl)+8))
	last := 0
	for _, p := range l.pos {
		s, e := l.view.orig(p), l.view.orig(p+l.size)
		text := repl
		if l.folded {
			if c := curlyLike(text, string(content[s:e])); c != text {
				text, r.curly = c, true
			}
		}
		if strings.Contains(text, "\n") && endsCRLF(content, s, e) {
			text, r.crlf = strings.ReplaceAll(text, "\n", "\r\n"), true
		}
		out = append(out, content[last:s]...)
		r.spans = append(r.spans, span{len(out), len(out) + len(text)})
		out = append(out, text...)
		last = e
	}
	r.data = append(out, content[last:]...)
	return r
}

// endsCRLF reports whether the lines of content[s:e] end in CRLF: by the
// majority of the line breaks inside it, or, with none, by the line it lies
// on, or the one before it when that is the last line. Other lines of a
// mixed file keep whatever they had.
func endsCRLF(content []byte, s, e int) bool {
	region := string(content[s:e])
	if lf := strings.Count(region, "\n"); lf > 0 {
		crlf := strings.Count(region, "\r\n")
		return crlf*2 >= lf
	}
	if i := strings.IndexByte(string(content[e:]), '\n'); i >= 0 {
		return e+i > 0 && content[e+i-1] == '\r'
	}
	if i := strings.LastIndexByte(string(content[:s]), '\n'); i >= 0 {
		return i > 0 && content[i-1] == '\r'
	}
	return false
}

// curlyLike writes the straight quotes of s in the curly style of region,
// the file text it replaces, following Claude Code: only the kinds of quote
// region uses curly are changed; a ' between letters is an apostrophe (’),
// and a quote after a space or an opening bracket opens.
func curlyLike(s, region string) string {
	single := strings.ContainsAny(region, "‘’")
	double := strings.ContainsAny(region, "“”")
	if !single && !double {
		return s
	}
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case r == '"' && double:
			runes[i] = '”'
			if opens(runes, i) {
				runes[i] = '“'
			}
		case r == '\'' && single:
			runes[i] = '’'
			letterBefore := i > 0 && unicode.IsLetter(runes[i-1])
			letterAfter := i+1 < len(runes) && unicode.IsLetter(runes[i+1])
			if !(letterBefore && letterAfter) && opens(runes, i) {
				runes[i] = '‘'
			}
		}
	}
	return string(runes)
}

// opens reports whether a quote at runes[i] opens a quotation.
func opens(runes []rune, i int) bool {
	if i == 0 {
		return true
	}
	p := runes[i-1]
	return unicode.IsSpace(p) || strings.ContainsRune("([{—–", p)
}

// lineNumbers returns the 1-based line of each offset in text, for sorted
// offsets, counting the line breaks once.
func lineNumbers(text string, offsets []int) []int {
	lines := make([]int, len(offsets))
	line, from := 1, 0
	for k, p := range offsets {
		line += strings.Count(text[from:p], "\n")
		from = p
		lines[k] = line
	}
	return lines
}

// firstInvalidLine returns the line of the first byte that is not UTF-8 in
// b, or 0 when b is valid.
func firstInvalidLine(b []byte) int {
	if utf8.Valid(b) {
		return 0
	}
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return line
}
