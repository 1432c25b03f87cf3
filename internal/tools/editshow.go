package tools

import (
	"fmt"
	"strconv"
	"strings"
)

// showEdits shows the edited regions of data in Read's format, each with
// editContext lines around it, so the model sees the result without reading
// the file back. Regions close together merge; at most editShowRanges are
// shown, each cut to editShowLines, and the rest are listed by line.
func showEdits(data []byte, spans []span) string {
	text := strings.TrimPrefix(string(data), utf8BOM)
	base := len(data) - len(text)
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return "The file is now empty."
	}
	offsets := make([]int, 0, 2*len(spans))
	for _, s := range spans {
		start := max(s.start-base, 0)
		offsets = append(offsets, start, max(start, s.end-base-1))
	}
	at := lineNumbers(text, offsets)

	type lineRange struct{ first, last, edits int }
	var ranges []lineRange
	for k := 0; k < len(at); k += 2 {
		first := min(max(at[k]-editContext, 1), len(lines))
		last := min(at[k+1]+editContext, len(lines))
		if n := len(ranges); n > 0 && first <= ranges[n-1].last+1 {
			ranges[n-1].last = max(ranges[n-1].last, last)
			ranges[n-1].edits++
			continue
		}
		ranges = append(ranges, lineRange{first, last, 1})
	}

	var b strings.Builder
	for i, r := range ranges[:min(len(ranges), editShowRanges)] {
		if i > 0 {
			b.WriteString("\n…\n")
		}
		if n := r.last - r.first + 1; n > editShowLines {
			head := editShowLines * 2 / 3
			tail := editShowLines - head
			b.WriteString(numbered(strings.Join(lines[r.first-1:r.first-1+head], "\n"), r.first))
			fmt.Fprintf(&b, "\n[… lines %d-%d not shown; Read them if you need to …]\n", r.first+head, r.last-tail)
			b.WriteString(numbered(strings.Join(lines[r.last-tail:r.last], "\n"), r.last-tail+1))
			continue
		}
		b.WriteString(numbered(strings.Join(lines[r.first-1:r.last], "\n"), r.first))
	}
	if rest := ranges[min(len(ranges), editShowRanges):]; len(rest) > 0 {
		var where []int
		edits := 0
		for _, r := range rest {
			edits += r.edits
			where = append(where, r.first+min(editContext, r.last-r.first))
		}
		what := "replacements"
		if edits == 1 {
			what = "replacement"
		}
		fmt.Fprintf(&b, "\n[…and %d more %s, around %s]", edits, what, linesWord(where, editListMax, len(where)))
	}
	return b.String()
}

// ambiguous refuses an old_string that matches several places, naming
// each one's line so the model can pick one by adding context.
func ambiguous(name string, l located) error {
	lines := lineNumbers(l.view.text, l.pos)
	how := ""
	if l.folded {
		how = ", reading curly and straight quotes alike"
	}
	return fmt.Errorf("%s: old_string matches %d places%s, at %s; replace_all is not set, so nothing was changed. Include more of the surrounding lines in old_string so that it matches one place only, or set replace_all to change every one",
		name, l.count, how, linesWord(lines, editListMax, l.count))
}

// linesWord is "line 4" or "lines 4 and 9" for at most most of lines,
// which stand for total places.
func linesWord(lines []int, most, total int) string {
	if total == len(lines) && lines[0] == lines[len(lines)-1] {
		return "line " + listLines(lines, most, total)
	}
	return "lines " + listLines(lines, most, total)
}

// listLines lists line numbers, "4, 9 (twice) and 12", at most most of
// them, saying how many of total it left out.
func listLines(lines []int, most, total int) string {
	var parts []string
	shown := 0
	for i := 0; i < len(lines) && len(parts) < most; {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		part := strconv.Itoa(lines[i])
		switch j - i {
		case 1:
		case 2:
			part += " (twice)"
		default:
			part += fmt.Sprintf(" (%d times)", j-i)
		}
		parts = append(parts, part)
		shown, i = j, j
	}
	if shown < total {
		return strings.Join(parts, ", ") + fmt.Sprintf(", … (%d more not listed)", total-shown)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
