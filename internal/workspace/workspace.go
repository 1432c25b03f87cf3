// Package workspace is the only door to the client's files: every path a
// client names passes through a Workspace, which resolves it inside one
// directory tree through an os.Root, writes atomically, and restates
// errors with the path as the client gave it, never the host's.
package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Workspace is the directory tree the tools may touch. Every path from a
// client passes through it, and no other code of the server opens the
// client's files.
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

// Open opens dir as a workspace. The directory must exist.
func Open(dir string) (*Workspace, error) {
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

// RealDir returns the workspace's directory with symlinks resolved: the
// form a shell's pwd -P prints.
func (w *Workspace) RealDir() string {
	if w.real != "" {
		return w.real
	}
	return w.dir
}

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

// Open opens a client's file for reading.
func (w *Workspace) Open(name string) (*os.File, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	f, err := w.root.Open(rel)
	return f, w.Wrap(name, err)
}

// Stat returns the file info of a client's path, following symlinks that
// stay inside.
func (w *Workspace) Stat(name string) (fs.FileInfo, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	fi, err := w.root.Stat(rel)
	return fi, w.Wrap(name, err)
}

// Lstat returns the file info of a client's path without following a final
// symlink. Parent directories must still stay inside.
func (w *Workspace) Lstat(name string) (fs.FileInfo, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	fi, err := w.root.Lstat(rel)
	return fi, w.Wrap(name, err)
}

// ReadDir lists a client's directory, sorted by name.
func (w *Workspace) ReadDir(name string) ([]fs.DirEntry, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(w.root.FS(), filepath.ToSlash(rel))
	return entries, w.Wrap(name, err)
}

// Readlink returns the target of a symlink at a client's path.
func (w *Workspace) Readlink(name string) (string, error) {
	rel, err := w.Rel(name)
	if err != nil {
		return "", err
	}
	target, err := w.root.Readlink(rel)
	return target, w.Wrap(name, err)
}

// FS returns the workspace as an fs.FS for walking. It is confined like
// every other method: names are slash-separated and relative to the root.
func (w *Workspace) FS() fs.FS { return w.root.FS() }

// Root returns a read-only view of the workspace's os.Root for walkers that
// open directories relative to each other. Callers must not write through it:
// the one writer besides WriteFile is the checkpoint journal, through
// RestoreRoot.
func (w *Workspace) Root() *os.Root { return w.root }

// RestoreRoot returns the workspace's os.Root for the checkpoint journal
// (internal/checkpoint), the one writer besides WriteFile: an undo removes
// what the undone changes added and puts back what they changed, through
// this root, so every path it touches is confined as the tools' are (a
// symlink swapped in cannot lead it out). The journal writes each file to
// a temporary name and renames it into place, as WriteFile does. Nothing
// else may write through it.
func (w *Workspace) RestoreRoot() *os.Root { return w.root }
