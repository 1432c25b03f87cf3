package workspace

import (
	"io"
	"os"
)

// ReadAll reads the open file f to its end, but at most limit+1 bytes, so
// that a caller can tell a file over limit (len > limit) without reading
// all of it. Its one buffer is sized by the file's stat: io.ReadAll
// starts at 512 bytes and grows, which for a 200 KB source file is a dozen
// allocations, copies and reads, and garbage the server's every Edit
// paid for three times over.
func ReadAll(f *os.File, limit int64) ([]byte, error) {
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	// One byte over: reading into it finds the end (or a file that grew
	// since the stat) without another buffer.
	b := make([]byte, 0, min(max(size, 0), limit)+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case int64(len(b)) > limit:
			return b, nil
		case len(b) == cap(b):
			b = append(b, 0)[:len(b)] // it grew: let append choose the room
		}
	}
}
