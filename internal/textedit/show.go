package textedit

import (
	"bytes"
	"fmt"
	"strings"
)

// Show shows the edited regions of data in Read's format, each with
// ContextLines lines around it, so the model sees the result without
// reading the file back. Regions close together merge; at most ShowRegions
// are shown, each cut to showLines, and the rest are listed by line.
func Show(data []byte, spans []Span) string {
	text := bytes.TrimPrefix(data, []byte(UTF8BOM))
	base := len(data) - len(text)
	// The file's lines are found as the regions need them (see lines), not
	// split whole: only the shown lines are copied.
	total := bytes.Count(text, []byte("\n"))
	if len(text) > 0 && text[len(text)-1] != '\n' {
		total++
	}
	if total == 0 {
		return "The file is now empty."
	}
	offsets := make([]int, 0, 2*len(spans))
	for _, s := range spans {
		start := max(s.Start-base, 0)
		offsets = append(offsets, start, max(start, s.End-base-1))
	}
	at := make([]int, len(offsets))
	for k, line, from := 0, 1, 0; k < len(offsets); k++ {
		line += bytes.Count(text[from:offsets[k]], []byte("\n"))
		from, at[k] = offsets[k], line
	}
	lines := lineCursor{text: text, line: 1}

	type lineRange struct{ first, last, edits int }
	var ranges []lineRange
	for k := 0; k < len(at); k += 2 {
		first := min(max(at[k]-ContextLines, 1), total)
		last := min(at[k+1]+ContextLines, total)
		if n := len(ranges); n > 0 && first <= ranges[n-1].last+1 {
			ranges[n-1].last = max(ranges[n-1].last, last)
			ranges[n-1].edits++
			continue
		}
		ranges = append(ranges, lineRange{first, last, 1})
	}

	var b strings.Builder
	for i, r := range ranges[:min(len(ranges), ShowRegions)] {
		if i > 0 {
			b.WriteString("\n…\n")
		}
		if n := r.last - r.first + 1; n > showLines {
			head := showLines * 2 / 3
			tail := showLines - head
			b.WriteString(numbered(lines.get(r.first, r.first+head-1), r.first))
			fmt.Fprintf(&b, "\n[… lines %d-%d not shown; Read them if you need to …]\n", r.first+head, r.last-tail)
			b.WriteString(numbered(lines.get(r.last-tail+1, r.last), r.last-tail+1))
			continue
		}
		b.WriteString(numbered(lines.get(r.first, r.last), r.first))
	}
	if rest := ranges[min(len(ranges), ShowRegions):]; len(rest) > 0 {
		var where []int
		edits := 0
		for _, r := range rest {
			edits += r.edits
			where = append(where, r.first+min(ContextLines, r.last-r.first))
		}
		what := "replacements"
		if edits == 1 {
			what = "replacement"
		}
		fmt.Fprintf(&b, "\n[…and %d more %s, around %s]", edits, what, linesWord(where, ListLines, len(where)))
	}
	return b.String()
}

// lineCursor hands out lines of text by number, moving forward only: the
// regions Show shows come in order.
type lineCursor struct {
	text []byte
	line int // the line that starts at off
	off  int
}

// get returns lines first to last (1-based, first no earlier than the
// last call's), joined by their newlines, without the last one's.
func (c *lineCursor) get(first, last int) string {
	c.skip(first)
	start := c.off
	c.skip(last)
	end := len(c.text)
	if i := bytes.IndexByte(c.text[c.off:], '\n'); i >= 0 {
		end = c.off + i
	}
	return string(c.text[start:end])
}

// skip moves the cursor to the start of line n.
func (c *lineCursor) skip(n int) {
	for c.line < n {
		i := bytes.IndexByte(c.text[c.off:], '\n')
		if i < 0 {
			c.off = len(c.text)
			return
		}
		c.off += i + 1
		c.line++
	}
}
