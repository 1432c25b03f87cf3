package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
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
	data, err := os.ReadFile(j.indexPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) < len(indexHeader)+4 || string(data[:len(indexHeader)]) != indexHeader {
		return nil, errBadIndex
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, castagnoli()) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, errBadIndex
	}
	r := bufio.NewReader(bytes.NewReader(body[len(indexHeader):]))
	out := map[string]entry{}
	for {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return out, nil // the end
		}
		if n > 1<<16 {
			return nil, errBadIndex
		}
		p := make([]byte, n)
		var e entry
		var mode uint64
		_, err1 := io.ReadFull(r, p)
		e.size, _ = binary.ReadVarint(r)
		e.mtime, _ = binary.ReadVarint(r)
		e.ctime, _ = binary.ReadVarint(r)
		e.ino, _ = binary.ReadUvarint(r)
		mode, err = binary.ReadUvarint(r)
		_, err2 := io.ReadFull(r, e.hash[:])
		if err1 != nil || err != nil || err2 != nil {
			return nil, errBadIndex
		}
		e.mode = fs.FileMode(mode)
		e.flags = captured
		out[string(p)] = e
	}
}
