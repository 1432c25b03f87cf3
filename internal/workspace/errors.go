package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// ErrOutside reports a path that resolves outside the workspace.
var ErrOutside = errors.New("outside the workspace")

var (
	errIsRoot    = errors.New("is the workspace root, not a file")
	errEmptyPath = errors.New("empty path")
	errNulInPath = errors.New("path contains a NUL byte")
	errHome      = fmt.Errorf("%w: ~ is the home directory, which is not the workspace; paths are relative to the workspace root", ErrOutside)
)

// The reasons WriteFile refuses a name, for a PathError; the tools refuse
// the same names with them before they get that far.
var (
	ErrIsDir      = errors.New("is a directory, not a file; include the file name in the path")
	ErrSymlink    = errors.New("is a symlink; write to the file it points to instead (nothing is written through symlinks)")
	ErrNotRegular = errors.New("is not a regular file (a device, FIFO or socket); only regular files are written")
)

// PathError is a failed operation on a client's path. Its message names the
// path as the client gave it, never the host's absolute path.
type PathError struct {
	Path string // as the client gave it
	Err  error
}

func (e *PathError) Error() string { return e.Path + ": " + Reason(e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// Reason phrases the common file errors for a model, without a path: "does
// not exist", "permission denied", ...
func Reason(err error) string {
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

// Wrap restates an error of an operation on the client's file name (one
// opened through the workspace) with the path as the client gave it,
// recognising the escape error os.Root gives for symlinks that lead out.
func (w *Workspace) Wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	if w.escapes != nil && errors.Is(err, w.escapes) {
		err = ErrOutside
	}
	return &PathError{Path: name, Err: err}
}
