package textedit

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestShowFindsLinesAsSplitWould compares Show, which finds the lines it
// shows one by one, with the plain way of splitting the whole file, on
// random files and edited spans: BOM or none, a last newline or none,
// empty lines, regions close enough to merge and far apart, and regions
// long enough to be cut.
func TestShowFindsLinesAsSplitWould(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var b strings.Builder
		if r.IntN(4) == 0 {
			b.WriteString(UTF8BOM)
		}
		for l := range r.IntN(300) {
			if r.IntN(6) > 0 {
				fmt.Fprintf(&b, "line %d of file %d", l+1, i)
			}
			b.WriteByte('\n')
		}
		if r.IntN(3) == 0 {
			b.WriteString("no newline at the end")
		}
		data := []byte(b.String())
		// Edited spans, as an edit makes them: in order, apart.
		var spans []Span
		for at := r.IntN(len(data) + 1); at <= len(data) && len(spans) < 12; {
			end := min(at+r.IntN(1+r.IntN(4000)), len(data))
			spans = append(spans, Span{Start: at, End: end})
			at = end + 1 + r.IntN(1+r.IntN(3000))
		}
		if got, want := Show(data, spans), showBySplit(data, spans); got != want {
			t.Fatalf("file %d, spans %v:\nShow:\n%s\nby split:\n%s", i, spans, got, want)
		}
	}
}

// showBySplit is Show as it was, splitting the whole file into lines.
func showBySplit(data []byte, spans []Span) string {
	text := strings.TrimPrefix(string(data), UTF8BOM)
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
		start := max(s.Start-base, 0)
		offsets = append(offsets, start, max(start, s.End-base-1))
	}
	at := lineNumbers(text, offsets)

	type lineRange struct{ first, last, edits int }
	var ranges []lineRange
	for k := 0; k < len(at); k += 2 {
		first := min(max(at[k]-ContextLines, 1), len(lines))
		last := min(at[k+1]+ContextLines, len(lines))
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
			b.WriteString(numbered(strings.Join(lines[r.first-1:r.first-1+head], "\n"), r.first))
			fmt.Fprintf(&b, "\n[… lines %d-%d not shown; Read them if you need to …]\n", r.first+head, r.last-tail)
			b.WriteString(numbered(strings.Join(lines[r.last-tail:r.last], "\n"), r.last-tail+1))
			continue
		}
		b.WriteString(numbered(strings.Join(lines[r.first-1:r.last], "\n"), r.first))
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
