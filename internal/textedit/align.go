package textedit

import (
	"strings"
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
