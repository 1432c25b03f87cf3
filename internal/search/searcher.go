package search

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

const (
	// BlockSize is how much a Searcher reads at a time, and the part of a
	// file in which a NUL byte marks it binary; the buffer grows beyond it
	// only to hold a longer line.
	BlockSize = 64 << 10
	// MaxLine is the longest line a line-by-line search holds; a file with
	// a longer one is searched up to it and then reported.
	MaxLine = 16 << 20
	// MaxMultiline is the largest file a multiline search reads whole.
	MaxMultiline = 32 << 20
	// maxMultilineMatches bounds the matches a multiline search of one
	// file collects at once.
	maxMultilineMatches = 100_000
)

var (
	// ErrLineTooLong reports a line over MaxLine.
	ErrLineTooLong = fmt.Errorf("has a line over %d MB, too long to search", MaxLine>>20)
	// ErrTooLarge reports a file over MaxMultiline in a multiline search.
	ErrTooLarge = fmt.Errorf("is over %d MB, too large for a multiline search", MaxMultiline>>20)
)

// Line is a line a search reports. Text and Spans are valid only during
// the call that receives them.
type Line struct {
	Num   int      // counting from 1
	Text  []byte   // without "\n" or "\r\n"
	Match bool     // false for a context line
	Spans [][2]int // with OnlyMatching: the matches in Text
}

// Searcher searches files for a Pattern. It keeps its buffer between
// files, and is not safe for concurrent use.
type Searcher struct {
	Pattern *Pattern
	// Before and After are the context lines around each match.
	Before, After int
	// OnlyMatching fills Line.Spans, and makes Result.Count count
	// matches rather than lines.
	OnlyMatching bool
	// MaxCount, if positive, stops the search after that many matching
	// lines (or matches): 1 answers whether the file matches at all.
	MaxCount int

	buf   []byte
	scan  scanner
	spans [][2]int
	line  Line
}

// Result tells how a search of one file went.
type Result struct {
	Count   int  // matching lines; matches with OnlyMatching or multiline
	Binary  bool // a NUL byte: in the first block, the file was skipped; later, the search stopped before it
	Stopped bool // emit asked to stop
}

// Search reads r to its end and reports matching lines, and their
// context, to emit, which returns false to stop. With a nil emit it only
// counts, and keeps no line numbers. A NUL byte in the first block marks a
// binary file, which is skipped, as ripgrep does.
func (s *Searcher) Search(r io.Reader, emit func(*Line) bool) (Result, error) {
	if s.Pattern.multiline {
		return s.searchWhole(r, emit)
	}
	if cap(s.buf) < BlockSize {
		s.buf = make([]byte, BlockSize)
	}
	defer s.shrink()
	st := state{s: s, emit: emit, lineNo: 1, printedEnd: -1}
	buf := s.buf[:cap(s.buf)]
	// buf[:pos] is context kept from earlier blocks; buf[pos:end] is a
	// line not yet searched, without its end.
	pos, end := 0, 0
	for first := true; ; first = false {
		if end == len(buf) {
			if end-pos >= MaxLine {
				return st.res, ErrLineTooLong
			}
			nb := make([]byte, min(2*len(buf), MaxLine+BlockSize))
			copy(nb, buf[:end])
			buf, s.buf = nb, nb
		}
		n, err := io.ReadFull(r, buf[end:])
		eof := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !eof {
			return st.res, err
		}
		whole := eof // the last line counts even without a line end
		if i := bytes.IndexByte(buf[end:end+n], 0); i >= 0 {
			st.res.Binary = true
			if first {
				return st.res, nil
			}
			n, eof, whole = i, true, false
		}
		end += n
		lim := end
		if !whole {
			lim = bytes.LastIndexByte(buf[pos:end], '\n') + 1 + pos
		}
		if pos < lim {
			st.buf = buf
			if !st.searchRange(pos, lim) {
				return st.res, nil
			}
		}
		if eof {
			return st.res, nil
		}
		if lim > pos {
			keep := st.keepFrom(lim)
			end = copy(buf, buf[keep:end])
			st.shift(keep)
			pos = lim - keep
		}
	}
}

// shrink lets go of a buffer grown for a long line or a multiline file, so
// an idle Searcher holds one block.
func (s *Searcher) shrink() {
	if cap(s.buf) > 4*BlockSize {
		s.buf = nil
	}
}

// state is one search in progress. Offsets are into buf.
type state struct {
	s    *Searcher
	emit func(*Line) bool
	buf  []byte
	res  Result

	lineNo     int // the number of the line that starts at lineOff
	lineOff    int
	printed    int // the last line reported; 0 for none
	printedEnd int // the offset just after it, or -1 when it is not in buf
	afterLeft  int // after-context lines still to report
}

// keepFrom returns where to cut the buffer once the search reached lim, a
// line start: the Before lines above lim stay for context.
func (st *state) keepFrom(lim int) int {
	st.lineAt(lim)
	k := lim
	if st.emit == nil {
		return k
	}
	for range st.s.Before {
		if k == 0 {
			break
		}
		k = bytes.LastIndexByte(st.buf[:k-1], '\n') + 1
	}
	return k
}

// shift accounts for the buffer moving down by n bytes.
func (st *state) shift(n int) {
	st.lineOff -= n
	if st.printedEnd >= n {
		st.printedEnd -= n
	} else {
		st.printedEnd = -1
	}
}

// lineAt returns the number of the line that starts at off. Lines are
// counted only when they are reported.
func (st *state) lineAt(off int) int {
	if st.emit == nil {
		return 0
	}
	if off >= st.lineOff {
		st.lineNo += bytes.Count(st.buf[st.lineOff:off], []byte{'\n'})
	} else {
		st.lineNo -= bytes.Count(st.buf[off:st.lineOff], []byte{'\n'})
	}
	st.lineOff = off
	return st.lineNo
}

// searchRange searches the lines in buf[from:to]; false means stop.
func (st *state) searchRange(from, to int) bool {
	s := st.s
	p := s.Pattern
	buf := st.buf
	if p.find != nil {
		s.scan.reset(p.find, buf[:to])
	}
	for at := from; at < to; {
		cand := at
		if p.find != nil {
			if cand = s.scan.find(at); cand < 0 {
				break
			}
		}
		ls := at + bytes.LastIndexByte(buf[at:cand], '\n') + 1
		le := to
		if i := bytes.IndexByte(buf[cand:to], '\n'); i >= 0 {
			le = cand + i
		}
		text := trimCR(buf[ls:le])
		n := 1
		switch {
		case s.OnlyMatching:
			s.spans = p.Spans(text, s.spans[:0])
			n = len(s.spans)
		case !p.exact:
			if !p.lineMatch(text) {
				n = 0
			}
		}
		at = le + 1
		if n == 0 {
			continue
		}
		st.res.Count += n
		if st.emit != nil && !st.matchLine(ls, le) {
			return false
		}
		if s.MaxCount > 0 && st.res.Count >= s.MaxCount {
			st.res.Stopped = true
			return false
		}
	}
	if st.afterLeft > 0 {
		return st.afterContext(to)
	}
	return true
}

// matchLine reports the matching line buf[ls:le], after the context
// lines that come before it.
func (st *state) matchLine(ls, le int) bool {
	num := st.lineAt(ls)
	if num <= st.printed { // a multiline match already reported this line
		return true
	}
	if st.afterLeft > 0 && !st.afterContext(ls) {
		return false
	}
	if b := st.s.Before; b > 0 && num > st.printed+1 {
		first, off := num, ls
		for first > st.printed+1 && num-first < b && off > 0 {
			off = bytes.LastIndexByte(st.buf[:off-1], '\n') + 1
			first--
		}
		for ; first < num; first++ {
			e := off + bytes.IndexByte(st.buf[off:ls], '\n')
			if !st.report(first, off, e, false) {
				return false
			}
			off = e + 1
		}
	}
	if !st.report(num, ls, le, true) {
		return false
	}
	st.afterLeft = st.s.After
	return true
}

// afterContext reports the lines after the last reported one, up to the
// offset to, while after-context is owed.
func (st *state) afterContext(to int) bool {
	off := st.printedEnd
	if off < 0 {
		st.afterLeft = 0
		return true
	}
	for st.afterLeft > 0 && off < to {
		e := to
		if i := bytes.IndexByte(st.buf[off:to], '\n'); i >= 0 {
			e = off + i
		}
		st.afterLeft--
		if !st.report(st.printed+1, off, e, false) {
			return false
		}
		off = e + 1
	}
	return true
}

// report emits the line buf[ls:le].
func (st *state) report(num, ls, le int, match bool) bool {
	l := &st.s.line
	l.Num, l.Text, l.Match, l.Spans = num, trimCR(st.buf[ls:le]), match, nil
	if match && st.s.OnlyMatching {
		l.Spans = st.s.spans
	}
	st.printed, st.printedEnd = num, le+1
	if !st.emit(l) {
		st.res.Stopped = true
		return false
	}
	return true
}

// searchWhole is the multiline search: the file is read whole and the
// regex runs over all of it.
func (s *Searcher) searchWhole(r io.Reader, emit func(*Line) bool) (Result, error) {
	defer s.shrink()
	st := state{s: s, emit: emit, lineNo: 1, printedEnd: -1}
	data, err := readAll(r, s.buf[:0], MaxMultiline)
	if cap(data) <= MaxMultiline+1 {
		s.buf = data[:0]
	}
	if err != nil {
		return st.res, err
	}
	st.buf = data
	if bytes.IndexByte(data, 0) >= 0 {
		st.res.Binary = true
		return st.res, nil
	}
	p := s.Pattern
	if p.find != nil {
		s.scan.reset(p.find, data)
		if s.scan.find(0) < 0 {
			return st.res, nil
		}
	}
	limit := maxMultilineMatches
	if s.MaxCount > 0 {
		limit = min(limit, s.MaxCount)
	}
	for _, m := range p.re.FindAllIndex(data, limit) {
		a, b := m[0], m[1]
		st.res.Count++
		if emit == nil {
			continue
		}
		if b > a && data[b-1] == '\n' {
			b-- // a match ending in a line end ends on that line
		}
		for ls := bytes.LastIndexByte(data[:a], '\n') + 1; ; {
			le := len(data)
			if i := bytes.IndexByte(data[ls:], '\n'); i >= 0 {
				le = ls + i
			}
			if s.OnlyMatching {
				s.spans = append(s.spans[:0], [2]int{max(a, ls) - ls, min(b, le) - ls})
				if s.spans[0][1] <= s.spans[0][0] {
					s.spans = s.spans[:0]
				}
			}
			if !st.matchLine(ls, le) {
				return st.res, nil
			}
			if le >= b || le == len(data) {
				break
			}
			ls = le + 1
		}
	}
	if emit != nil && st.afterLeft > 0 {
		st.afterContext(len(data))
	}
	return st.res, nil
}

// readAll reads r into buf, failing with ErrTooLarge past max bytes.
func readAll(r io.Reader, buf []byte, max int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf, ErrTooLarge
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
