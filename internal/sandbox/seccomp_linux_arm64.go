package sandbox

import "golang.org/x/sys/unix"

// The filter's architecture, and the 32-bit ABI with its socket calls
// (refused: the launcher supervises the 64-bit ones only).
const (
	seccompArch   = unix.AUDIT_ARCH_AARCH64
	seccompX32    = 0
	seccompCompat = unix.AUDIT_ARCH_ARM
)

// ARM EABI: socket, socketpair, connect, sendto, sendmsg, sendmmsg,
// io_uring_setup.
var seccompCompatSockets = []uint32{281, 288, 283, 290, 296, 374, 425}
