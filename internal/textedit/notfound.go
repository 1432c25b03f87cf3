package textedit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const (
	diagMaxOldLines = 100 // lines of old_string compared with the file
	diagShowLines   = 30  // lines of the closest region shown
	diagSlack       = 5   // lines the region may grow beyond old_string's length
	diagExamples    = 2   // examples shown of each kind of difference
	diagAlsoMax     = 5   // other similar places named
	diagDistinct    = 12  // bytes new_string needs to be worth finding
)

// diagnose explains why old (LF-normalized) is not in text, the file as
// Edit's view reads it, so the model can retry at once: it recognises
// line-number prefixes copied from Read, an edit already made and a stray
// line break at either end, and otherwise shows the closest region of the
// file with what differs. It never suggests applying a near match.
func diagnose(text, old, repl string) string {
	d := &diag{text: text}
	var b strings.Builder
	b.WriteString("old_string was not found, so nothing was changed.")

	if stripped, prefix, ok := stripLineNumbers(old); ok {
		if line, found := d.find(stripped); found {
			fmt.Fprintf(&b, " old_string starts with line-number prefixes (%s) copied from Read's output; they are not part of the file. Without them it matches at line %d: send it again without the prefixes.", prefix, line)
			return b.String()
		}
		fmt.Fprintf(&b, " old_string starts with line-number prefixes (%s) copied from Read's output; they are not part of the file, so drop them. Even without them old_string is not in the file.", prefix)
		old = stripped
	}
	if len(strings.TrimSpace(repl)) >= diagDistinct {
		if line, found := d.find(repl); found {
			fmt.Fprintf(&b, " new_string is already in the file, at line %d: this edit may have been made already.", line)
		}
	}
	if t := strings.TrimRight(old, "\n"); t != old && t != "" {
		if line, found := d.find(t); found {
			fmt.Fprintf(&b, " old_string ends with a line break, but the file has none there: without it, old_string matches at line %d, the end of the file. Drop the final line break from old_string (and from new_string).", line)
			return b.String()
		}
	}
	if t := strings.TrimLeft(old, "\n"); t != old && t != "" {
		if line, found := d.find(t); found {
			fmt.Fprintf(&b, " old_string starts with a line break, but the file has none there: without it, old_string matches at line %d, the start of the file. Drop the first line break from old_string (and from new_string).", line)
			return b.String()
		}
	}
	d.closest(&b, old)
	return b.String()
}

// diag is the file text a diagnosis searches, split once.
type diag struct {
	text   string
	lines  []string
	folded string // text with quotes folded, made on first need
}

// find returns the line where s starts in the file, reading curly and
// straight quotes alike as Edit does.
func (d *diag) find(s string) (int, bool) {
	if i := strings.Index(d.text, s); i >= 0 {
		return strings.Count(d.text[:i], "\n") + 1, true
	}
	if !strings.ContainsAny(s, "'\"‘’“”") {
		return 0, false
	}
	if d.folded == "" {
		d.folded = foldQuotes(d.text)
	}
	if i := strings.Index(d.folded, foldQuotes(s)); i >= 0 {
		return strings.Count(d.folded[:i], "\n") + 1, true
	}
	return 0, false
}

// lineNumberPrefix matches the "12\t" Read puts before each line, and the
// "    12→" other tools use.
var lineNumberPrefix = regexp.MustCompile(`^ *[0-9]+(\t|→)`)

// stripLineNumbers removes the line-number prefixes of Read's output from
// every line of s when all its non-empty lines have one, numbered in order.
// It returns the text without them and the first prefix, quoted.
func stripLineNumbers(s string) (string, string, bool) {
	lines := strings.Split(s, "\n")
	first, want, seen := "", 0, 0
	for i, line := range lines {
		m := lineNumberPrefix.FindString(line)
		if m == "" {
			if line == "" || (i == len(lines)-1 && strings.TrimSpace(line) == "") {
				continue
			}
			return "", "", false
		}
		n, _ := strconv.Atoi(strings.TrimRight(strings.TrimSpace(m), "\t→"))
		if seen > 0 && n != want {
			return "", "", false
		}
		if seen == 0 {
			first = m
		}
		want, seen = n+1, seen+1
		lines[i] = line[len(m):]
	}
	if seen == 0 {
		return "", "", false
	}
	return strings.Join(lines, "\n"), strconv.Quote(first), true
}

// closest finds the region of the file most like old and writes it, with
// what differs line by line, to b.
func (d *diag) closest(b *strings.Builder, old string) {
	d.lines = splitLines(d.text)
	if len(d.lines) == 0 {
		b.WriteString(" The file is empty; to fill it, call Edit with an empty old_string.")
		return
	}
	oldLines := splitLines(old)
	if len(oldLines) == 0 {
		oldLines = []string{""}
	}
	cut := len(oldLines) > diagMaxOldLines
	if cut {
		oldLines = oldLines[:diagMaxOldLines]
	}
	start, ok, also := vote(d.lines, oldLines)
	lo := max(0, start-diagSlack)
	hi := min(len(d.lines), max(start, 0)+len(oldLines)+diagSlack)
	var a alignment
	if ok {
		a = align(oldLines, d.lines[lo:hi], lo, start)
	}
	first, last := a.region()
	if first == 0 {
		fmt.Fprintf(b, " No part of the file resembles it (%s compared). Read the file to see its current text, or Grep for a distinctive word.", plural(len(d.lines), "line"))
		return
	}
	diffs := a.differences(oldLines, d.lines, cut)

	if diffs.empty() {
		// Every line matched on its own; what differs is the text between
		// them, which lines cannot show.
		fmt.Fprintf(b, " The closest text is at %s, but it differs from old_string in a way lines cannot show; copy it exactly from below.", linesName(first, last))
	} else {
		fmt.Fprintf(b, " The closest text is at %s; it differs from old_string %s:", linesName(first, last), diffs.summary())
		for _, note := range diffs.notes() {
			b.WriteString("\n- " + note)
		}
	}
	if cut {
		fmt.Fprintf(b, "\n(Only old_string's first %d lines were compared.)", diagMaxOldLines)
	}
	b.WriteString("\n")
	region := d.lines[first-1 : last]
	if len(region) > diagShowLines {
		b.WriteString(numbered(strings.Join(region[:diagShowLines], "\n"), first))
		fmt.Fprintf(b, "\n[… %s more of this region not shown]", plural(len(region)-diagShowLines, "line"))
	} else {
		b.WriteString(numbered(strings.Join(region, "\n"), first))
	}
	if len(also) > 0 {
		fmt.Fprintf(b, "\nSimilar text is also at %s.", linesWord(also, diagAlsoMax, len(also)))
	}
	b.WriteString("\nEdit never applies a near match. Copy the lines above exactly as they are in the file, without their \"N<TAB>\" prefixes, into old_string and call Edit again.")
}

func linesName(first, last int) string {
	if first == last {
		return fmt.Sprintf("line %d", first)
	}
	return fmt.Sprintf("lines %d-%d", first, last)
}
