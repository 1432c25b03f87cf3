package textedit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLineLen is how many characters of a line Read shows before it cuts
// the line; Show and the not-found diagnosis cut lines the same way.
const MaxLineLen = 2000

// splitLines splits text into lines, without a last empty one after a final
// line break.
func splitLines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// lineNumbers returns the 1-based line of each offset in text, for sorted
// offsets, counting the line breaks once.
func lineNumbers(text string, offsets []int) []int {
	lines := make([]int, len(offsets))
	line, from := 1, 0
	for k, p := range offsets {
		line += strings.Count(text[from:p], "\n")
		from = p
		lines[k] = line
	}
	return lines
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

// CutRunes returns the first n characters of s.
func CutRunes(s string, n int) string {
	i := 0
	for range n {
		if i >= len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// numbered formats lines of text in Read's style, the first numbered from,
// cutting lines over MaxLineLen characters.
func numbered(text string, from int) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if utf8.RuneCountInString(line) > MaxLineLen {
			line = CutRunes(line, MaxLineLen) + " … [line cut]"
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(from + i))
		b.WriteByte('\t')
		b.WriteString(line)
	}
	return b.String()
}

// Distance is the edit distance between a and b counting a swap of two
// neighbouring letters as one edit (optimal string alignment), or limit+1
// once it is known to exceed limit.
func Distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	rows := [3][]int{make([]int, len(rb)+1), make([]int, len(rb)+1), make([]int, len(rb)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		pp, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		rows[0], rows[1], rows[2] = prev, cur, pp
	}
	return rows[1][len(rb)]
}

// plural returns "1 line" or "3 lines".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
