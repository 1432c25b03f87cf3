package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// mountPlan is what the launcher does in its new mount namespace.
type mountPlan struct {
	Writable []string // real paths mounted read-write; all else is read-only
	// Protect are paths inside Writable kept read-only (.git/hooks,
	// .git/config); Pin are paths mounted on themselves so they cannot be
	// renamed or replaced (.git).
	Protect []string
	Pin     []string
	Hidden  []string // real paths masked with empty mounts
	Kept    []string // real paths inside hidden ones that stay visible
	Proc    bool     // mount a /proc for the new PID namespace
	Dev     bool     // mount a minimal /dev
}

// mountSteps names each step of the mount setup, for the probe report.
type mountSteps struct {
	Private, ReadOnly, Writable, Git, Hide, Dev, Proc, PidMax error
}

// setupMounts builds the command's view of the file system. Every step runs
// (so a probe learns which work); the first error is returned.
func (p *mountPlan) setup(pidMax int) (steps mountSteps, err error) {
	// Nothing we mount may propagate back to the server's namespace.
	steps.Private = unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
	if steps.Private != nil {
		steps.Private = fmt.Errorf("make mounts private: %w", steps.Private)
		return steps, steps.Private
	}
	steps.ReadOnly = setattr("/", unix.AT_RECURSIVE, unix.MOUNT_ATTR_RDONLY, 0)
	for _, w := range p.Writable {
		if err := bindRW(w); err != nil && steps.Writable == nil {
			steps.Writable = err
		}
	}
	for _, g := range p.Pin {
		if err := unix.Mount(g, g, "", unix.MS_BIND|unix.MS_REC, ""); err != nil && steps.Git == nil {
			steps.Git = fmt.Errorf("pin %s: %w", g, err)
		}
	}
	for _, g := range p.Protect {
		if err := bindRO(g); err != nil && steps.Git == nil {
			steps.Git = err
		}
	}
	for _, h := range hidings(p.Hidden, p.Kept) {
		if err := hide(h); err != nil && steps.Hide == nil {
			steps.Hide = err
		}
	}
	if p.Dev {
		steps.Dev = minimalDev()
	}
	if p.Proc {
		steps.Proc, steps.PidMax = freshProc(pidMax)
	}
	return steps, errors.Join(steps.ReadOnly, steps.Writable, steps.Git, steps.Hide, steps.Dev, steps.Proc, steps.PidMax)
}

func setattr(path string, flags int, set, clr uint64) error {
	err := unix.MountSetattr(unix.AT_FDCWD, path, uint(flags), &unix.MountAttr{Attr_set: set, Attr_clr: clr})
	if err != nil {
		return fmt.Errorf("mount_setattr %s: %w", path, err)
	}
	return nil
}

// bindRW makes path a mount of its own that is writable, inside a tree
// that is read-only.
func bindRW(path string) error {
	if err := unix.Mount(path, path, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	return setattr(path, 0, 0, unix.MOUNT_ATTR_RDONLY)
}

// bindRO makes path a read-only mount of its own.
func bindRO(path string) error {
	if err := unix.Mount(path, path, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	return setattr(path, 0, unix.MOUNT_ATTR_RDONLY, 0)
}

// hide masks h.Path: a directory with an empty read-only tmpfs (into which
// the kept paths are mounted back), anything else with /dev/null.
func hide(h hiding) error {
	fi, err := os.Lstat(h.Path)
	if err != nil {
		return nil // gone: nothing to hide
	}
	if !fi.IsDir() {
		if err := unix.Mount("/dev/null", h.Path, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("hide %s: %w", h.Path, err)
		}
		return setattr(h.Path, 0, unix.MOUNT_ATTR_RDONLY, 0)
	}
	// Take a copy of each kept tree before the mask covers it.
	trees := make([]int, len(h.Keep))
	dirs := make([]bool, len(h.Keep))
	for i, k := range h.Keep {
		trees[i] = -1
		fi, err := os.Stat(k)
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since it was planned: nothing to keep
		}
		if err != nil {
			return fmt.Errorf("hide %s: keep %s: %w", h.Path, k, err)
		}
		dirs[i] = fi.IsDir()
		fd, err := unix.OpenTree(unix.AT_FDCWD, k, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return fmt.Errorf("hide %s: keep %s: %w", h.Path, k, err)
		}
		defer unix.Close(fd)
		trees[i] = fd
	}
	if err := unix.Mount("tmpfs", h.Path, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=64k,nr_inodes=256"); err != nil {
		return fmt.Errorf("hide %s: %w", h.Path, err)
	}
	for i, k := range h.Keep {
		if trees[i] < 0 {
			continue
		}
		// The mount point: a directory, or an empty file for a kept file.
		var err error
		if dirs[i] {
			err = os.MkdirAll(k, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(k), 0o755); err == nil {
			err = os.WriteFile(k, nil, 0o644)
		}
		if err != nil {
			return fmt.Errorf("hide %s: keep %s: %w", h.Path, k, err)
		}
		target := k
		if err := unix.MoveMount(trees[i], "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return fmt.Errorf("hide %s: keep %s: %w", h.Path, k, err)
		}
	}
	return setattr(h.Path, 0, unix.MOUNT_ATTR_RDONLY, 0)
}

// devNodes are the devices a command gets in its /dev.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// minimalDev replaces /dev with a tmpfs holding only harmless devices, a
// private devpts and a private /dev/shm: no disks, no /dev/mem, nothing
// that reaches past the sandbox.
func minimalDev() error {
	trees := map[string]int{}
	for _, n := range devNodes {
		fd, err := unix.OpenTree(unix.AT_FDCWD, "/dev/"+n, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			continue // a device the host lacks is one the command lacks
		}
		defer unix.Close(fd)
		trees[n] = fd
	}
	if err := unix.Mount("tmpfs", "/dev", "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k,nr_inodes=128"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for n, fd := range trees {
		target := "/dev/" + n
		if err := os.WriteFile(target, nil, 0o666); err != nil {
			return fmt.Errorf("/dev: %w", err)
		}
		if err := unix.MoveMount(fd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return fmt.Errorf("/dev/%s: %w", n, err)
		}
	}
	links := map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
		"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx",
	}
	for name, target := range links {
		if err := os.Symlink(target, "/dev/"+name); err != nil {
			return fmt.Errorf("/dev/%s: %w", name, err)
		}
	}
	for _, d := range []string{"/dev/pts", "/dev/shm"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	// A private pseudo-terminal instance: ptys the command opens are its own.
	if err := unix.Mount("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return fmt.Errorf("mount /dev/pts: %w", err)
	}
	if err := unix.Mount("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777,size=512m"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	return setattr("/dev", 0, unix.MOUNT_ATTR_RDONLY, 0)
}

// freshProc mounts a /proc that shows only the new PID namespace, sets the
// namespace's pid_max (which bounds how many processes the command can have
// at once, whatever it forks, nested namespaces included), and then makes
// /proc read-only, so commands cannot write sysctls or other processes'
// settings.
func freshProc(pidMax int) (procErr, pidMaxErr error) {
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err), errors.New("no /proc of its own")
	}
	if pidMax > 0 {
		if err := os.WriteFile("/proc/sys/kernel/pid_max", fmt.Appendf(nil, "%d", pidMax), 0); err != nil {
			pidMaxErr = fmt.Errorf("pid_max: %w", err)
		}
	}
	return setattr("/proc", 0, unix.MOUNT_ATTR_RDONLY, 0), pidMaxErr
}
