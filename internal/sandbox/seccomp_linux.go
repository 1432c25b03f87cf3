package sandbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Unix sockets with a path are files, so no network namespace keeps a
// command from them, and Landlock before ABI 9 cannot refuse connect(2)
// either: a database's, a language server's or a user-level Docker's
// socket in the home directory would answer a command that has "no
// network". A seccomp filter cannot read the address a connect(2) names,
// so the filter hands every connect to the launcher (seccomp user
// notification), which reads the address, opens the socket it names as the
// command would (from the command's directory, following links), checks
// where it really is, and connects the command's socket itself through the
// descriptor it checked: what the command changes in its memory or on disk
// afterwards cannot redirect it. Sockets in the workspace, TMPDIR and the
// other writable directories, and those named by --allow-unix-socket, are
// allowed; the rest get EACCES, as from a Landlock that knows sockets.
//
// Datagram Unix sockets could send to any socket's path with sendmsg(2),
// whose address the launcher does not see: the filter refuses to make them.
// io_uring could connect without a system call the filter sees: refused
// too. So is every socket call of the 32-bit ABI on 64-bit x86.

// seccompPlan is what the launcher enforces with seccomp.
type seccompPlan struct {
	// Unix confines connect(2) to Unix sockets to Allow.
	Unix  bool
	Allow []string // directories whose sockets commands may use, and sockets
	// Abstract lets commands connect to abstract Unix sockets: in a
	// network namespace of their own, those are their own.
	Abstract bool
	// OnlyUnix refuses every socket but Unix ones: no network without a
	// network namespace.
	OnlyUnix bool
}

// seccompSupported reports whether this architecture has a filter.
func seccompSupported() bool { return seccompArch != 0 }

// seccompNotif and seccompResp are the kernel's struct seccomp_notif and
// struct seccomp_notif_resp.
type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type seccompResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// Offsets in struct seccomp_data, which the filter reads.
const (
	offNr   = 0
	offArch = 4
	offArg0 = 16 // low 32 bits on little-endian machines
	offArg1 = 24
)

// bpf builds a filter program with forward jumps to named labels.
type bpf struct {
	ins    []unix.SockFilter
	labels map[string]int
	jumps  map[int][2]string // instruction -> labels when true, when false
}

func (b *bpf) op(code uint16, k uint32) {
	b.ins = append(b.ins, unix.SockFilter{Code: code, K: k})
}

func (b *bpf) load(off uint32) { b.op(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, off) }
func (b *bpf) ret(v uint32)    { b.op(unix.BPF_RET|unix.BPF_K, v) }

// jeq jumps to yes when the accumulator equals k, else to no; "" is the
// next instruction.
func (b *bpf) jeq(k uint32, yes, no string) {
	b.jumps[len(b.ins)] = [2]string{yes, no}
	b.op(unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K, k)
}

func (b *bpf) jge(k uint32, yes, no string) {
	b.jumps[len(b.ins)] = [2]string{yes, no}
	b.op(unix.BPF_JMP|unix.BPF_JGE|unix.BPF_K, k)
}

func (b *bpf) label(name string) { b.labels[name] = len(b.ins) }

func (b *bpf) assemble() ([]unix.SockFilter, error) {
	for at, to := range b.jumps {
		for i, name := range to {
			off := 0
			if name != "" {
				target, ok := b.labels[name]
				if !ok || target <= at || target-at-1 > 255 {
					return nil, fmt.Errorf("seccomp: bad jump to %q", name)
				}
				off = target - at - 1
			}
			if i == 0 {
				b.ins[at].Jt = uint8(off)
			} else {
				b.ins[at].Jf = uint8(off)
			}
		}
	}
	return b.ins, nil
}

func errnoRet(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

// program is the filter for the plan.
func (p *seccompPlan) program() ([]unix.SockFilter, error) {
	b := &bpf{labels: map[string]int{}, jumps: map[int][2]string{}}
	b.load(offArch)
	b.jeq(seccompArch, "", "compat")
	b.load(offNr)
	if seccompX32 != 0 {
		b.jge(seccompX32, "enosys", "")
	}
	if p.Unix {
		b.jeq(unix.SYS_CONNECT, "notify", "")
	}
	b.jeq(unix.SYS_SOCKET, "socket", "")
	b.jeq(unix.SYS_SOCKETPAIR, "socketpair", "")
	b.jeq(unix.SYS_IO_URING_SETUP, "eperm", "")
	b.ret(unix.SECCOMP_RET_ALLOW)

	b.label("socket")
	b.load(offArg0)
	other := "allow"
	if p.OnlyUnix {
		other = "eacces"
	}
	b.jeq(unix.AF_UNIX, "unixtype", other)
	b.label("socketpair")
	b.load(offArg0)
	b.jeq(unix.AF_UNIX, "unixtype", "allow")
	b.label("unixtype")
	if p.Unix {
		b.load(offArg1)
		b.op(unix.BPF_ALU|unix.BPF_AND|unix.BPF_K, 0xf) // SOCK_TYPE_MASK: without SOCK_CLOEXEC, SOCK_NONBLOCK
		b.jeq(unix.SOCK_DGRAM, "eacces", "allow")
	}
	b.label("allow")
	b.ret(unix.SECCOMP_RET_ALLOW)

	b.label("compat")
	if seccompCompat != 0 {
		b.jeq(seccompCompat, "", "kill")
		b.load(offNr)
		for _, nr := range seccompCompatSockets {
			b.jeq(nr, "eacces", "")
		}
		b.ret(unix.SECCOMP_RET_ALLOW)
	}
	b.label("kill")
	b.ret(unix.SECCOMP_RET_KILL_PROCESS)
	b.label("notify")
	b.ret(unix.SECCOMP_RET_USER_NOTIF)
	b.label("eacces")
	b.ret(errnoRet(unix.EACCES))
	b.label("eperm")
	b.ret(errnoRet(unix.EPERM))
	b.label("enosys")
	b.ret(errnoRet(unix.ENOSYS))
	return b.assemble()
}

// install applies the filter to the calling thread (which must be locked)
// and what it starts from now on. With Unix it returns the listener on
// which connect(2) calls arrive, else -1.
func (p *seccompPlan) install() (int, error) {
	prog, err := p.program()
	if err != nil {
		return -1, err
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("no_new_privs: %w", err)
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	flags := uintptr(0)
	if p.Unix {
		// Once the launcher has read a call, only SIGKILL interrupts it:
		// another signal would restart the call, connecting twice.
		flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	for {
		r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
		switch {
		case errno == unix.EINVAL && flags&unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV != 0:
			flags &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV // before Linux 5.19
			continue
		case errno != 0:
			return -1, fmt.Errorf("seccomp: %w", errno)
		case !p.Unix:
			return -1, nil
		}
		return int(r), nil
	}
}

// start installs the filter and, unless probing, answers the calls it
// hands over from now on. It returns the listener, -1 for none.
func (p *seccompPlan) start(probe bool) (int, error) {
	if p.Unix {
		if err := canSupervise(); err != nil {
			return -1, err
		}
	}
	listener, err := p.install()
	if err == nil && listener >= 0 && !probe {
		go p.supervise(listener)
	}
	return listener, err
}

// canSupervise checks that the kernel has what supervise needs
// (pidfd_getfd: Linux 5.6), on the launcher itself.
func canSupervise() error {
	pidfd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return fmt.Errorf("pidfd_open: %w", err)
	}
	defer unix.Close(pidfd)
	fd, err := unix.PidfdGetfd(pidfd, 0, 0)
	if err != nil {
		return fmt.Errorf("pidfd_getfd: %w", err)
	}
	unix.Close(fd)
	return nil
}

// supervise answers the connect(2) calls of the command's processes until
// the listener fails (the launcher exits with the command).
func (p *seccompPlan) supervise(listener int) {
	for {
		var n seccompNotif
		_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n)))
		switch errno {
		case 0:
			go p.answer(listener, n)
		case unix.EINTR, unix.ENOENT:
			// Interrupted, or the caller went away before we read it.
		default:
			return
		}
	}
}

// answer connects for one call, or refuses it, and tells the kernel.
func (p *seccompPlan) answer(listener int, n seccompNotif) {
	errno := p.connect(listener, n)
	resp := seccompResp{ID: n.ID, Error: -int32(errno)}
	// ENOENT: the caller was killed meanwhile; nothing to tell.
	_, _, _ = unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp)))
}

// valid reports whether the call is still waiting, so its pid still names
// its caller.
func valid(listener int, id uint64) bool {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_ID_VALID, uintptr(unsafe.Pointer(&id)))
	return errno == 0
}

// connect performs the caller's connect(sockfd, addr, addrlen) if the
// plan allows it and returns its errno, 0 for success.
func (p *seccompPlan) connect(listener int, n seccompNotif) unix.Errno {
	sockfd, addrPtr, addrLen := int(int32(n.Args[0])), n.Args[1], n.Args[2]
	if addrLen > 128 || addrLen < 2 { // sizeof(struct sockaddr_storage), as the kernel takes
		return unix.EINVAL
	}
	addr := make([]byte, addrLen)
	local := unix.Iovec{Base: &addr[0]}
	local.SetLen(len(addr))
	if _, err := unix.ProcessVMReadv(int(n.Pid), []unix.Iovec{local},
		[]unix.RemoteIovec{{Base: uintptr(addrPtr), Len: len(addr)}}, 0); err != nil {
		return unix.EFAULT
	}
	pidfd, err := unix.PidfdOpen(int(n.Pid), 0)
	if err != nil {
		return unix.ESRCH
	}
	defer unix.Close(pidfd)
	if !valid(listener, n.ID) {
		return unix.ESRCH // the pid may be another process's by now
	}
	sock, err := unix.PidfdGetfd(pidfd, sockfd, 0)
	if err != nil {
		return errnoOf(err, unix.EBADF)
	}
	defer unix.Close(sock)
	if binary.NativeEndian.Uint16(addr) == unix.AF_UNIX && len(addr) > 2 {
		path := addr[2:]
		if path[0] == 0 {
			if !p.Abstract {
				return unix.EACCES
			}
		} else {
			if i := bytes.IndexByte(path, 0); i >= 0 {
				path = path[:i]
			}
			pin, errno := p.openSocket(int(n.Pid), string(path))
			if errno != 0 {
				return errno
			}
			defer unix.Close(pin)
			if !valid(listener, n.ID) {
				return unix.ESRCH
			}
			addr = sockaddrUnix("/proc/self/fd/" + strconv.Itoa(pin))
		}
	}
	_, _, errno := unix.Syscall(unix.SYS_CONNECT, uintptr(sock), uintptr(unsafe.Pointer(&addr[0])), uintptr(len(addr)))
	return errno
}

// openSocket opens the socket at path as the process pid would reach it,
// and returns a descriptor of it if the plan allows it.
func (p *seccompPlan) openSocket(pid int, path string) (int, unix.Errno) {
	dir := unix.AT_FDCWD
	if path[0] != '/' {
		cwd, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, unix.ESRCH
		}
		defer unix.Close(cwd)
		dir = cwd
	}
	fd, err := unix.Openat(dir, path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, errnoOf(err, unix.ENOENT)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		unix.Close(fd)
		return -1, unix.ECONNREFUSED // what connect(2) says of a file that is no socket
	}
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil || !withinAny(real, p.Allow) {
		unix.Close(fd)
		return -1, unix.EACCES
	}
	return fd, 0
}

// sockaddrUnix is a struct sockaddr_un for path.
func sockaddrUnix(path string) []byte {
	b := make([]byte, 2, 2+len(path)+1)
	binary.NativeEndian.PutUint16(b, unix.AF_UNIX)
	return append(append(b, path...), 0)
}

func errnoOf(err error, fallback unix.Errno) unix.Errno {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return fallback
}
