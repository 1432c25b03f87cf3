package shell

import (
	"bytes"
	"regexp"
	"strings"
)

// filterScanMax bounds how much output one filtered Page looks through.
const filterScanMax = 8 << 20

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
		b, end, skip, err := o.readAt(pos, 256<<10)
		if err != nil {
			return "", pos, skipped, err
		}
		skipped += skip
		pos += skip
		if len(b) == 0 {
			break
		}
		last := end >= o.Size()
		for len(b) > 0 {
			i := bytes.IndexByte(b, '\n')
			if i < 0 && !last {
				break // an unfinished line: read it whole next time
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
		if last || end == pos && len(b) > 0 {
			break
		}
	}
	return strings.TrimRight(strings.ToValidUTF8(out.String(), "\uFFFD"), "\n"), pos, skipped, nil
}
