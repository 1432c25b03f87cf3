package tools

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const voteMaxTokens = 64 // words of one line that count in a vote

// vote finds where in file the lines of old most likely belong, in one pass
// over the file: each file line votes for the start old would have if it
// were old's line i, with weight 1 when they are equal but for surrounding
// whitespace, or by how many words they share. The start with most votes
// wins; also lists other starts almost as good, as 1-based lines. ok is
// false when nothing in the file resembles old.
func vote(file, old []string) (start int, ok bool, also []int) {
	k := len(old)
	eq := map[string][]int{}    // trimmed old line -> its indexes
	words := map[string][]int{} // word -> old lines holding it
	nwords := make([]int, k)
	nonBlank := 0
	var seen []string
	for i, line := range old {
		key := strings.TrimSpace(line)
		if key == "" {
			continue
		}
		nonBlank++
		eq[key] = append(eq[key], i)
		seen = seen[:0]
		eachWord(key, func(w string) {
			if !slices.Contains(seen, w) {
				seen = append(seen, w)
				words[w] = append(words[w], i)
				nwords[i]++
			}
		})
	}
	if nonBlank == 0 {
		return 0, false, nil
	}

	votes := make([]float32, len(file)+k) // votes[j-i+k-1]: start j-i
	score := make([]float32, k)
	shared := make([]int, k)
	mark := make([]int, k)
	var touched []int
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
		if is, found := eq[key]; found {
			w := float32(1)
			if len(key) < 3 && nonBlank > 1 {
				w = 0.3 // "}" and the like say little about where old belongs
			}
			for _, i := range is {
				score[i] = w
				touch(i, j)
			}
		}
		seen = seen[:0]
		eachWord(key, func(w string) {
			if slices.Contains(seen, w) || len(seen) == voteMaxTokens {
				return
			}
			seen = append(seen, w)
			for _, i := range words[w] {
				shared[i]++
				touch(i, j)
			}
		})
		for _, i := range touched {
			s := score[i]
			if shared[i] > 0 {
				dice := float32(2*shared[i]) / float32(nwords[i]+len(seen))
				if dice >= 0.5 && 0.9*dice > s {
					s = 0.9 * dice
				}
			}
			votes[j-i+k-1] += s
			score[i], shared[i] = 0, 0
		}
	}

	best := 0
	for idx, v := range votes {
		if v > votes[best] {
			best = idx
		}
	}
	if votes[best] < max(0.4, 0.25*float32(nonBlank)) {
		return 0, false, nil
	}
	for idx, v := range votes {
		if idx != best && v >= 0.95*votes[best] {
			also = append(also, max(idx-(k-1), 0)+1)
		}
	}
	return best - (k - 1), true, also
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
