package textedit

import (
	"bytes"
	"slices"
	"strings"
)

// textView is a file's text as Edit matches against it: without a UTF-8
// byte-order mark, with each CRLF read as LF and, when quotes are folded,
// curly quotes read as straight ones. The view is shorter than the file
// wherever it read several bytes as one; at and extra record where, so a
// match in the view maps back to the file's own bytes and the rest of the
// file is never rewritten.
type textView struct {
	text  string
	base  int   // bytes of the file before the view starts (its BOM)
	at    []int // view offsets of characters the file spells with more bytes
	extra []int // extra[k]: file bytes beyond the view up to and including at[k]
}

// UTF8BOM is the UTF-8 byte-order mark, which Find reads past.
const UTF8BOM = "\xef\xbb\xbf"

// newView reads content as Edit sees it; fold also reads ‘ ’ as ' and
// “ ” as ".
func newView(content []byte, fold bool) *textView {
	v := &textView{}
	if strings.HasPrefix(string(content), UTF8BOM) {
		v.base = len(UTF8BOM)
	}
	body := content[v.base:]
	if bytes.IndexByte(body, '\r') < 0 && (!fold || !bytes.ContainsAny(body, "‘’“”")) {
		v.text = string(body)
		return v
	}
	var b strings.Builder
	b.Grow(len(body))
	total := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\r' && i+1 < len(body) && body[i+1] == '\n':
			total++
			v.at, v.extra = append(v.at, b.Len()), append(v.extra, total)
		case fold && c == 0xe2 && i+2 < len(body) && body[i+1] == 0x80 && body[i+2] >= 0x98 && body[i+2] <= 0x9d:
			r := straightQuote(rune(0x2000 | rune(body[i+2]-0x80)))
			if r == 0 {
				b.WriteByte(c)
				continue
			}
			total += 2
			v.at, v.extra = append(v.at, b.Len()), append(v.extra, total)
			b.WriteByte(byte(r))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	v.text = b.String()
	return v
}

// orig returns the file offset of view offset i. A match that starts on a
// character the file spells longer (the LF of a CRLF) starts at its first
// byte; one that ends just before it leaves it whole.
func (v *textView) orig(i int) int {
	k, _ := slices.BinarySearch(v.at, i) // at[:k] < i
	if k == 0 {
		return v.base + i
	}
	return v.base + i + v.extra[k-1]
}

// straightQuote returns the straight quote a curly one reads as, or 0.
func straightQuote(r rune) rune {
	switch r {
	case '‘', '’':
		return '\''
	case '“', '”':
		return '"'
	}
	return 0
}

// foldQuotes reads curly quotes in s as straight ones.
func foldQuotes(s string) string {
	return strings.Map(func(r rune) rune {
		if q := straightQuote(r); q != 0 {
			return q
		}
		return r
	}, s)
}

// NormalizeEOL reads CRLF as LF, as Find does: old_string and new_string
// pass through it before Find and Replace.
func NormalizeEOL(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
