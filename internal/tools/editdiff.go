package tools

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// linePair pairs a line of old_string (o, an index into its lines) with a
// line of the file (f, an index into its lines); -1 means the line has no
// partner.
type linePair struct{ o, f int }

// alignment is old_string's lines set against the closest region, in order.
type alignment []linePair

// align pairs old's lines with window, the file's lines from lo. The
// heaviest common subsequence of lines equal but for whitespace and quote
// style (an exact match weighs more) anchors the pairing, and the lines
// between anchors pair up in order. Without any anchor, old is laid on the
// file from start, as voted.
func align(old, window []string, lo, start int) alignment {
	m, n := len(old), len(window)
	ok, wk := make([]string, m), make([]string, n)
	for i, s := range old {
		ok[i] = looseKey(s)
	}
	for j, s := range window {
		wk[j] = looseKey(s)
	}
	weight := func(i, j int) int32 {
		switch {
		case old[i] == window[j]:
			return 2
		case ok[i] == wk[j]:
			return 1
		}
		return 0
	}
	best := make([][]int32, m+1) // best[i][j]: of old[i:] and window[j:]
	for i := range best {
		best[i] = make([]int32, n+1)
	}
	for i := m - 1; i >= 0; i-- {
		for j := n - 1; j >= 0; j-- {
			best[i][j] = max(best[i+1][j], best[i][j+1])
			if w := weight(i, j); w > 0 {
				best[i][j] = max(best[i][j], best[i+1][j+1]+w)
			}
		}
	}
	var anchors []linePair
	for i, j := 0, 0; i < m && j < n; {
		switch w := weight(i, j); {
		case w > 0 && best[i][j] == best[i+1][j+1]+w:
			anchors = append(anchors, linePair{i, j})
			i, j = i+1, j+1
		case best[i+1][j] >= best[i][j+1]:
			i++
		default:
			j++
		}
	}

	var a alignment
	if len(anchors) == 0 {
		for i := range old {
			f := start + i
			if f < 0 || f >= lo+n {
				f = -1
			}
			a = append(a, linePair{i, f})
		}
		return a
	}
	// Before the first anchor, pair backwards from it; lines of the file
	// left over there lie outside the region.
	first := anchors[0]
	back := min(first.o, first.f)
	for i := 0; i < first.o-back; i++ {
		a = append(a, linePair{i, -1})
	}
	for t := back; t > 0; t-- {
		a = append(a, linePair{first.o - t, lo + first.f - t})
	}
	for k, an := range anchors {
		a = append(a, linePair{an.o, lo + an.f})
		next := linePair{m, n}
		if k+1 < len(anchors) {
			next = anchors[k+1]
		}
		oi, fj := an.o+1, an.f+1
		for ; oi < next.o && fj < next.f; oi, fj = oi+1, fj+1 {
			a = append(a, linePair{oi, lo + fj})
		}
		for ; oi < next.o; oi++ {
			a = append(a, linePair{oi, -1})
		}
		if k+1 < len(anchors) { // after the last anchor, extra file lines lie outside
			for ; fj < next.f; fj++ {
				a = append(a, linePair{-1, lo + fj})
			}
		}
	}
	return a
}

// region returns the first and last line (1-based) of the file the
// alignment covers.
func (a alignment) region() (first, last int) {
	first, last = -1, -1
	for _, p := range a {
		if p.f < 0 {
			continue
		}
		if first < 0 || p.f < first {
			first = p.f
		}
		last = max(last, p.f)
	}
	return first + 1, last + 1
}

// looseKey is a line with its whitespace collapsed and every kind of quote
// read alike, for pairing lines that differ only in those.
func looseKey(s string) string {
	return strings.Join(strings.Fields(foldAllQuotes(s)), " ")
}

// foldAllQuotes reads every quote character as ".
func foldAllQuotes(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("'\"`‘’“”", r) {
			return '"'
		}
		return r
	}, s)
}

// How much of a file line a line of old_string must cover: old's first line
// may start mid-line, its last may end mid-line, and a one-line old_string
// may lie anywhere in a line.
const (
	whole = iota
	tail
	head
	inside
)

// differences compares each pair of lines and collects what differs.
func (a alignment) differences(old, file []string, cut bool) *diffs {
	d := &diffs{}
	for _, p := range a {
		switch {
		case p.o >= 0 && p.f >= 0:
			mode := whole
			switch {
			case len(old) == 1:
				mode = inside
			case p.o == 0:
				mode = tail
			case p.o == len(old)-1 && !cut:
				mode = head
			}
			d.compare(old[p.o], file[p.f], mode, p.f+1)
		case p.o >= 0:
			d.oldOnly = append(d.oldOnly, lineDiff{line: p.o + 1, old: old[p.o]})
		case p.f >= 0:
			d.fileOnly = append(d.fileOnly, lineDiff{line: p.f + 1, file: file[p.f]})
		}
	}
	return d
}

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
