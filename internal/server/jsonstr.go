package server

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
	"unsafe"
)

// appendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it (HTML characters escaped, invalid UTF-8 as
// U+FFFD, U+2028 and U+2029 escaped), eight bytes at a time where none
// needs escaping. encoding/json goes byte by byte: escaping the text of a
// 1,000-line Read was a quarter of the Read's instructions.
// FuzzAppendJSONString holds the two equal.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// The string's bytes, to read eight at a time; never written.
	bs := unsafe.Slice(unsafe.StringData(s), len(s))
	start := 0 // s[start:i] is safe and not yet appended
	i := 0
	for i < len(s) {
		if i+8 <= len(s) {
			if m := specialBytes(binary.LittleEndian.Uint64(bs[i:])); m == 0 {
				i += 8
				continue
			} else {
				i += bits.TrailingZeros64(m) / 8 // the first special byte: no borrow reaches below it
			}
		}
		b := s[i]
		if b < utf8.RuneSelf && safeJSON[b] {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		if b < utf8.RuneSelf {
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default: // other control characters, and <, >, &
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// specialBytes marks, in the high bit of each byte, the bytes of x (eight
// bytes of a string) that a JSON string may not hold as they are: control
// characters, '"', '\\', the HTML characters <, > and &, and every byte of
// a multi-byte character. A mark may be wrong only above a right one, so
// the lowest marks the first such byte.
func specialBytes(x uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		high  = 0x8080808080808080
		quote = ones * '"'
		slash = ones * '\\'
		lt    = ones * '<'
		gt    = ones * '>'
		amp   = ones * '&'
	)
	q, sl, l, g, a := x^quote, x^slash, x^lt, x^gt, x^amp
	return ((x-ones*0x20)&^x |
		(q-ones)&^q | (sl-ones)&^sl |
		(l-ones)&^l | (g-ones)&^g | (a-ones)&^a |
		x) & high
}

// safeJSON are the ASCII bytes a JSON string holds as they are, with HTML
// characters escaped (encoding/json's htmlSafeSet).
var safeJSON = func() (set [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		set[b] = true
	}
	for _, b := range `"\<>&` {
		set[b] = false
	}
	return set
}()
