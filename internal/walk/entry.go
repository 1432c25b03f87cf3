package walk

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// Entry is a file found by the walk. It is valid only during the visit call
// that receives it.
type Entry struct {
	Path string // workspace-relative slash path
	Rel  string // Path relative to Options.Start
	Link bool   // a symlink resolving to a regular file inside the workspace
	name string
	dir  *handle
	w    *walker
}

// Name returns the file's name.
func (e *Entry) Name() string { return e.name }

// Open opens the file for reading and returns it with its info. Anything
// but a regular file (a FIFO or device swapped in since the directory was
// read) is refused, so a reader can never block or read forever.
func (e *Entry) Open() (*os.File, fs.FileInfo, error) {
	var f *os.File
	var err error
	if e.Link {
		f, err = e.w.root.OpenFile(e.Path, os.O_RDONLY|nonblock, 0)
	} else {
		f, err = e.dir.dir.open(e.name)
	}
	if err != nil {
		return nil, nil, e.w.pathErr("open", e.Path, err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = errNotRegular
		}
		return nil, nil, e.w.pathErr("open", e.Path, err)
	}
	return f, fi, nil
}

var errNotRegular = errors.New("not a regular file")

const nonblock = syscall.O_NONBLOCK

var errNotDir = syscall.ENOTDIR

// Info returns the file's info; for a link, its target's.
func (e *Entry) Info() (fs.FileInfo, error) {
	var fi fs.FileInfo
	var err error
	if e.Link {
		fi, err = e.w.root.Stat(e.Path)
	} else {
		fi, err = e.dir.dir.lstat(e.name)
	}
	if err != nil {
		return nil, e.w.pathErr("stat", e.Path, err)
	}
	return fi, nil
}

// ModTime returns the file's modification time (for a link, its
// target's): Info without the rest.
func (e *Entry) ModTime() (time.Time, error) {
	if e.Link {
		fi, err := e.Info()
		if err != nil {
			return time.Time{}, err
		}
		return fi.ModTime(), nil
	}
	t, err := e.dir.dir.mtime(e.name)
	if err != nil {
		return time.Time{}, e.w.pathErr("stat", e.Path, err)
	}
	return t, nil
}
