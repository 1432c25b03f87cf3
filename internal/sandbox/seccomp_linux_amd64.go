package sandbox

import "golang.org/x/sys/unix"

// The filter's architecture, the first system call number of the x32 ABI
// (refused), and the 32-bit ABI with its socket calls (refused: the
// launcher supervises the 64-bit ones only).
const (
	seccompArch   = unix.AUDIT_ARCH_X86_64
	seccompX32    = 0x40000000
	seccompCompat = unix.AUDIT_ARCH_I386
)

// i386: socketcall, socket, socketpair, connect, sendto, sendmsg,
// sendmmsg, io_uring_setup.
var seccompCompatSockets = []uint32{102, 359, 360, 362, 369, 370, 345, 425}
