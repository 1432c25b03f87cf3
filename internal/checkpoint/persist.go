package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
)

// The index is saved when a live journal closes and when its first
// snapshot is done, so that the next server on the workspace need not read
// every file again: a file whose stat is as saved, and whose content the
// store still holds, is taken as it was. The format is a header line, then
// per file its path and entry as varints and the hash, then a CRC-32C of
// all before it. A file that fails its checksum is ignored.
const indexHeader = "agentbox checkpoint index 1\n"

func (j *Journal) indexPath() string { return filepath.Join(j.opts.Dir, "index") }

// encodeIndex returns the index's captured files in the saved format. The
// caller holds j.mu.
func (j *Journal) encodeIndex() []byte {
	var b bytes.Buffer
	b.WriteString(indexHeader)
	var tmp [binary.MaxVarintLen64]byte
	uv := func(v uint64) { b.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }
	sv := func(v int64) { b.Write(tmp[:binary.PutVarint(tmp[:], v)]) }
	for dir, d := range j.idx.dirs {
		for name, e := range d.files {
			if e.flags&captured == 0 || e.flags&racy != 0 {
				continue
			}
			p := join(dir, name)
			uv(uint64(len(p)))
			b.WriteString(p)
			sv(e.size)
			sv(e.mtime)
			sv(e.ctime)
			uv(e.ino)
			uv(uint64(e.mode))
			b.Write(e.hash[:])
		}
	}
	sum := crc32.Checksum(b.Bytes(), castagnoli())
	binary.Write(&b, binary.LittleEndian, sum)
	return b.Bytes()
}

// saveIndex writes data (from encodeIndex) to the index file.
func (j *Journal) saveIndex(data []byte) error { return writeAtomic(j.indexPath(), data) }

var errBadIndex = errors.New("the saved index is damaged")

// loadIndex reads the saved index: each file's entry by path.
func (j *Journal) loadIndex() (map[string]entry, error) {
	out := map[string]entry{}
	if err := j.eachSaved(func(p []byte, e entry) { out[string(p)] = e }); err != nil {
		return nil, err
	}
	return out, nil
}

// eachSaved calls f with each file of the saved index, once the whole
// file's checksum holds: f sees nothing of a damaged index. p is valid
// only during the call. A missing index has no files.
func (j *Journal) eachSaved(f func(p []byte, e entry)) error {
	data, err := os.ReadFile(j.indexPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(data) < len(indexHeader)+4 || string(data[:len(indexHeader)]) != indexHeader {
		return errBadIndex
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli()) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return errBadIndex
	}
	body = body[len(indexHeader):]
	bad := false
	uv := func() uint64 {
		v, k := binary.Uvarint(body)
		if k <= 0 {
			bad = true
			return 0
		}
		body = body[k:]
		return v
	}
	sv := func() int64 {
		v, k := binary.Varint(body)
		if k <= 0 {
			bad = true
			return 0
		}
		body = body[k:]
		return v
	}
	for len(body) > 0 {
		n := uv()
		if bad || n > 1<<16 || n > uint64(len(body)) {
			return errBadIndex
		}
		p := body[:n]
		body = body[n:]
		e := entry{flags: captured}
		e.size, e.mtime, e.ctime = sv(), sv(), sv()
		e.ino, e.mode = uv(), fs.FileMode(uv())
		if bad || len(body) < len(e.hash) {
			return errBadIndex
		}
		body = body[copy(e.hash[:], body):]
		f(p, e)
	}
	return nil
}
