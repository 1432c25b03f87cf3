package search

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// finder finds candidate positions in text: places where one of a regex's
// required literals occurs. A line without a candidate cannot match, so the
// regex runs only on candidate lines; for most searches that is a tiny part
// of the input.
//
// Each literal becomes one or more probes. A probe looks for one byte of the
// literal (the rarest, by byteRank) with bytes.IndexByte, which is
// vectorised, and then compares the whole literal around it. A literal made
// of common bytes only is searched with bytes.Index instead. Case-insensitive
// literals (ASCII after analysis) get a probe per case of their rarest
// letter and compare with ASCII folding; a letter that also folds to a
// non-ASCII character (k to the Kelvin sign, s to the long s) adds a probe
// for that character's bytes, whose candidates the regex then confirms.
type finder struct {
	probes []probe
}

type probe struct {
	needle []byte // found with IndexByte (one byte) or Index
	back   int    // where needle sits in lit
	lit    []byte // compared at the candidate; nil: none
	fold   bool   // compare ignoring ASCII case
}

// commonRank is the byteRank above which a byte is too common to probe
// for on its own.
const commonRank = 200

func newFinder(lits []string, fold bool) *finder {
	f := &finder{}
	for _, lit := range lits {
		f.add([]byte(lit), fold)
	}
	return f
}

func (f *finder) add(lit []byte, fold bool) {
	if !fold {
		r := rarest(lit, false)
		if len(lit) > 1 && byteRank[lit[r]] > commonRank {
			f.probes = append(f.probes, probe{needle: lit})
			return
		}
		f.probes = append(f.probes, probe{needle: lit[r : r+1], back: r, lit: lit})
		return
	}
	r := rarest(lit, true)
	c := lit[r]
	lo, up := toLower(c), toUpper(c)
	f.probes = append(f.probes, probe{needle: []byte{lo}, back: r, lit: lit, fold: true})
	if up != lo {
		f.probes = append(f.probes, probe{needle: []byte{up}, back: r, lit: lit, fold: true})
	}
	// Letters whose case folding reaches outside ASCII.
	seen := map[rune]bool{}
	for _, b := range lit {
		for r := unicode.SimpleFold(rune(b)); r != rune(b); r = unicode.SimpleFold(r) {
			if r >= utf8.RuneSelf && !seen[r] {
				seen[r] = true
				f.probes = append(f.probes, probe{needle: []byte(string(r))})
			}
		}
	}
}

// rarest returns the index of the literal's rarest byte.
func rarest(lit []byte, fold bool) int {
	best, bestRank := 0, 1<<10
	for i, b := range lit {
		rank := int(byteRank[b])
		if fold && isLetter(b) {
			// Both cases are searched for.
			rank = int(byteRank[toLower(b)]) + int(byteRank[toUpper(b)])
		}
		if rank < bestRank {
			best, bestRank = i, rank
		}
	}
	return best
}

// scanner finds a finder's candidates in one text, front to back,
// remembering each probe's next hit so no byte is searched twice.
type scanner struct {
	f    *finder
	text []byte
	next []int // per probe: its next candidate; -1 none left; below from: stale
}

func (s *scanner) reset(f *finder, text []byte) {
	s.f, s.text = f, text
	if cap(s.next) < len(f.probes) {
		s.next = make([]int, len(f.probes))
	}
	s.next = s.next[:len(f.probes)]
	for i := range s.next {
		s.next[i] = -2
	}
}

// find returns the first candidate at or after from, or -1.
func (s *scanner) find(from int) int {
	best := -1
	for i := range s.f.probes {
		n := s.next[i]
		if n == -1 {
			continue
		}
		if n < from {
			n = s.probe(&s.f.probes[i], from)
			s.next[i] = n
			if n < 0 {
				continue
			}
		}
		if best < 0 || n < best {
			best = n
		}
	}
	return best
}

// probe finds p's first verified candidate starting at or after from.
func (s *scanner) probe(p *probe, from int) int {
	text := s.text
	at := from + p.back
	for at < len(text) {
		var i int
		if len(p.needle) == 1 {
			i = bytes.IndexByte(text[at:], p.needle[0])
		} else {
			i = bytes.Index(text[at:], p.needle)
		}
		if i < 0 {
			return -1
		}
		start := at + i - p.back
		if p.lit == nil {
			return start
		}
		if end := start + len(p.lit); end <= len(text) {
			if p.fold && equalFoldASCII(text[start:end], p.lit) || !p.fold && bytes.Equal(text[start:end], p.lit) {
				return start
			}
		}
		at += i + 1
	}
	return -1
}

func equalFoldASCII(a, b []byte) bool {
	for i := range a {
		if a[i] != b[i] && toLower(a[i]) != toLower(b[i]) {
			return false
		}
	}
	return true
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

func toLower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func toUpper(b byte) byte {
	if b >= 'a' && b <= 'z' {
		return b - ('a' - 'A')
	}
	return b
}
