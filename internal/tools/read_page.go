package tools

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/agentbox/agentbox/internal/textedit"
)

// page is the part of a file one Read shows, with what the scan learned
// about the rest.
type page struct {
	text     strings.Builder
	last     int    // the last line shown; first-1 if none
	total    int    // lines in the file, when complete
	complete bool   // the scan reached the end of the file
	capped   bool   // output stopped at readMaxOutput before the window ended
	crlf     int    // lines that end in CRLF
	lf       int    // lines that end in LF alone
	badUTF8  int    // first line holding invalid UTF-8, 0 if none
	bytes    int64  // bytes scanned
	sum      uint64 // contentHash of the bytes scanned
}

func (p *page) render(name string, first int) string {
	var notes []string
	switch {
	case p.last < first && p.complete:
		return fmt.Sprintf("[%s has %s; offset %d is past the end. Call Read with a smaller offset.]", name, plural(p.total, "line"), first)
	case p.capped:
		notes = append(notes, fmt.Sprintf("[Showing lines %d-%d%s: one result holds at most %s characters. Call Read with offset=%d to continue.]",
			first, p.last, p.ofTotal(), english.Sprintf("%d", resultMax), p.last+1))
	case !p.complete || p.last < p.total:
		notes = append(notes, fmt.Sprintf("[Showing lines %d-%d%s. Call Read with offset=%d to continue.]",
			first, p.last, p.ofTotal(), p.last+1))
	}
	if p.crlf > 0 && p.crlf >= p.lf {
		notes = append(notes, "[This file has CRLF line endings. Edit keeps them: write plain \\n in old_string and new_string.]")
	}
	if p.badUTF8 > 0 {
		notes = append(notes, fmt.Sprintf("[This file is not valid UTF-8 (first at line %d): undecodable bytes show as U+FFFD. Edit refuses to change it; convert it with Bash (iconv) first, or replace it whole with Write.]", p.badUTF8))
	}
	out := strings.TrimSuffix(p.text.String(), "\n")
	if len(notes) > 0 {
		out += "\n\n" + strings.Join(notes, "\n")
	}
	return out
}

func (p *page) ofTotal() string {
	if p.complete {
		return fmt.Sprintf(" of %d", p.total)
	}
	return ""
}

// scanPage reads r line by line and keeps lines first..first+count-1 in
// Read's format. With whole set it reads on to the end, counting lines and
// hashing the content, so the page knows the file's length and the session
// can recognise the file later; otherwise it stops after the window.
// Memory stays bounded by the window, whatever the file's size.
//
// size is the file's size, if known: the page's text is made that large
// (and a little larger, for the line numbers) at once, rather than grown
// by doubling.
func scanPage(ctx context.Context, r io.Reader, size int64, first, count int, whole bool) (*page, error) {
	p := &page{last: first - 1}
	if size > 0 {
		p.text.Grow(int(min(size+size/8+64, readMaxOutput+64)))
	}
	var h maphash.Hash
	h.SetSeed(contentSeed)
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	end := first + count - 1
	var (
		line   []byte // the kept head of the current line
		runes  int    // characters in the current line
		length int    // bytes in the current line
		n      int    // line number
	)
	keep := readMaxLineLen*utf8.UTFMax + 1
	for {
		chunk, err := br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) && !errors.Is(err, io.EOF) {
			return nil, err
		}
		h.Write(chunk)
		p.bytes += int64(len(chunk))
		inWindow := n+1 >= first && n+1 <= end && !p.capped
		if inWindow && len(line) < keep {
			line = append(line, chunk[:min(len(chunk), keep-len(line))]...)
		}
		if inWindow && length+len(chunk) > readMaxLineLen {
			// Long enough to be cut: count characters. Until then bytes
			// stand in for them (no more than the bytes), and the bytes
			// before this chunk are all in line.
			if length > 0 && length <= readMaxLineLen {
				runes = runeStarts(line[:length])
			}
			runes += runeStarts(chunk)
		} else {
			runes += len(chunk)
		}
		length += len(chunk)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if length > 0 {
			n++
			if len(line) == keep {
				line = trimPartialRune(line) // the head of a longer line may end inside a character
			}
			valid := p.classify(n, line, chunk, inWindow)
			if inWindow {
				chars := runes - (len(chunk) - len(trimEOL(chunk))) // the line ending is in its last chunk
				p.add(n, line, chars, valid)
			}
			line, runes, length = line[:0], 0, 0
		}
		if errors.Is(err, io.EOF) {
			p.complete, p.total = true, n
			break
		}
		if n >= end && !whole {
			break
		}
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	p.sum = h.Sum64()
	return p, nil
}

// classify notes the line ending and encoding of line n, whose last chunk
// is tail, and reports whether its kept head is valid UTF-8 (in the
// window; outside it, true).
func (p *page) classify(n int, head, tail []byte, inWindow bool) (valid bool) {
	switch {
	case bytes.HasSuffix(tail, []byte("\r\n")):
		p.crlf++
	case bytes.HasSuffix(tail, []byte("\n")):
		p.lf++
	}
	valid = !inWindow || utf8.Valid(trimEOL(head))
	if p.badUTF8 == 0 && !valid {
		p.badUTF8 = n
	}
	return valid
}

// add appends line n, of chars characters, to the page unless the output
// cap is reached; valid says whether line is valid UTF-8.
func (p *page) add(n int, line []byte, chars int, valid bool) {
	text := trimEOL(line)
	var cut string
	if chars > readMaxLineLen || !valid {
		shown := strings.ToValidUTF8(string(text), "\uFFFD")
		if !valid {
			// Stray continuation bytes start no character but show as
			// U+FFFD: count what is shown, so that it is cut too.
			chars = max(chars, utf8.RuneCountInString(shown))
		}
		if chars > readMaxLineLen {
			shown = textedit.CutRunes(shown, readMaxLineLen)
			cut = fmt.Sprintf(" … [line cut: %d characters in all]", chars)
		}
		text = []byte(shown)
	}
	if p.text.Len()+len(text)+len(cut) > readMaxOutput && p.text.Len() > 0 {
		p.capped = true
		return
	}
	var num [20]byte
	p.text.Write(strconv.AppendInt(num[:0], int64(n), 10))
	p.text.WriteByte('\t')
	p.text.Write(text)
	p.text.WriteString(cut)
	p.text.WriteByte('\n')
	p.last = n
}

// runeStarts counts the characters in b by the bytes that start one, so
// that a character split between two chunks of a line counts once.
func runeStarts(b []byte) int {
	n := 0
	for _, c := range b {
		if utf8.RuneStart(c) {
			n++
		}
	}
	return n
}

// trimPartialRune drops an incomplete character from the end of b.
func trimPartialRune(b []byte) []byte {
	for k := 1; k <= min(utf8.UTFMax, len(b)); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			break
		}
	}
	return b
}

// readers are scanPage's buffered readers: a new 64 KB buffer for each
// Read was more than the text of most files it reads.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
	}
	return b
}
