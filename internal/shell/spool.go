package shell

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
//
// What is known of the output is therefore its first bytes (those in the
// spool file) and its last (the tail): a byte between them, past the cap or
// after the spool file could not be written (a full disk), is gone, and
// every read says so rather than shift what follows into its place.
type Spool struct {
	mu      sync.Mutex
	spool   *os.File      // open while spooling; nil when done or impossible
	name    string        // the spool file's name, "" if there is none
	spooled int64         // bytes in the spool
	failed  error         // why the spool stopped before its cap, or nil
	total   int64         // bytes written in all
	tail    []byte        // the last TailMax bytes written (a ring)
	tailPos int           // where the next byte goes in tail, once it is full
	line    []byte        // the last complete non-blank line, for progress
	partial []byte        // the line being written
	changed chan struct{} // closed at the next write or at the end; nil until asked for
	ended   bool          // the command has ended: no more output
}

// The bounds of a spool, which BashOutput's description states.
const (
	SpoolMax = 64 << 20 // bytes of one command's output kept on disk
	TailMax  = 64 << 10 // bytes kept in memory from the end
)

// lineMax is how many characters of the last line LastLine returns.
const lineMax = 200

// newSpool collects output into the spool file f. When the file could not
// be made, f is nil and err says why: then only the tail is kept.
func newSpool(f *os.File, err error) *Spool {
	o := &Spool{spool: f, failed: cause(err)}
	if f != nil {
		o.name = f.Name()
	} else if err == nil {
		o.failed = errors.New("no spool file")
	}
	return o
}

// cause strips the file name from a file system error: the spool's path
// is the server's, not for the model.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
			o.failed = cause(err)
		}
	}
	o.total += int64(len(p))
	o.keepTail(p)
	o.keepLine(p)
	o.signal()
	return len(p), nil
}

// signal wakes whoever waits on Changed. The caller holds o.mu.
func (o *Spool) signal() {
	if o.changed != nil {
		close(o.changed)
		o.changed = nil
	}
}

// Changed returns a channel that is closed when more output is written or
// the output ends. Take it before reading, so no write is missed.
func (o *Spool) Changed() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return closedChan
	}
	if o.changed == nil {
		o.changed = make(chan struct{})
	}
	return o.changed
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Ended reports whether the output is complete: its command has ended.
func (o *Spool) Ended() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ended
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

// tailSlice returns a copy of bytes i to j of the tail, in the order
// written. The caller holds o.mu.
func (o *Spool) tailSlice(i, j int) []byte {
	if len(o.tail) < TailMax {
		return bytes.Clone(o.tail[i:j])
	}
	ordered := append(bytes.Clone(o.tail[o.tailPos:]), o.tail[:o.tailPos]...)
	return ordered[i:j]
}

// tailBytes returns the last n bytes written (n <= TailMax). The caller
// holds o.mu.
func (o *Spool) tailBytes(n int) []byte {
	return o.tailSlice(len(o.tail)-n, len(o.tail))
}

// Gap is a part of the output that is not kept: bytes From to To (not
// included).
type Gap struct {
	From, To int64
}

// gap returns the part of the output not kept: between the end of the
// spool file and the start of the tail; From == To when there is none.
// The caller holds o.mu.
func (o *Spool) gap() Gap {
	tailFrom := o.total - int64(len(o.tail))
	if o.spooled >= tailFrom {
		return Gap{tailFrom, tailFrom}
	}
	return Gap{o.spooled, tailFrom}
}

// Failed returns why the output was not all kept up to the spool's cap (a
// full disk, say), or nil when it was. The bytes not kept are those
// between the spool file and the tail, which Cut.Lost and the skipped
// count of a read report.
func (o *Spool) Failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failed
}

// readAt returns up to n bytes of the output from offset off, and the
// offset after them. It reads the spool file, then the tail in memory;
// bytes in neither (past the spool's cap or after it failed, and before
// the tail) are gone: when off falls among them the result starts at the
// first byte known after them and skipped says how many were passed over.
// A read never runs across such a gap: it stops before it.
func (o *Spool) readAt(off int64, n int) (b []byte, next, skipped int64, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if off >= o.total || n <= 0 {
		return nil, min(off, o.total), 0, nil
	}
	tailFrom := o.total - int64(len(o.tail))
	if off < o.spooled {
		f, err := os.Open(o.name)
		if err != nil {
			return nil, off, 0, cause(err)
		}
		defer f.Close()
		b = make([]byte, min(int64(n), o.spooled-off))
		k, err := f.ReadAt(b, off)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, off, 0, cause(err)
		}
		b, off = b[:k], off+int64(k)
		if len(b) == n || off < o.spooled || off < tailFrom {
			return b, off, 0, nil // full, short, or at a gap
		}
	} else if off < tailFrom {
		skipped, off = tailFrom-off, tailFrom
	}
	i := int(off - tailFrom)
	more := o.tailSlice(i, min(len(o.tail), i+n-len(b)))
	return append(b, more...), off + int64(len(more)), skipped, nil
}

// close ends the output and closes the spool file; its content stays
// readable until remove.
func (o *Spool) close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.spool != nil {
		o.spool.Close()
		o.spool = nil
	}
	o.ended = true
	o.signal()
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

// Cut says what a clipped result leaves out.
type Cut struct {
	Next  int64 // where to read on: the first byte left out that is still kept, or -1
	Left  int64 // bytes left out, Lost included
	Total int64 // bytes of output in all
	Lost  Gap   // the bytes left out because they were not kept (see Failed)
}

// Clip renders a command's output so far for a result, and returns the
// offset its text reaches: all of it when it fits in limit bytes and was
// all kept, else its head and tail around a note, which note words from
// the Cut. Only bytes whose place is known are
// shown: when the middle was not kept (see Failed), the head ends where
// the spool file does and the note says which bytes are gone. Leading
// blank lines and trailing white space are trimmed, and invalid UTF-8
// shows as U+FFFD.
func (o *Spool) Clip(limit int, note func(Cut) string) (text string, end int64, cut bool) {
	o.mu.Lock()
	total, lost := o.total, o.gap()
	o.mu.Unlock()
	gone := lost.From < lost.To
	if total <= int64(limit) && !gone {
		b, _, _, err := o.readAt(0, int(total))
		if err != nil {
			return fmt.Sprintf("[output unavailable: %v]", err), total, false
		}
		return tidy(string(b)), total, false
	}
	// The head: up to half the limit from the start, and never past a gap.
	n, known := limit/2, total
	if gone {
		n, known = int(min(int64(n), lost.From)), lost.From
	}
	head, _, _, err := o.readAt(0, n)
	if err != nil {
		return fmt.Sprintf("[output unavailable: %v]", err), total, false
	}
	if int64(len(head)) < known {
		head = cutHead(head)
	}
	// The tail: the rest of the limit from the end, never back past a gap.
	from := int64(len(head))
	if gone {
		from = lost.To
	}
	n = int(min(int64(limit-len(head)), total-from))
	tail, _, _, err := o.readAt(total-int64(n), n)
	if err != nil {
		return fmt.Sprintf("[output unavailable: %v]", err), total, false
	}
	if total-int64(len(tail)) > from {
		tail = cutTail(tail)
	}
	tailFrom := total - int64(len(tail))
	c := Cut{Next: -1, Left: tailFrom - int64(len(head)), Total: total}
	switch {
	case int64(len(head)) < known:
		c.Next = int64(len(head))
	case tailFrom > lost.To:
		c.Next = lost.To
	}
	if gone {
		c.Lost = lost
	}
	text = strings.TrimLeft(tidy(string(head)), "\n")
	if text != "" {
		text += "\n\n"
	}
	return text + note(c) + "\n\n" + strings.TrimRight(strings.ToValidUTF8(string(tail), "\uFFFD"), " \t\r\n"), total, true
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
