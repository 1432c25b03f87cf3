package walk

import (
	"encoding/binary"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirHandle is an open directory: a bare descriptor, opened relative to its
// parent's with O_NOFOLLOW, so that listing it, statting and opening its
// files take one system call each and never leave the tree. (A directory
// opened through an os.Root costs an open for the root, another for the
// listing, a poller registration and two closes; its ReadDir lstats every
// entry.)
type dirHandle struct{ fd int }

// openStart opens the directory at the workspace-relative path name (may
// have several components) through the workspace's root.
func openStart(root *os.Root, name string) (dirHandle, error) {
	f, err := root.Open(name)
	if err != nil {
		return dirHandle{-1}, err
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return dirHandle{-1}, err
	}
	fd := -1
	var derr error
	if err := rc.Control(func(s uintptr) {
		fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return dirHandle{-1}, err
	}
	if derr != nil {
		return dirHandle{-1}, derr
	}
	return dirHandle{fd}, nil
}

// openSub opens the subdirectory name, which is not followed if it has
// become a symlink.
func (d dirHandle) openSub(name string) (dirHandle, error) {
	for {
		fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return dirHandle{-1}, &fs.PathError{Op: "openat", Path: name, Err: err}
		}
		return dirHandle{fd}, nil
	}
}

func (d dirHandle) close() { unix.Close(d.fd) }

// open opens the file name for reading without blocking, not following a
// symlink.
func (d dirHandle) open(name string) (*os.File, error) {
	for {
		fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
		}
		return os.NewFile(uintptr(fd), name), nil
	}
}

// lstat returns the info of the entry name, not following a symlink.
func (d dirHandle) lstat(name string) (fs.FileInfo, error) {
	fi := &statInfo{name: name}
	for {
		err := unix.Fstatat(d.fd, name, (*unix.Stat_t)(unsafe.Pointer(&fi.st)), unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
		}
		return fi, nil
	}
}

// unix.Stat_t and syscall.Stat_t are the same kernel struct; Sys returns
// the latter, as os.Lstat's does. These fail to compile if the sizes differ.
var (
	_ [unsafe.Sizeof(syscall.Stat_t{}) - unsafe.Sizeof(unix.Stat_t{})]byte
	_ [unsafe.Sizeof(unix.Stat_t{}) - unsafe.Sizeof(syscall.Stat_t{})]byte
)

// mtime returns the modification time of the entry name, not following a
// symlink.
func (d dirHandle) mtime(name string) (time.Time, error) {
	var st unix.Stat_t
	for {
		err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return time.Time{}, &fs.PathError{Op: "lstat", Path: name, Err: err}
		}
		return time.Unix(st.Mtim.Unix()), nil
	}
}

// statInfo is an fs.FileInfo from fstatat, read as os.Lstat reads it; Sys
// returns the *syscall.Stat_t.
type statInfo struct {
	name string
	st   syscall.Stat_t
}

func (fi *statInfo) Name() string       { return fi.name }
func (fi *statInfo) Size() int64        { return fi.st.Size }
func (fi *statInfo) ModTime() time.Time { return time.Unix(fi.st.Mtim.Unix()) }
func (fi *statInfo) IsDir() bool        { return fi.Mode().IsDir() }
func (fi *statInfo) Sys() any           { return &fi.st }

func (fi *statInfo) Mode() fs.FileMode {
	m := fs.FileMode(fi.st.Mode & 0o777)
	switch fi.st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if fi.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if fi.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if fi.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// list lists the directory with getdents64, taking each entry's type from
// the record. An entry whose type the file system does not record is
// lstat'ed.
func (d dirHandle) list() ([]dirent, error) {
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	var out []dirent
	for {
		n, err := unix.Getdents(d.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return out, err
		}
		if n <= 0 {
			return out, nil
		}
		out = parseDirents(d, buf[:n], out)
	}
}

// direntBufs are getdents buffers: one per directory read would be most of
// what a walk allocates.
var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// parseDirents decodes linux_dirent64 records: inode (8 bytes), offset (8),
// record length (2), type (1), then the NUL-terminated name. The names are
// cut from one string holding the whole buffer, one allocation instead of
// one per entry.
func parseDirents(d dirHandle, buf []byte, out []dirent) []dirent {
	names := string(buf)
	for off := 0; len(buf)-off >= 19; {
		reclen := int(binary.NativeEndian.Uint16(buf[off+16 : off+18]))
		if reclen < 19 || reclen > len(buf)-off {
			break
		}
		typ := buf[off+18]
		name := names[off+19 : off+reclen]
		off += reclen
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if name == "." || name == ".." || len(name) == 0 {
			continue
		}
		e := dirent{name: name}
		switch typ {
		case unix.DT_REG:
			e.typ = 0
		case unix.DT_DIR:
			e.typ = fs.ModeDir
		case unix.DT_LNK:
			e.typ = fs.ModeSymlink
		case unix.DT_UNKNOWN:
			fi, err := d.lstat(e.name)
			if err != nil {
				continue // gone since the listing
			}
			e.typ = fi.Mode().Type()
		default:
			e.typ = fs.ModeIrregular // devices, FIFOs, sockets: never walked
		}
		out = append(out, e)
	}
	return out
}
