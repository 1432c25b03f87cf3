//go:build !linux

package walk

import (
	"io/fs"
	"os"
	"time"
)

// dirHandle is an open directory.
type dirHandle struct{ r *os.Root }

// openStart opens the directory at the workspace-relative path name (may
// have several components) through the workspace's root.
func openStart(root *os.Root, name string) (dirHandle, error) {
	r, err := root.OpenRoot(name)
	return dirHandle{r}, err
}

func (d dirHandle) openSub(name string) (dirHandle, error) {
	r, err := d.r.OpenRoot(name)
	return dirHandle{r}, err
}

func (d dirHandle) close() { d.r.Close() }

func (d dirHandle) open(name string) (*os.File, error) {
	return d.r.OpenFile(name, os.O_RDONLY|nonblock, 0)
}

func (d dirHandle) lstat(name string) (fs.FileInfo, error) { return d.r.Lstat(name) }

func (d dirHandle) mtime(name string) (time.Time, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

// list lists the directory with os.File.ReadDir.
func (d dirHandle) list() ([]dirent, error) {
	f, err := d.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	out := make([]dirent, 0, len(entries))
	for _, e := range entries {
		out = append(out, dirent{name: e.Name(), typ: e.Type()})
	}
	return out, err
}
