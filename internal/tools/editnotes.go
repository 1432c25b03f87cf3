package tools

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
		s = cutRunes(s, most) + "…"
	}
	return strconv.Quote(s)
}
