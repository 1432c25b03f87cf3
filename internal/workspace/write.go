package workspace

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces the content of a client's file atomically: the data
// goes to a temporary file in the same directory, is synced, and is renamed
// over the old file, so a reader (or a crash) sees the old content or the
// new, never a mix. Missing parent directories are created. An existing
// file keeps its mode (and, when the server may, its owner); a new one gets
// perm. A symlink at name is never written through: it is refused.
//
// With create set, the write fails with fs.ErrExist instead of replacing a
// file that appeared meanwhile.
func (w *Workspace) WriteFile(name string, data []byte, perm fs.FileMode, create bool) error {
	rel, err := w.Rel(name)
	if err != nil {
		return err
	}
	if rel == "." {
		return &PathError{Path: name, Err: errIsRoot}
	}
	old, err := w.root.Lstat(rel)
	switch {
	case err == nil && create:
		return &PathError{Path: name, Err: fs.ErrExist}
	case err == nil && old.Mode()&fs.ModeSymlink != 0:
		return &PathError{Path: name, Err: ErrSymlink}
	case err == nil && old.IsDir():
		return &PathError{Path: name, Err: ErrIsDir}
	case err == nil && !old.Mode().IsRegular():
		return &PathError{Path: name, Err: ErrNotRegular}
	case err == nil:
		perm = old.Mode().Perm()
	case errors.Is(err, fs.ErrNotExist):
		if dir := filepath.Dir(rel); dir != "." {
			if err := w.root.MkdirAll(dir, 0o755); err != nil {
				return w.Wrap(name, err)
			}
		}
	default:
		return w.Wrap(name, err)
	}
	return w.Wrap(name, w.replace(rel, data, perm, old, create))
}

// replace does the temporary-file dance for WriteFile.
func (w *Workspace) replace(rel string, data []byte, perm fs.FileMode, old fs.FileInfo, create bool) (err error) {
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	tmp := filepath.Join(filepath.Dir(rel), "."+filepath.Base(rel)+".agentbox-"+hex.EncodeToString(suffix[:]))
	f, err := w.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = w.root.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	// Mode and owner go on the descriptor, not the name, so a swapped-in
	// symlink cannot redirect them.
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if old != nil {
		keepOwner(f, old)
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if create {
		// link(2) refuses an existing name, so a file created meanwhile by
		// someone else is never replaced.
		if err = w.root.Link(tmp, rel); err != nil {
			return err
		}
		_ = w.root.Remove(tmp)
	} else if err = w.root.Rename(tmp, rel); err != nil {
		return err
	}
	w.syncDir(filepath.Dir(rel))
	return nil
}

// syncDir makes a rename in dir durable. Failure only weakens durability
// after a power cut, not atomicity, so it is not reported.
func (w *Workspace) syncDir(dir string) {
	d, err := w.root.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
