package checkpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io/fs"
	"sync"
	"time"
)

// Change is what happened to one path in a checkpoint.
type Change string

const (
	Added    Change = "added"
	Modified Change = "modified" // the content changed (and maybe the mode)
	Deleted  Change = "deleted"
	ModeOnly Change = "mode" // only the permission bits changed
)

// Type is what a path is.
type Type string

const (
	File Type = "file"
	Dir  Type = "dir"
	Link Type = "link" // a symlink; its content is the target
)

// State is a path as the journal saw it at one moment.
type State struct {
	Type Type        `json:"type"`
	Hash Hash        `json:"hash,omitzero"` // of the content (a link's: its target); zero for a directory
	Size int64       `json:"size,omitempty"`
	Mode fs.FileMode `json:"mode"` // permission bits only
}

func (s *State) same(o *State) bool {
	if s == nil || o == nil {
		return s == o
	}
	return *s == *o
}

// FileChange is one path's change in a checkpoint: its state before
// (nil when it was added) and after (nil when it was deleted).
type FileChange struct {
	Path   string `json:"path"` // workspace-relative, slash-separated
	Change Change `json:"change"`
	Before *State `json:"before,omitempty"`
	After  *State `json:"after,omitempty"`
}

// Uncovered names a path whose change the checkpoint does not hold, and
// why: an ignored directory or file, a file over the size cap, a content
// that could not be read.
type Uncovered struct {
	Path string `json:"path"`
	Why  string `json:"why"`
}

// Checkpoint is one recorded change of the workspace: a tool call's.
type Checkpoint struct {
	ID        int64        `json:"id"`
	Time      time.Time    `json:"time"`
	Tool      string       `json:"tool"`
	Summary   string       `json:"summary"` // the path or command, as the tool was given it
	Files     []FileChange `json:"files"`
	Uncovered []Uncovered  `json:"uncovered,omitempty"`
	Note      string       `json:"note,omitempty"`
	Undoes    int64        `json:"undoes,omitempty"` // for an undo: the first checkpoint it undid
}

// record is one line of the journal. An intent is an undo about to be
// applied: if no checkpoint with its id follows, the undo was cut short
// and Open completes it.
type record struct {
	Kind string      `json:"k"` // "cp" or "intent"
	CP   *Checkpoint `json:"cp"`
}

// encodeRecord returns the journal line for r: a CRC-32C of the JSON,
// in hex, a space, the JSON, a newline. A line cut short by a crash, or
// changed on disk, fails its checksum and is skipped.
func encodeRecord(r record) ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	line := make([]byte, 0, len(js)+10)
	line = fmt.Appendf(line, "%08x ", crc32.Checksum(js, castagnoli()))
	line = append(line, js...)
	return append(line, '\n'), nil
}

// castagnoli is the CRC-32C table, made on first use: making it at package
// init cost every server's start 1.3M instructions.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// decodeRecord parses one journal line without its newline.
func decodeRecord(line []byte) (record, error) {
	var r record
	sum, js, ok := bytes.Cut(line, []byte(" "))
	if !ok || len(sum) != 8 {
		return r, errBadLine
	}
	var want uint32
	if _, err := fmt.Sscanf(string(sum), "%08x", &want); err != nil || crc32.Checksum(js, castagnoli()) != want {
		return r, errBadLine
	}
	if err := json.Unmarshal(js, &r); err != nil || r.CP == nil || (r.Kind != "cp" && r.Kind != "intent") {
		return r, errBadLine
	}
	return r, nil
}

var errBadLine = fmt.Errorf("a journal line fails its checksum")
