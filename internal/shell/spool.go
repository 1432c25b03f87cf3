package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode/utf8"
)

// Spool collects what a command prints. Everything up to SpoolMax bytes
// goes to a spool file in the session's private directory (outside the
// workspace and out of the commands' sight), from which BashOutput pages;
// memory holds only the last TailMax bytes and the last line, so a command
// that prints gigabytes costs a bounded amount of memory and disk.
type Spool struct {
	mu      sync.Mutex
	spool   *os.File // open while spooling; nil when done or impossible
	name    string   // the spool file's name, "" if there is none
	spooled int64    // bytes in the spool
	total   int64    // bytes written in all
	tail    []byte   // the last TailMax bytes written (a ring)
	tailPos int      // where the next byte goes in tail, once it is full
	line    []byte   // the last complete non-blank line, for progress
	partial []byte   // the line being written
}

// The bounds of a spool, which BashOutput's description states.
const (
	SpoolMax = 64 << 20 // bytes of one command's output kept on disk
	TailMax  = 64 << 10 // bytes kept in memory from the end
)

// lineMax is how many characters of the last line LastLine returns.
const lineMax = 200

// newSpool collects output into the spool file f (which may be nil: then
// only the tail is kept).
func newSpool(f *os.File) *Spool {
	o := &Spool{spool: f}
	if f != nil {
		o.name = f.Name()
	}
	return o
}

// Write records p. It never fails: a command must not die because its
// output could not be kept.
func (o *Spool) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.spool != nil && o.spooled == o.total && o.spooled < SpoolMax {
		n, err := o.spool.Write(p[:min(int64(len(p)), SpoolMax-o.spooled)])
		o.spooled += int64(n)
		if err != nil { // a full disk: stop spooling; what is there stays readable
			o.spool.Close()
			o.spool = nil
		}
	}
	o.total += int64(len(p))
	o.keepTail(p)
	o.keepLine(p)
	return len(p), nil
}

func (o *Spool) keepTail(p []byte) {
	if len(p) >= TailMax {
		o.reserve(TailMax)
		o.tail = append(o.tail[:0], p[len(p)-TailMax:]...)
		o.tailPos = 0
		return
	}
	if len(o.tail) < TailMax {
		room := TailMax - len(o.tail)
		o.reserve(len(o.tail) + min(len(p), room))
		if len(p) <= room {
			o.tail = append(o.tail, p...)
			return
		}
		o.tail = append(o.tail, p[:room]...)
		p = p[room:]
	}
	for len(p) > 0 {
		n := copy(o.tail[o.tailPos:], p)
		p = p[n:]
		o.tailPos = (o.tailPos + n) % TailMax
	}
}

// reserve makes room for n bytes of tail, growing it by doubling but never
// past TailMax, so the tail costs at most TailMax bytes of memory (append
// alone would round its capacity up past it).
func (o *Spool) reserve(n int) {
	if n <= cap(o.tail) {
		return
	}
	t := make([]byte, len(o.tail), min(TailMax, max(n, 2*cap(o.tail))))
	copy(t, o.tail)
	o.tail = t
}

func (o *Spool) keepLine(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			if len(o.partial) < lineMax*4 {
				o.partial = append(o.partial, p[:min(len(p), lineMax*4-len(o.partial))]...)
			}
			return
		}
		o.partial = append(o.partial, p[:min(i, max(0, lineMax*4-len(o.partial)))]...)
		if len(bytes.TrimSpace(o.partial)) > 0 {
			o.line = append(o.line[:0], o.partial...)
		}
		o.partial = o.partial[:0]
		p = p[i+1:]
	}
}

// Size returns how many bytes were written.
func (o *Spool) Size() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total
}

// LastLine returns the last non-blank line printed (or the one being
// printed), cut to 200 characters: what progress reports show.
func (o *Spool) LastLine() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.line
	if len(bytes.TrimSpace(o.partial)) > 0 {
		l = o.partial
	}
	return Shorten(strings.TrimSpace(strings.ToValidUTF8(string(l), "\uFFFD")), lineMax)
}

// tailBytes returns the last n bytes written (n <= TailMax). The caller
// holds o.mu.
func (o *Spool) tailBytes(n int) []byte {
	if len(o.tail) < TailMax {
		return bytes.Clone(o.tail[max(0, len(o.tail)-n):])
	}
	ordered := append(bytes.Clone(o.tail[o.tailPos:]), o.tail[:o.tailPos]...)
	return ordered[len(ordered)-n:]
}

// errGone reports output that was not kept (past the spool's cap and
// before the tail held in memory).
var errGone = errors.New("output not kept")

// readAt returns up to n bytes of the output from offset off, and the
// offset after them. Bytes past the spool's cap are served from the tail
// in memory while they are there; before that they are gone: the result
// then starts at the first byte still known, and skipped says how many
// bytes were passed over.
func (o *Spool) readAt(off int64, n int) (b []byte, next, skipped int64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if off >= o.total {
		return nil, o.total, 0, nil
	}
	if off < o.spooled {
		f, err := os.Open(o.name)
		if err != nil {
			return nil, off, 0, err
		}
		defer f.Close()
		b = make([]byte, min(int64(n), o.spooled-off))
		k, err := f.ReadAt(b, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, off, 0, err
		}
		return b[:k], off + int64(k), 0, nil
	}
	inMemory := int64(len(o.tail))
	start := o.total - inMemory
	if off < start {
		skipped = start - off
		off = start
	}
	all := o.tailBytes(int(inMemory))
	b = all[off-start : min(int64(len(all)), off-start+int64(n))]
	return b, off + int64(len(b)), skipped, nil
}

// close closes the spool file; its content stays readable until remove.
func (o *Spool) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.spool != nil {
		o.spool.Close()
		o.spool = nil
	}
}

// remove deletes the spool.
func (o *Spool) remove() {
	o.close()
	o.mu.Lock()
	name := o.name
	o.name, o.spooled = "", 0
	o.mu.Unlock()
	if name != "" {
		os.Remove(name)
	}
}

// Shorten cuts s to at most n runes, marking the cut with "…".
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Clip renders a command's whole output for a result: all of it when it
// fits in max bytes, else its head and tail around a note of what was left
// out, which note(next, left, total) words: the head ends at offset next,
// left bytes are left out, and the output is total bytes in all. Leading
// blank lines and trailing white space are trimmed, and invalid UTF-8
// shows as U+FFFD.
func (o *Spool) Clip(max int, note func(next, left, total int64) string) (text string, cut bool) {
	total := o.Size()
	if total <= int64(max) {
		b, _, _, err := o.readAt(0, int(total))
		if err != nil {
			return fmt.Sprintf("[output unavailable: %v]", err), false
		}
		return tidy(string(b)), false
	}
	half := max / 2
	head, _, _, err := o.readAt(0, half)
	if err != nil {
		return fmt.Sprintf("[output unavailable: %v]", err), false
	}
	head = cutHead(head)
	o.mu.Lock()
	tail := cutTail(o.tailBytes(min(half, len(o.tail))))
	o.mu.Unlock()
	left := total - int64(len(head)) - int64(len(tail))
	middle := "\n\n" + note(int64(len(head)), left, total) + "\n\n"
	return strings.TrimLeft(tidy(string(head)), "\n") + middle + strings.TrimRight(strings.ToValidUTF8(string(tail), "\uFFFD"), " \t\r\n"), true
}

// tidy trims leading blank lines and trailing white space, and makes the
// text valid UTF-8.
func tidy(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.TrimRight(s, " \t\r\n")
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 || strings.TrimSpace(s[:i]) != "" {
			return s
		}
		s = s[i+1:]
	}
}

// cutHead ends b at a line break when one is near its end, else at a rune
// boundary.
func cutHead(b []byte) []byte {
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 && len(b)-i < 2000 {
		return b[:i+1]
	}
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// cutTail starts b after a line break when one is near its start, else at
// a rune boundary.
func cutTail(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i < 2000 {
		return b[i+1:]
	}
	for len(b) > 0 && !utf8.RuneStart(b[0]) {
		b = b[1:]
	}
	return b
}
