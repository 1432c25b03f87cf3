package textedit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lineDiff is one difference, at a line of the file (or of old_string, for
// its lines missing from the file).
type lineDiff struct {
	line      int
	file, old string
}

// diffs are the differences between old_string and the closest region, by
// kind.
type diffs struct {
	indent, trailing, spacing, quotes, text, oldOnly, fileOnly []lineDiff
}

func (d *diffs) empty() bool {
	return len(d.indent)+len(d.trailing)+len(d.spacing)+len(d.quotes)+len(d.text)+len(d.oldOnly)+len(d.fileOnly) == 0
}

// compare records how line o of old_string differs from line f of the file
// (number n), trying ever looser readings: as is, with inner whitespace
// collapsed, and with quotes read alike.
func (d *diffs) compare(o, f string, mode, n int) {
	if fits(o, f, mode) {
		return
	}
	oL, oC, oT := splitSpace(o)
	if oC == "" { // a blank line with other whitespace
		if fL, fC, fT := splitSpace(f); fC == "" {
			d.trailing = append(d.trailing, lineDiff{n, fL + fT, oL + oT})
			return
		}
	}
	for level, conv := range []func(string) string{
		func(s string) string { return s },
		collapseInner,
		func(s string) string { return collapseInner(foldAllQuotes(s)) },
	} {
		cf := conv(f)
		at, fLead, fTrail := place(conv(oC), cf, mode)
		if at < 0 {
			continue
		}
		before := len(d.indent) + len(d.trailing)
		exact := level == 0 || mode != inside
		if exact && oL != fLead && (mode == whole || mode == head || oL != "") {
			d.indent = append(d.indent, lineDiff{n, fLead, oL})
		}
		if exact && oT != fTrail && (mode == whole || mode == tail || oT != "") {
			d.trailing = append(d.trailing, lineDiff{n, fTrail, oT})
		}
		_, fC, _ := splitSpace(f)
		switch {
		case level == 1:
			d.spacing = append(d.spacing, lineDiff{n, fC, oC})
		case level == 2:
			// Folding quotes keeps each character, so the match starts at
			// the same character of f with only its spacing collapsed.
			from := utf8.RuneCountInString(cf[:at])
			fq, oq := firstDifference(string([]rune(collapseInner(f))[from:]), collapseInner(oC))
			d.quotes = append(d.quotes, lineDiff{n, fq, oq})
		case len(d.indent)+len(d.trailing) == before:
			d.text = append(d.text, lineDiff{n, f, o})
		}
		return
	}
	d.text = append(d.text, lineDiff{n, f, o})
}

// fits reports whether o covers f as mode asks.
func fits(o, f string, mode int) bool {
	switch mode {
	case tail:
		return strings.HasSuffix(f, o)
	case head:
		return strings.HasPrefix(f, o)
	case inside:
		return strings.Contains(f, o)
	}
	return o == f
}

// place finds core in f as mode asks and returns where it starts, -1 if
// it is not there, and the whitespace around it.
func place(core, f string, mode int) (at int, lead, trail string) {
	at = -1
	switch mode {
	case whole:
		if _, fC, _ := splitSpace(f); fC == core {
			at = len(f) - len(strings.TrimLeftFunc(f, unicode.IsSpace))
		}
	case tail:
		if r := strings.TrimRightFunc(f, unicode.IsSpace); strings.HasSuffix(r, core) {
			at = len(r) - len(core)
		}
	case head:
		if l := strings.TrimLeftFunc(f, unicode.IsSpace); strings.HasPrefix(l, core) {
			at = len(f) - len(l)
		}
	case inside:
		at = strings.Index(f, core)
	}
	if at < 0 {
		return -1, "", ""
	}
	before, after := f[:at], f[at+len(core):]
	lead = before[len(strings.TrimRightFunc(before, unicode.IsSpace)):]
	trail = after[:len(after)-len(strings.TrimLeftFunc(after, unicode.IsSpace))]
	return at, lead, trail
}

// splitSpace splits s into its leading whitespace, the rest, and its
// trailing whitespace.
func splitSpace(s string) (lead, core, trail string) {
	l := strings.TrimLeftFunc(s, unicode.IsSpace)
	core = strings.TrimRightFunc(l, unicode.IsSpace)
	return s[:len(s)-len(l)], core, l[len(core):]
}

// collapseInner turns each run of whitespace inside s into one space and
// keeps the whitespace at its ends.
func collapseInner(s string) string {
	lead, core, trail := splitSpace(s)
	return lead + strings.Join(strings.Fields(core), " ") + trail
}

// firstDifference returns the first characters where a and b differ.
func firstDifference(a, b string) (string, string) {
	ra, rb := []rune(a), []rune(b)
	for i := range min(len(ra), len(rb)) {
		if ra[i] != rb[i] {
			return string(ra[i]), string(rb[i])
		}
	}
	return "", ""
}

// summary names what kinds of difference there are, when they are few.
func (d *diffs) summary() string {
	ws := len(d.indent)+len(d.trailing)+len(d.spacing) > 0
	q := len(d.quotes) > 0
	switch {
	case len(d.text)+len(d.oldOnly)+len(d.fileOnly) > 0:
		return "in these ways"
	case q && ws:
		return "only in whitespace and quotes"
	case q:
		return "only in quotes"
	case len(d.trailing)+len(d.spacing) == 0:
		return "only in indentation"
	case len(d.indent)+len(d.spacing) == 0:
		return "only in trailing whitespace"
	}
	return "only in whitespace"
}

// notes describes each kind of difference with an example or two.
func (d *diffs) notes() []string {
	var notes []string
	if len(d.indent) > 0 {
		notes = append(notes, indentNote(d.indent))
	}
	if len(d.trailing) > 0 {
		e := d.trailing[0]
		notes = append(notes, fmt.Sprintf("Trailing whitespace: line %d of the file ends with %s, old_string's line with %s%s",
			e.line, wsDesc(e.file), wsDesc(e.old), more(len(d.trailing), "differ in trailing whitespace")))
	}
	for _, e := range d.spacing[:min(len(d.spacing), diagExamples)] {
		notes = append(notes, fmt.Sprintf("Spacing inside the line: line %d of the file is %s, old_string's line is %s", e.line, quoteLine(e.file), quoteLine(e.old)))
	}
	if n := len(d.spacing); n > diagExamples {
		notes = append(notes, fmt.Sprintf("(%d more lines differ in spacing)", n-diagExamples))
	}
	if len(d.quotes) > 0 {
		e := d.quotes[0]
		notes = append(notes, fmt.Sprintf("Quotes: line %d of the file has %s where old_string has %s%s", e.line, e.file, e.old, more(len(d.quotes), "differ in quotes")))
	}
	for _, e := range d.text[:min(len(d.text), diagExamples)] {
		notes = append(notes, fmt.Sprintf("Text: line %d of the file is %s, old_string's line is %s", e.line, quoteLine(e.file), quoteLine(e.old)))
	}
	if n := len(d.text); n > diagExamples {
		notes = append(notes, fmt.Sprintf("(%d more lines differ in their text)", n-diagExamples))
	}
	for _, e := range d.oldOnly[:min(len(d.oldOnly), diagExamples)] {
		notes = append(notes, fmt.Sprintf("old_string's line %d, %s, is not in the file here", e.line, quoteLine(e.old)))
	}
	if n := len(d.oldOnly); n > diagExamples {
		notes = append(notes, fmt.Sprintf("(%d more lines of old_string are not in the file here)", n-diagExamples))
	}
	for _, e := range d.fileOnly[:min(len(d.fileOnly), diagExamples)] {
		notes = append(notes, fmt.Sprintf("The file has line %d, %s, here, which old_string lacks", e.line, quoteLine(e.file)))
	}
	if n := len(d.fileOnly); n > diagExamples {
		notes = append(notes, fmt.Sprintf("(%d more lines of the file here are missing from old_string)", n-diagExamples))
	}
	return notes
}

// indentNote describes indentation differences, naming the tabs-for-spaces
// mix-up plainly when every line shows it.
func indentNote(all []lineDiff) string {
	e := all[0]
	example := fmt.Sprintf("line %d of the file starts with %s, old_string's line with %s", e.line, wsDesc(e.file), wsDesc(e.old))
	tabsForSpaces, spacesForTabs, ratio := true, true, -1
	for _, e := range all {
		ft, os := runOf(e.file, '\t'), runOf(e.old, ' ')
		tabsForSpaces = tabsForSpaces && ft > 0 && os > 0
		spacesForTabs = spacesForTabs && runOf(e.file, ' ') > 0 && runOf(e.old, '\t') > 0
		switch {
		case ft == 0 || os%ft != 0:
			ratio = 0
		case ratio == -1:
			ratio = os / ft
		case ratio != os/ft:
			ratio = 0
		}
	}
	rest := more(len(all), "differ in indentation")
	switch {
	case tabsForSpaces && ratio > 0:
		return fmt.Sprintf("Indentation: the file indents with tabs, old_string with %d spaces (%s)%s", ratio, example, rest)
	case tabsForSpaces:
		return fmt.Sprintf("Indentation: the file indents with tabs, old_string with spaces (%s)%s", example, rest)
	case spacesForTabs:
		return fmt.Sprintf("Indentation: the file indents with spaces, old_string with tabs (%s)%s", example, rest)
	}
	return "Indentation: " + example + rest
}

// runOf returns the length of s when s is c repeated, else 0.
func runOf(s string, c byte) int {
	if s == "" || strings.Trim(s, string(c)) != "" {
		return 0
	}
	return len(s)
}

func more(n int, what string) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("; %d lines %s", n, what)
}

// wsDesc says what whitespace s is: "4 spaces", "1 tab and 2 spaces".
func wsDesc(s string) string {
	if s == "" {
		return "no whitespace"
	}
	var counts [5]int // spaces, tabs, carriage returns, no-break spaces, others
	for _, r := range s {
		switch r {
		case ' ':
			counts[0]++
		case '\t':
			counts[1]++
		case '\r':
			counts[2]++
		case '\u00a0':
			counts[3]++
		default:
			counts[4]++
		}
	}
	var parts []string
	for k, word := range [][2]string{
		{"space", "spaces"},
		{"tab", "tabs"},
		{"carriage return (\\r)", "carriage returns (\\r)"},
		{"no-break space (U+00A0)", "no-break spaces (U+00A0)"},
		{"other whitespace character", "other whitespace characters"},
	} {
		switch n := counts[k]; {
		case n == 1:
			parts = append(parts, "1 "+word[0])
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, word[1]))
		}
	}
	return strings.Join(parts, " and ")
}

// quoteLine shows a line with its tabs and odd characters visible, cut to
// a readable length.
func quoteLine(s string) string {
	const most = 120
	if utf8.RuneCountInString(s) > most {
		s = CutRunes(s, most) + "…"
	}
	return strconv.Quote(s)
}
