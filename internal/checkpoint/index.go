package checkpoint

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentbox/agentbox/internal/workspace"
)

// entry is what the index knows of a file or symlink: enough of its stat to
// tell that it changed (size, times, inode, mode), and the hash of its
// content in the store. It is kept small: the index holds one per tracked
// file, and a 50,000-file tree must fit in a few megabytes.
type entry struct {
	size  int64
	mtime int64 // nanoseconds
	ctime int64
	ino   uint64
	mode  fs.FileMode // type and permission bits
	hash  Hash        // zero until the content is in the store
	flags uint8
}

const (
	captured uint8 = 1 << iota // hash names the content, which the store holds
	tooLarge                   // over the size cap: never stored
	racy                       // changed so recently that another change in the same clock tick would keep its stat: compare the content next time
)

// racyWindow is longer than any file system's timestamp granularity that
// matters here (Linux's coarse clock ticks every 1 to 10 ms).
const racyWindow = 50 * time.Millisecond

// markRacy flags an entry whose file changed within racyWindow of now.
func (e *entry) markRacy() {
	if time.Now().UnixNano()-e.mtime < int64(racyWindow) {
		e.flags |= racy
	} else {
		e.flags &^= racy
	}
}

func entryOf(fi fs.FileInfo) entry {
	e := entry{size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime().UnixNano()}
	e.ctime, e.ino = statIDs(fi)
	return e
}

// fileID tells one file from another at the same path.
func fileID(fi fs.FileInfo) uint64 { _, id := statIDs(fi); return id }

// sameStat reports whether two stats describe the same file unchanged.
func (e *entry) sameStat(o *entry) bool {
	return e.size == o.size && e.mtime == o.mtime && e.ctime == o.ctime && e.ino == o.ino && e.mode == o.mode
}

// state is the entry as the journal records it; nil if its content is not
// in the store.
func (e *entry) state() *State {
	if e.flags&captured == 0 {
		return nil
	}
	return &State{Type: typeOf(e.mode), Hash: e.hash, Size: e.size, Mode: e.mode.Perm()}
}

func typeOf(m fs.FileMode) Type {
	switch {
	case m.IsDir():
		return Dir
	case m&fs.ModeSymlink != 0:
		return Link
	}
	return File
}

// dirNode is one tracked directory: its files by name and its
// subdirectories.
type dirNode struct {
	mode  fs.FileMode
	files map[string]*entry
	dirs  map[string]struct{}
}

// index is the tracked tree as last seen: every directory, file and
// symlink a scan found, by directory. "" is the workspace root.
type index struct {
	dirs map[string]*dirNode
}

func newIndex() *index {
	return &index{dirs: map[string]*dirNode{"": {mode: fs.ModeDir | 0o755, files: map[string]*entry{}, dirs: map[string]struct{}{}}}}
}

func split(p string) (dir, name string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// file returns the entry of a file or symlink, or nil.
func (x *index) file(p string) *entry {
	dir, name := split(p)
	if d := x.dirs[dir]; d != nil {
		return d.files[name]
	}
	return nil
}

// setFile records a file, making its directories tracked as needed.
func (x *index) setFile(p string, e entry) {
	dir, name := split(p)
	x.ensureDir(dir, 0o755).files[name] = &e
}

func (x *index) ensureDir(p string, mode fs.FileMode) *dirNode {
	if d := x.dirs[p]; d != nil {
		return d
	}
	d := &dirNode{mode: fs.ModeDir | mode.Perm(), files: map[string]*entry{}, dirs: map[string]struct{}{}}
	x.dirs[p] = d
	if p != "" {
		parent, name := split(p)
		x.ensureDir(parent, 0o755).dirs[name] = struct{}{}
	}
	return d
}

// remove forgets p, a file or a directory with all it holds.
func (x *index) remove(p string) {
	dir, name := split(p)
	if d := x.dirs[dir]; d != nil {
		delete(d.files, name)
		delete(d.dirs, name)
	}
	x.removeDir(p)
}

func (x *index) removeDir(p string) {
	d := x.dirs[p]
	if d == nil || p == "" {
		return
	}
	for sub := range d.dirs {
		x.removeDir(join(p, sub))
	}
	delete(x.dirs, p)
}

// count returns how many files and directories the index tracks.
func (x *index) count() (files, dirs int) {
	for _, d := range x.dirs {
		files += len(d.files)
	}
	return files, len(x.dirs)
}

// readContent reads a file's or symlink's content through the workspace's
// root (never following a final symlink) and returns it with the entry it
// was read as. A file over max bytes is not read: its entry is marked
// tooLarge. The stat comes from the open file, so content and stat agree.
func readContent(root *os.Root, p string, max int64) ([]byte, entry, error) {
	fi, err := root.Lstat(p)
	if err != nil {
		return nil, entry{}, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := root.Readlink(p)
		if err != nil {
			return nil, entry{}, err
		}
		e := entryOf(fi)
		return []byte(target), e, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, entry{}, errNotFile
	}
	if fi.Size() > max {
		e := entryOf(fi)
		e.flags |= tooLarge
		return nil, e, nil
	}
	f, err := root.OpenFile(p, openNoFollow, 0)
	if err != nil {
		return nil, entry{}, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, entry{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, entry{}, errNotFile
	}
	e := entryOf(fi)
	e.markRacy()
	if fi.Size() > max {
		e.flags |= tooLarge
		return nil, e, nil
	}
	data, err := workspace.ReadAll(f, max)
	if err != nil {
		return nil, entry{}, err
	}
	if int64(len(data)) > max {
		e.flags |= tooLarge
		return nil, e, nil
	}
	return data, e, nil
}

var errNotFile = errors.New("not a regular file or symlink")

// slash turns a client's or walk's path into the index's form.
func slash(p string) string {
	p = path.Clean("/" + filepath.ToSlash(p))
	return strings.TrimPrefix(p, "/")
}
