package textedit

import (
	"strings"
	"unicode"
)

// Span is an edited region of a file, in bytes.
type Span struct{ Start, End int }

// Edited is a file after an edit, and what the edit did.
type Edited struct {
	Data  []byte // the new content
	Spans []Span // where the new text went, in order
	CRLF  bool   // a multi-line new_string was written with CRLF endings
	Curly bool   // new_string's quotes were written in the file's curly style
}

// Replace replaces the first MaxMatches matches with repl (LF-normalized),
// each written in the line endings and quote style of the text it
// replaces, and leaves every other byte of the file as it was.
func (m *Matches) Replace(repl string) Edited {
	var r Edited
	content := m.content
	out := make([]byte, 0, len(content)+len(m.pos)*(len(repl)+8))
	last := 0
	for _, p := range m.pos {
		s, e := m.view.orig(p), m.view.orig(p+m.size)
		text := repl
		if m.Folded {
			if c := curlyLike(text, string(content[s:e])); c != text {
				text, r.Curly = c, true
			}
		}
		if strings.Contains(text, "\n") && endsCRLF(content, s, e) {
			text, r.CRLF = strings.ReplaceAll(text, "\n", "\r\n"), true
		}
		out = append(out, content[last:s]...)
		r.Spans = append(r.Spans, Span{len(out), len(out) + len(text)})
		out = append(out, text...)
		last = e
	}
	r.Data = append(out, content[last:]...)
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
