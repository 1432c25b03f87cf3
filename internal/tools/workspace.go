package tools

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Workspace is the directory tree the tools may touch. Every path from a
// client passes through it, and no other code in this package opens files.
//
// Names are accepted relative to the root or absolute inside it. Everything
// else is refused with ErrOutside: "..", absolute paths elsewhere, and
// symlinks (of the file or of any parent directory) that lead out. The check
// is not a string test alone: every open goes through an os.Root, which
// resolves each component against the directory's file descriptor and
// refuses a symlink that leaves the tree, so a link swapped in after the
// check cannot lead out either.
//
// What os.Root does not stop, and so neither does Workspace: a hard link
// inside the tree to a file outside it can be read (writes replace the link,
// never the file it shares), and bind mounts inside the tree are crossed.
type Workspace struct {
	dir     string   // absolute and clean, as the user named it
	real    string   // dir with its symlinks resolved, when that differs
	root    *os.Root // the only handle the tools open files through
	escapes error    // the error os.Root wraps when a name leads out
}

// ErrOutside reports a path that resolves outside the workspace.
var ErrOutside = errors.New("outside the workspace")

// OpenWorkspace opens dir as a workspace. The directory must exist.
func OpenWorkspace(dir string) (*Workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, err
	}
	w := &Workspace{dir: abs, root: root}
	if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
		w.real = real
	}
	// os.Root does not export the error it returns for a name that leads
	// out; ask it once so errors.Is can recognise it later.
	if _, err := root.Stat(".."); err != nil {
		w.escapes = errors.Unwrap(err)
	}
	return w, nil
}

// Dir returns the workspace's absolute directory.
func (w *Workspace) Dir() string { return w.dir }

// Close releases the workspace's directory handle.
func (w *Workspace) Close() error { return w.root.Close() }

// Rel turns a client's name into a clean workspace-relative one ("." for
// the root itself). It refuses names that lead out lexically; symlinks are
// checked when the name is opened.
func (w *Workspace) Rel(name string) (string, error) {
	if name == "" {
		return "", &PathError{Path: name, Err: errEmptyPath}
	}
	if strings.ContainsRune(name, 0) {
		return "", &PathError{Path: name, Err: errNulInPath}
	}
	if name == "~" || strings.HasPrefix(name, "~/") {
		// A shell would expand this to the home directory, which is not
		// the workspace; creating a directory named "~" would surprise.
		return "", &PathError{Path: name, Err: errHome}
	}
	if filepath.IsAbs(name) {
		clean := filepath.Clean(name)
		for _, base := range []string{w.dir, w.real} {
			if base == "" {
				continue
			}
			if rel, err := filepath.Rel(base, clean); err == nil && (rel == "." || filepath.IsLocal(rel)) {
				return rel, nil
			}
		}
		return "", &PathError{Path: name, Err: ErrOutside}
	}
	clean := filepath.Clean(name)
	if clean == "." {
		return ".", nil
	}
	if !filepath.IsLocal(clean) {
		return "", &PathError{Path: name, Err: ErrOutside}
	}
	return clean, nil
}

// Display returns the workspace-relative form of rel that results show: the
// slash-separated relative path, so a model can pass it straight back.
func Display(rel string) string { return filepath.ToSlash(rel) }

var (
	errEmptyPath = errors.New("empty path")
	errNulInPath = errors.New("path contains a NUL byte")
	errHome      = fmt.Errorf("%w: ~ is the home directory, which is not the workspace; paths are relative to the workspace root", ErrOutside)
)

// PathError is a failed operation on a client's path. Its message names the
// path as the client gave it, never the host's absolute path.
type PathError struct {
	Path string // as the client gave it
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + describeErr(e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// describeErr phrases the common file errors for a model.
func describeErr(err error) string {
	switch {
	case err == errHome:
		return err.Error()
	case errors.Is(err, ErrOutside):
		return "outside the workspace; use a path relative to the workspace root, or an absolute path inside it"
	case errors.Is(err, fs.ErrNotExist):
		return "does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, syscall.ENOTDIR):
		return "a parent of this path is a file, not a directory"
	case errors.Is(err, syscall.ENOSPC):
		return "no space left on the device; nothing was written"
	case errors.Is(err, syscall.EROFS):
		return "the file system is read-only"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		// The os error names the path we passed (workspace-relative); keep
		// only its reason.
		return pe.Err.Error()
	}
	return err.Error()
}

// wrap restates an error from os.Root with the client's path, recognising
// the escape error os.Root gives for symlinks that lead out.
func (w *Workspace) wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	if w.escapes != nil && errors.Is(err, w.escapes) {
		err = ErrOutside
	}
	return &PathError{Path: name, Err: err}
}

// Open opens a client's file for reading.
func (w *Workspace) Open(name string) (*os.File, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	f, err := w.root.Open(rel)
	return f, w.wrap(name, err)
}

// Stat returns the file info of a client's path, following symlinks that
// stay inside.
func (w *Workspace) Stat(name string) (fs.FileInfo, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	fi, err := w.root.Stat(rel)
	return fi, w.wrap(name, err)
}

// Lstat returns the file info of a client's path without following a final
// symlink. Parent directories must still stay inside.
func (w *Workspace) Lstat(name string) (fs.FileInfo, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	fi, err := w.root.Lstat(rel)
	return fi, w.wrap(name, err)
}

// ReadDir lists a client's directory, sorted by name.
func (w *Workspace) ReadDir(name string) ([]fs.DirEntry, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(w.root.FS(), filepath.ToSlash(rel))
	return entries, w.wrap(name, err)
}

// Readlink returns the target of a symlink at a client's path.
func (w *Workspace) Readlink(name string) (string, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return "", err
	}
	target, err := w.root.Readlink(rel)
	return target, w.wrap(name, err)
}

// FS returns the workspace as an fs.FS for walking. It is confined like
// every other method: names are slash-separated and relative to the root.
func (w *Workspace) FS() fs.FS { return w.root.FS() }

// Root returns a read-only view of the workspace's os.Root for walkers that
// open directories relative to each other. Callers must not write through it.
func (w *Workspace) Root() *os.Root { return w.root }

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
		return &PathError{Path: name, Err: errSymlink}
	case err == nil && old.IsDir():
		return &PathError{Path: name, Err: errIsDir}
	case err == nil && !old.Mode().IsRegular():
		return &PathError{Path: name, Err: errNotRegular}
	case err == nil:
		perm = old.Mode().Perm()
	case errors.Is(err, fs.ErrNotExist):
		if dir := filepath.Dir(rel); dir != "." {
			if err := w.root.MkdirAll(dir, 0o755); err != nil {
				return w.wrap(name, err)
			}
		}
	default:
		return w.wrap(name, err)
	}
	return w.wrap(name, w.replace(rel, data, perm, old, create))
}

var (
	errIsRoot     = errors.New("is the workspace root, not a file")
	errIsDir      = errors.New("is a directory, not a file; include the file name in the path")
	errSymlink    = errors.New("is a symlink; write to the file it points to instead (nothing is written through symlinks)")
	errNotRegular = errors.New("is not a regular file (a device, FIFO or socket); only regular files are written")
)

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
		if st, ok := old.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
			_ = f.Chown(int(st.Uid), int(st.Gid)) // best effort: only root may
		}
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

// readAll reads an open file up to max bytes; more is an error naming the
// size so the caller can advise paging.
func readAll(f *os.File, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (over %s)", errTooLarge, formatSize(max))
	}
	return data, nil
}

var errTooLarge = errors.New("file too large")
