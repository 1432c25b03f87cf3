package shell

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"time"
)

// filterScanMax bounds how much output one filtered Page looks through,
// filterChunk bytes at a time.
const (
	filterScanMax = 8 << 20
	filterChunk   = 256 << 10
)

// Page reads the output from offset from: up to max bytes ending at a line
// break when one is near (or where the kept output stops), or, with a filter re, the lines that match until
// the page is full or filterScanMax bytes were looked through. It returns
// the text, the offset to read on from, and how many bytes were no longer
// kept (see readAt).
func (o *Spool) Page(from int64, max int, re *regexp.Regexp) (text string, next, skipped int64, err error) {
	if re == nil {
		b, next, skipped, err := o.readAt(from, max)
		if err != nil {
			return "", from, 0, err
		}
		if len(b) == max && next < o.Size() { // a full page: end it at a line break
			if cut := cutHead(b); len(cut) > 0 {
				b = cut
			}
			next = from + skipped + int64(len(b))
		}
		return strings.ToValidUTF8(string(b), "\uFFFD"), next, skipped, nil
	}
	var out bytes.Buffer
	pos, scanned := from, int64(0)
	for scanned < filterScanMax {
		b, end, skip, err := o.readAt(pos, filterChunk)
		if err != nil {
			return "", pos, skipped, err
		}
		skipped += skip
		pos += skip
		if len(b) == 0 {
			break
		}
		// An unfinished last line is a line only once the output has
		// ended; one longer than a whole chunk is taken a chunk at a time.
		ended := o.Ended()
		last := ended && end >= o.Size()
		whole := len(b) == filterChunk
		for first := true; len(b) > 0; first = false {
			i := bytes.IndexByte(b, '\n')
			if i < 0 && !last && !(whole && first) {
				break // read it whole next time
			}
			line := b
			if i >= 0 {
				line = b[:i+1]
			}
			if re.Match(bytes.TrimRight(line, "\r\n")) {
				if out.Len()+len(line) > max {
					return strings.ToValidUTF8(out.String(), "\uFFFD"), pos, skipped, nil
				}
				out.Write(line)
			}
			pos += int64(len(line))
			scanned += int64(len(line))
			b = b[len(line):]
		}
		if len(b) > 0 || last {
			break
		}
	}
	return strings.TrimRight(strings.ToValidUTF8(out.String(), "\uFFFD"), "\n"), pos, skipped, nil
}

// Read returns the job's output from offset from, as Page does. When there
// is nothing to return yet (no new output, or none that matches re) and
// wait is positive, it waits for some, and returns as soon as there is,
// the job ends, wait passes or ctx ends.
func (j *Job) Read(ctx context.Context, from int64, max int, re *regexp.Regexp, wait time.Duration) (text string, next, skipped int64, err error) {
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	next = from
	for {
		// Taken before reading, so that a write after the read wakes us;
		// and when the output had ended before the read, the read saw it all.
		changed, ended := j.out.Changed(), j.out.Ended()
		var skip int64
		text, next, skip, err = j.out.Page(next, max, re)
		skipped += skip
		if err != nil || text != "" || ended || wait <= 0 {
			return text, next, skipped, err
		}
		select {
		case <-changed:
		case <-timeout:
			return text, next, skipped, nil
		case <-ctx.Done():
			return text, next, skipped, nil
		}
	}
}
