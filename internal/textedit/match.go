// Package textedit is Edit's text engine, pure string code: it finds
// old_string in a file (exactly, or with curly and straight quotes read
// alike, CRLF read as LF), replaces it keeping the file's line endings and
// quote style and every other byte as it was, explains why old_string is
// not there (line-number prefixes, an edit already made, the nearest region
// and how it differs), and shows the edited regions in Read's format.
//
// Its messages are written for the model and name Edit's arguments,
// old_string and new_string; the caller puts the path in front.
package textedit

import (
	"fmt"
	"strings"
)

// Limits of Find and Show, which Edit's description states.
const (
	MaxMatches   = 10_000 // matches Find locates; beyond it, it only counts them
	ContextLines = 3      // lines Show shows around an edited region
	showLines    = 24     // lines one region of Show's output shows at most
	ShowRegions  = 3      // edited regions Show shows; the rest it lists by line
	ListLines    = 20     // line numbers listed for an ambiguous old_string
)

// Matches is where old_string occurs in a file.
type Matches struct {
	Count  int  // all non-overlapping matches
	Folded bool // found only with curly and straight quotes read alike

	content []byte    // the file
	old     string    // old_string, LF-normalized
	view    *textView // the file as the matches were found in it
	pos     []int     // view offsets of the first MaxMatches matches
	size    int       // bytes of one match in the view
}

// Find finds old (LF-normalized, not empty) in content: exactly first,
// then, when old has quotes, with curly and straight quotes read alike, as
// Claude Code does. A model types straight quotes; the file may hold curly
// ones. It reads CRLF as LF and skips a byte-order mark.
func Find(content []byte, old string) *Matches {
	v := newView(content, false)
	m := &Matches{content: content, old: old, view: v, size: len(old)}
	m.pos, m.Count = indexAll(v.text, old, MaxMatches)
	if m.Count > 0 || !strings.ContainsAny(old, "'\"‘’“”") {
		return m
	}
	fv := newView(content, true)
	fold := foldQuotes(old)
	if pos, count := indexAll(fv.text, fold, MaxMatches); count > 0 {
		m.view, m.pos, m.Count, m.size, m.Folded = fv, pos, count, len(fold), true
	}
	return m
}

// NotFound explains, when Count is 0, why old_string is not in the file,
// so the model can retry at once: see diagnose. repl is new_string,
// LF-normalized.
func (m *Matches) NotFound(repl string) string { return diagnose(m.view.text, m.old, repl) }

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

// Ambiguous refuses, when Count is over 1 and replace_all is not set, an
// old_string that matches several places, naming each one's line so the
// model can pick one by adding context.
func (m *Matches) Ambiguous() string {
	lines := lineNumbers(m.view.text, m.pos)
	how := ""
	if m.Folded {
		how = ", reading curly and straight quotes alike"
	}
	return fmt.Sprintf("old_string matches %d places%s, at %s; replace_all is not set, so nothing was changed. Include more of the surrounding lines in old_string so that it matches one place only, or set replace_all to change every one",
		m.Count, how, linesWord(lines, ListLines, m.Count))
}
