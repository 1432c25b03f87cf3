//go:build linux && !amd64 && !arm64

package sandbox

// No filter on this architecture: the Unix socket layer is missing.
const (
	seccompArch   = 0
	seccompX32    = 0
	seccompCompat = 0
)

var seccompCompatSockets []uint32
