package textedit

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	voteMaxWords   = 64  // words of one line that count in a vote
	voteCandidates = 32  // starts compared character by character
	voteRefineMax  = 20  // lines of old_string at most for that comparison
	voteRefineLen  = 200 // characters of a line at most for that comparison
)

// vote finds where in file the lines of old most likely belong: each file
// line votes for the start old would have if it were old's line i, with
// weight 1 when they are equal but for surrounding whitespace or, when that
// does not place old well, by the share of words they have in common. It
// costs one pass over the file. Near-tied starts are then told apart by
// comparing their lines character by character, so a typo still finds its
// line. also lists other starts almost as good, as 1-based lines; ok is
// false when nothing in the file resembles old.
func vote(file, old []string) (start int, ok bool, also []int) {
	v := newVoter(old)
	if v.nonBlank == 0 {
		return 0, false, nil
	}
	k := len(old)
	votes := make([]float32, len(file)+k) // votes[j-i+k-1]: start j-i
	v.count(file, votes, false)
	if slices.Max(votes) < 0.5*float32(v.nonBlank) {
		clear(votes)
		v.count(file, votes, true)
	}
	best := slices.Max(votes)
	if best < max(0.4, 0.25*float32(v.nonBlank)) {
		return 0, false, nil
	}
	chosen, unlike := refine(file, old, votes, best)
	for idx, n := range votes {
		if idx != chosen && n >= 0.95*best && !unlike[idx] {
			also = append(also, max(idx-(k-1), 0)+1)
		}
	}
	return chosen - (k - 1), true, also
}

// voter is what the lines of old_string vote with.
type voter struct {
	eq       map[string][]int // trimmed old line -> its indexes
	words    map[string][]int // word -> old lines holding it
	nwords   []int            // distinct words of each old line
	nonBlank int
}

func newVoter(old []string) *voter {
	v := &voter{eq: map[string][]int{}, words: map[string][]int{}, nwords: make([]int, len(old))}
	var seen []string
	for i, line := range old {
		key := strings.TrimSpace(line)
		if key == "" {
			continue
		}
		v.nonBlank++
		v.eq[key] = append(v.eq[key], i)
		seen = seen[:0]
		eachWord(key, func(w string) {
			if !slices.Contains(seen, w) && len(seen) < voteMaxWords {
				seen = append(seen, w)
				v.words[w] = append(v.words[w], i)
				v.nwords[i]++
			}
		})
	}
	return v
}

// count adds the votes of every file line; byWords adds votes by shared
// words to those by equality.
func (v *voter) count(file []string, votes []float32, byWords bool) {
	k := len(v.nwords)
	score := make([]float32, k)
	shared := make([]int, k)
	mark := make([]int, k)
	var touched []int
	var seen []string
	touch := func(i, j int) {
		if mark[i] != j+1 {
			mark[i] = j + 1
			touched = append(touched, i)
		}
	}
	for j, line := range file {
		key := strings.TrimSpace(line)
		if key == "" {
			continue
		}
		touched = touched[:0]
		if is, found := v.eq[key]; found {
			w := float32(1)
			if len(key) < 3 && v.nonBlank > 1 {
				w = 0.3 // "}" and the like say little about where old belongs
			}
			for _, i := range is {
				score[i] = w
				touch(i, j)
			}
		}
		seen = seen[:0]
		if byWords {
			eachWord(key, func(w string) {
				if len(seen) == voteMaxWords || slices.Contains(seen, w) {
					return
				}
				seen = append(seen, w)
				for _, i := range v.words[w] {
					shared[i]++
					touch(i, j)
				}
			})
		}
		for _, i := range touched {
			s := score[i]
			if shared[i] > 0 {
				dice := float32(2*shared[i]) / float32(v.nwords[i]+len(seen))
				if dice >= 0.5 && 0.9*dice > s {
					s = 0.9 * dice
				}
			}
			votes[j-i+k-1] += s
			score[i], shared[i] = 0, 0
		}
	}
}

// refine picks among the starts whose votes come near the best the one
// whose lines are most like old's, character by character, and returns its
// index into votes, with the starts found clearly less alike.
func refine(file, old []string, votes []float32, best float32) (int, map[int]bool) {
	k := len(old)
	var cands []int
	for idx, n := range votes {
		if n >= 0.8*best {
			cands = append(cands, idx)
		}
	}
	slices.SortStableFunc(cands, func(a, b int) int { return cmp.Compare(votes[b], votes[a]) })
	cands = cands[:min(len(cands), voteCandidates)]
	if len(cands) == 1 || k > voteRefineMax {
		return cands[0], nil
	}
	sums := make([]float32, len(cands))
	chosen := 0
	for c, idx := range cands {
		start := idx - (k - 1)
		for i, o := range old {
			if j := start + i; j >= 0 && j < len(file) {
				sums[c] += similarity(o, file[j])
			}
		}
		if sums[c] > sums[chosen] || sums[c] == sums[chosen] && idx < cands[chosen] {
			chosen = c
		}
	}
	unlike := map[int]bool{}
	for c, idx := range cands {
		if sums[c] < 0.9*sums[chosen] {
			unlike[idx] = true
		}
	}
	return cands[chosen], unlike
}

// similarity is 1 for lines equal but for surrounding whitespace, falling
// to 0 as their edit distance grows to half their length.
func similarity(a, b string) float32 {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == b {
		return 1
	}
	a, b = CutRunes(a, voteRefineLen), CutRunes(b, voteRefineLen)
	n := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	d := Distance(a, b, n/2)
	if d > n/2 {
		return 0
	}
	return 1 - float32(d)/float32(n)
}

// eachWord calls f with each run of letters, digits and underscores in s.
func eachWord(s string, f func(string)) {
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		size, word := 1, false
		if c < utf8.RuneSelf {
			word = c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			word = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			f(s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		f(s[start:])
	}
}
