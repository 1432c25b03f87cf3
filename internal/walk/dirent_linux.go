package walk

import (
	"encoding/binary"
	"io/fs"
	"os"
	"syscall"
)

// readNames lists a directory with getdents64, taking each entry's type
// from the record. (os.File.ReadDir on a directory opened through an
// os.Root lstats every entry instead, which doubles the cost of a walk.)
// An entry whose type the file system does not record is lstat'ed.
func readNames(dir *os.Root, f *os.File) ([]dirent, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 32<<10)
	var out []dirent
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Getdents(int(fd), buf)
			return rerr != syscall.EAGAIN
		}); err != nil {
			return out, err
		}
		if rerr == syscall.EINTR {
			continue
		}
		if rerr != nil {
			return out, rerr
		}
		if n <= 0 {
			return out, nil
		}
		out = parseDirents(dir, buf[:n], out)
	}
}

// parseDirents decodes linux_dirent64 records: inode (8 bytes), offset (8),
// record length (2), type (1), then the NUL-terminated name.
func parseDirents(dir *os.Root, buf []byte, out []dirent) []dirent {
	for len(buf) >= 19 {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < 19 || reclen > len(buf) {
			break
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[19:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if string(name) == "." || string(name) == ".." || len(name) == 0 {
			continue
		}
		d := dirent{name: string(name)}
		switch rec[18] {
		case syscall.DT_REG:
			d.typ = 0
		case syscall.DT_DIR:
			d.typ = fs.ModeDir
		case syscall.DT_LNK:
			d.typ = fs.ModeSymlink
		case syscall.DT_UNKNOWN:
			fi, err := dir.Lstat(d.name)
			if err != nil {
				continue // gone since the listing
			}
			d.typ = fi.Mode().Type()
		default:
			d.typ = fs.ModeIrregular // devices, FIFOs, sockets: never walked
		}
		out = append(out, d)
	}
	return out
}
