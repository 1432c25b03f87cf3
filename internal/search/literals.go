package search

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// A literal analysis of a regex finds strings that every match must
// contain, so a fast substring search can reject most of the input before
// the regex runs (as ripgrep does). It works on the simplified syntax tree.
//
// For each node it computes:
//   - exact: every string the node can match, when that is a small finite
//     set (nil otherwise);
//   - req: a set of strings at least one of which every match contains
//     (nil when nothing useful is known).
//
// Empty-width assertions (^, $, \b) match "" only under a condition; cond
// records that, so an exact set is trusted as the whole match only when
// no assertion took part.

const (
	maxExact   = 64 // strings in an exact set
	maxReqSet  = 8  // alternatives a required set may have to be worth scanning for
	maxLiteral = 64 // bytes of one literal kept
)

type litInfo struct {
	exact []string
	req   []string
	all   [][]string // every required set known, req among them
	cond  bool       // an assertion took part
	fold  bool       // some literal is matched case-insensitively
}

// requirement is what the analysis found for a whole regex.
type requirement struct {
	lits  []string // every match contains one of these; nil: none
	fold  bool     // ... compared case-insensitively (ASCII; see finder)
	exact bool     // every match is exactly one of lits, unconditionally
	also  []string // other literals every match contains (case-sensitive)
}

func analyze(re *syntax.Regexp) requirement {
	info := litsOf(re)
	r := requirement{fold: info.fold}
	if best := bestOf(info); best != nil {
		r.lits = best
		r.exact = info.exact != nil && !info.cond && slices.Equal(best, info.exact)
		if !info.fold && !r.exact {
			for _, set := range info.all {
				if len(set) == 1 && len(set[0]) > 1 && !(len(best) == 1 && best[0] == set[0]) && !slices.Contains(r.also, set[0]) {
					r.also = append(r.also, set[0])
				}
			}
		}
	}
	return r
}

func litsOf(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase == 0 {
			return litInfo{exact: []string{s}}
		}
		return foldLiteral(s)
	case syntax.OpCharClass:
		return classLits(re)
	case syntax.OpEmptyMatch:
		return litInfo{exact: []string{""}}
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litInfo{exact: []string{""}, cond: true}
	case syntax.OpCapture:
		return litsOf(re.Sub[0])
	case syntax.OpQuest:
		sub := litsOf(re.Sub[0])
		if sub.exact != nil && len(sub.exact) < maxExact {
			return litInfo{exact: union(sub.exact, []string{""}), cond: sub.cond, fold: sub.fold}
		}
		return litInfo{fold: sub.fold}
	case syntax.OpStar:
		return litInfo{fold: litsOf(re.Sub[0]).fold}
	case syntax.OpPlus:
		sub := litsOf(re.Sub[0])
		return litInfo{req: bestOf(sub), all: withSet(sub.all, bestOf(sub)), fold: sub.fold}
	case syntax.OpRepeat:
		sub := litsOf(re.Sub[0])
		if re.Min == 0 {
			return litInfo{fold: sub.fold}
		}
		return litInfo{req: bestOf(sub), all: withSet(sub.all, bestOf(sub)), fold: sub.fold}
	case syntax.OpConcat:
		return concatLits(re.Sub)
	case syntax.OpAlternate:
		return alternateLits(re.Sub)
	}
	// Any character, no match: nothing known.
	return litInfo{}
}

// foldLiteral handles a case-insensitive literal. The finder compares
// ASCII case-insensitively; other characters can fold to strings of other
// lengths, so only the ASCII runs are kept, as requirements.
func foldLiteral(s string) litInfo {
	info := litInfo{fold: true}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		info.exact = []string{s}
		return info
	}
	var best string
	for _, run := range strings.FieldsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf }) {
		if len(run) > len(best) {
			best = run
		}
	}
	if best != "" {
		info.req = []string{best}
	}
	return info
}

// classLits turns a small character class into its characters.
func classLits(re *syntax.Regexp) litInfo {
	n := 0
	for i := 0; i < len(re.Rune); i += 2 {
		n += int(re.Rune[i+1]-re.Rune[i]) + 1
		if n > maxReqSet {
			return litInfo{}
		}
	}
	var exact []string
	for i := 0; i < len(re.Rune); i += 2 {
		for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
			exact = append(exact, string(r))
		}
	}
	return litInfo{exact: exact}
}

func concatLits(subs []*syntax.Regexp) litInfo {
	var info litInfo
	cur := []string{""}
	allExact := true
	var cands [][]string
	for _, sub := range subs {
		si := litsOf(sub)
		info.fold = info.fold || si.fold
		info.cond = info.cond || si.cond
		info.all = append(info.all, si.all...)
		if si.exact != nil {
			if next := cross(cur, si.exact); next != nil {
				cur = next
				continue
			}
			// Too many combinations: keep what we have and start afresh.
			allExact = false
			cands = append(cands, cur)
			cur = si.exact
			continue
		}
		allExact = false
		cands = append(cands, cur)
		cur = []string{""}
		if si.req != nil {
			cands = append(cands, si.req)
		}
	}
	cands = append(cands, cur)
	if allExact {
		info.exact = cur
	}
	info.req = pick(cands)
	for _, c := range cands {
		if score(c) > 0 {
			info.all = withSet(info.all, c)
		}
	}
	return info
}

// withSet adds a required set to a list of them.
func withSet(all [][]string, set []string) [][]string {
	if score(set) == 0 {
		return all
	}
	return append(all, set)
}

func alternateLits(subs []*syntax.Regexp) litInfo {
	var info litInfo
	allExact := true
	var exact, req []string
	reqOK := true
	for _, sub := range subs {
		si := litsOf(sub)
		info.fold = info.fold || si.fold
		info.cond = info.cond || si.cond
		if si.exact == nil {
			allExact = false
		} else {
			exact = union(exact, si.exact)
		}
		if b := bestOf(si); b != nil && reqOK {
			req = union(req, b)
		} else {
			reqOK = false
		}
	}
	if allExact && len(exact) <= maxExact {
		info.exact = exact
	}
	if reqOK && len(req) <= maxReqSet {
		info.req = req
	}
	return info
}

// bestOf returns the node's most useful required set.
func bestOf(info litInfo) []string {
	return pick([][]string{info.exact, info.req})
}

// pick chooses the best set to scan for: no empty string in it (that would
// match anywhere), few alternatives, long strings.
func pick(cands [][]string) []string {
	var best []string
	bestScore := 0
	for _, c := range cands {
		if s := score(c); s > bestScore {
			best, bestScore = c, s
		}
	}
	return best
}

func score(set []string) int {
	if len(set) == 0 || len(set) > maxReqSet {
		return 0
	}
	shortest := maxLiteral
	for _, s := range set {
		shortest = min(shortest, len(s))
	}
	if shortest == 0 {
		return 0
	}
	// Longer is rarer; every extra alternative is another scan.
	return shortest*16 - len(set)*4 + 4
}

// cross returns every a+b, or nil when there would be too many or too long.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxExact {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			if len(a)+len(b) > maxLiteral {
				return nil
			}
			out = append(out, a+b)
		}
	}
	return dedup(out)
}

func union(a, b []string) []string {
	return dedup(append(slices.Clone(a), b...))
}

func dedup(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
