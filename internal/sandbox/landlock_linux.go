package sandbox

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock, written against the raw system calls so that the rules land on
// the one thread that then starts the command (libraries that restrict every
// thread of the process need cgo or a helper library; the launcher does not).

// Access rights by the ABI version that introduced them.
const (
	llRead = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR | unix.LANDLOCK_ACCESS_FS_EXECUTE
	// llFileRights are the rights that apply to a file (not a directory).
	llFileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_IOCTL_DEV | unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX
	llDevice = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// Rights by the ABI version that introduced them.
const (
	llABI1 = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM
	llABI2 = llABI1 | unix.LANDLOCK_ACCESS_FS_REFER    // renames and links across directories
	llABI3 = llABI2 | unix.LANDLOCK_ACCESS_FS_TRUNCATE // truncate(2), O_TRUNC
	llABI5 = llABI3 | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	llABI9 = llABI5 | unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX // connecting to Unix sockets
)

// llFS returns every file-system right the given ABI knows.
func llFS(abi int) uint64 {
	switch {
	case abi >= 9:
		return llABI9
	case abi >= 5:
		return llABI5
	case abi >= 3:
		return llABI3
	case abi >= 2:
		return llABI2
	case abi >= 1:
		return llABI1
	}
	return 0
}

// landlockABI returns the kernel's Landlock ABI version, 0 if none.
func landlockABI() (int, error) {
	v, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if errno != 0 {
		return 0, fmt.Errorf("landlock: %w", errno)
	}
	return int(v), nil
}

// llRuleset is the kernel's struct landlock_ruleset_attr as of ABI 6.
type llRuleset struct {
	fs, net, scoped uint64
}

// landlockPlan is what the launcher enforces with Landlock.
type landlockPlan struct {
	ABI     int
	Read    []string // subtrees commands may read and execute
	Write   []string // subtrees commands may change in every way
	List    []string // directories commands may list, not read beneath (/dev)
	Devices []string // device files commands may read, write and ioctl
	DevDirs []string // directories of devices (such as /dev/pts)
	NoTCP   bool     // deny TCP bind and connect (no network namespace)
	// From ABI 9 commands may connect to the Unix sockets in Write and to
	// Sockets (sockets or directories of them), unless UnixOpen.
	Sockets  []string
	UnixOpen bool
}

// restrict applies plan to the calling thread (which must be locked) and
// to everything it starts from now on. It sets no_new_privs, as Landlock
// requires.
func (p *landlockPlan) restrict() error {
	fsRights := llFS(p.ABI)
	if fsRights == 0 {
		return errors.New("landlock: not supported by this kernel")
	}
	if p.UnixOpen {
		fsRights &^= unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX
	}
	attr := llRuleset{fs: fsRights}
	size := unsafe.Sizeof(attr.fs)
	if p.ABI >= 4 {
		size = unsafe.Offsetof(attr.scoped)
		if p.NoTCP {
			attr.net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		}
	}
	if p.ABI >= 6 {
		size = unsafe.Sizeof(attr)
		// Commands may not signal processes outside the sandbox, nor
		// connect to abstract Unix sockets made outside it (X11, D-Bus).
		attr.scoped = unix.LANDLOCK_SCOPE_SIGNAL | unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
	}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if errno != 0 {
		return fmt.Errorf("landlock: create ruleset: %w", errno)
	}
	ruleset := int(fd)
	defer unix.Close(ruleset)

	add := func(path string, rights uint64) error {
		f, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil // gone since it was planned: nothing to allow
			}
			return fmt.Errorf("landlock: %s: %w", path, err)
		}
		defer unix.Close(f)
		var st unix.Stat_t
		if err := unix.Fstat(f, &st); err != nil {
			return fmt.Errorf("landlock: %s: %w", path, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			rights &= llFileRights
		}
		rights &= fsRights
		if rights == 0 {
			return nil
		}
		rule := unix.LandlockPathBeneathAttr{Allowed_access: rights, Parent_fd: int32(f)}
		_, _, errno := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(ruleset), unix.LANDLOCK_RULE_PATH_BENEATH,
			uintptr(unsafe.Pointer(&rule)), 0, 0, 0)
		if errno != 0 {
			return fmt.Errorf("landlock: rule for %s: %w", path, errno)
		}
		return nil
	}
	for _, p := range p.Read {
		if err := add(p, llRead); err != nil {
			return err
		}
	}
	for _, p := range p.List {
		if err := add(p, unix.LANDLOCK_ACCESS_FS_READ_DIR); err != nil {
			return err
		}
	}
	for _, p := range p.Devices {
		if err := add(p, llDevice); err != nil {
			return err
		}
	}
	for _, p := range p.DevDirs {
		if err := add(p, llDevice|unix.LANDLOCK_ACCESS_FS_READ_DIR); err != nil {
			return err
		}
	}
	for _, p := range p.Write {
		if err := add(p, fsRights); err != nil {
			return err
		}
	}
	for _, p := range p.Sockets {
		if err := add(p, unix.LANDLOCK_ACCESS_FS_RESOLVE_UNIX); err != nil {
			return err
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("no_new_privs: %w", err)
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(ruleset), 0, 0); errno != 0 {
		return fmt.Errorf("landlock: restrict: %w", errno)
	}
	return nil
}
