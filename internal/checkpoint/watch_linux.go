package checkpoint

import (
	"errors"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watcher learns from inotify(7) which directories changed since it was
// last drained, so that a scan reads only those. The kernel queues an
// event before the write that caused it returns, so once a command has
// ended, draining the queue sees everything it did. A goroutine also
// empties the queue into a set of dirty names as events come, so a long
// background job or a large command does not overflow the kernel's queue
// (16,384 events by default). An overflow anyway, a set grown past
// maxDirtyNames, or a watch the kernel refuses means the next scan reads
// the whole tree.
type watcher struct {
	base string // the workspace's real path

	mu     sync.Mutex // Notice adds watches from the walk's goroutines
	fd     int
	byWD   map[int32]watched
	byPath map[string]int32
	failed bool   // a watch could not be added: trust no dirty set until a full scan
	acc    *dirty // what was read from the queue since the last drain
	names  int    // dirty names in acc

	wake int // an eventfd close writes to, waking run's poll(2)
	done chan struct{}
}

// maxDirtyNames bounds the dirty set's memory; past it, the next scan
// reads the whole tree.
const maxDirtyNames = 200_000

type watched struct {
	path    string
	ignored bool // an ignored directory: watched only to name it when it changes
}

// dirty is what draining found: per directory, the names that changed.
type dirty struct {
	dirs     map[string]*dirtyDir
	ignored  map[string]bool // ignored directories with changes inside
	overflow bool
}

type dirtyDir struct {
	names   map[string]bool
	enter   map[string]bool // subdirectories created or moved in: scan them whole
	rules   bool            // an ignore file changed: scan the directory whole
	removed bool            // the directory itself went away
}

const watchMask = unix.IN_CREATE | unix.IN_DELETE | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_MOVED_FROM |
	unix.IN_MOVED_TO | unix.IN_CLOSE_WRITE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF |
	unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK

func newWatcher(base string) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &watcher{base: base, fd: fd, byWD: map[int32]watched{}, byPath: map[string]int32{},
		acc: newDirty(), wake: wake, done: make(chan struct{})}
	go w.run()
	return w, nil
}

func newDirty() *dirty { return &dirty{dirs: map[string]*dirtyDir{}, ignored: map[string]bool{}} }

// run empties the queue whenever events wait, until close wakes it.
// (Closing a descriptor does not wake a poll(2) on it; an earlier timeout
// of 200 ms to notice the close held every server's exit up by 100 ms.)
func (w *watcher) run() {
	defer close(w.done)
	fds := []unix.PollFd{{Fd: int32(w.fd), Events: unix.POLLIN}, {Fd: int32(w.wake), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, -1)
		if err != nil && err != unix.EINTR {
			return
		}
		if n > 0 && fds[1].Revents != 0 {
			return
		}
		if n > 0 {
			w.mu.Lock()
			w.read()
			w.mu.Unlock()
		}
	}
}

func (w *watcher) close() {
	if w != nil {
		count := [8]byte{1} // an eventfd takes a uint64; any count but zero wakes the poll
		_, _ = unix.Write(w.wake, count[:])
		<-w.done
		unix.Close(w.wake)
		unix.Close(w.fd)
	}
}

// add watches the directory at p (workspace-relative). The name is
// resolved from the workspace's real path without following a final
// symlink; a parent swapped for a symlink meanwhile could at worst make
// the watch report another directory's changes, never let anything out.
func (w *watcher) add(p string, ignored bool) {
	full := w.base
	if p != "" {
		full = filepath.Join(w.base, filepath.FromSlash(p))
	}
	wd, err := unix.InotifyAddWatch(w.fd, full, watchMask)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOTDIR) {
			w.failed = true // ENOSPC: out of watches
		}
		return
	}
	if old, ok := w.byPath[p]; ok && old != int32(wd) {
		delete(w.byWD, old)
	}
	if prev, ok := w.byWD[int32(wd)]; ok && prev.path != p {
		delete(w.byPath, prev.path) // the same directory, moved: the kernel keeps one watch per inode
	}
	w.byWD[int32(wd)] = watched{path: p, ignored: ignored}
	w.byPath[p] = int32(wd)
}

// forget stops watching p and everything under it.
func (w *watcher) forget(p string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	prefix := p + "/"
	for q, wd := range w.byPath {
		if q == p || p == "" || len(q) > len(prefix) && q[:len(prefix)] == prefix {
			_, _ = unix.InotifyRmWatch(w.fd, uint32(wd))
			delete(w.byPath, q)
			delete(w.byWD, wd)
		}
	}
}

// drain reads every queued event and returns which directories changed
// since the last drain.
func (w *watcher) drain() *dirty {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.read()
	d := w.acc
	w.acc, w.names = newDirty(), 0
	if w.failed {
		d.overflow = true
		w.failed = false
	}
	return d
}

// read takes the queued events into w.acc. The caller holds w.mu.
func (w *watcher) read() {
	var buf [64 << 10]byte
	d := w.acc
	for {
		n, err := unix.Read(w.fd, buf[:])
		if err != nil || n <= 0 {
			return // EAGAIN: the queue is empty
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			nameBytes := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if d.overflow && ev.Mask&unix.IN_IGNORED == 0 {
				continue // the next scan reads everything anyway
			}
			name := cstring(nameBytes)
			if ev.Mask&unix.IN_Q_OVERFLOW != 0 {
				d.overflow = true
				continue
			}
			at, ok := w.byWD[ev.Wd]
			if !ok {
				continue
			}
			if ev.Mask&unix.IN_IGNORED != 0 {
				delete(w.byWD, ev.Wd)
				if w.byPath[at.path] == ev.Wd {
					delete(w.byPath, at.path)
				}
				continue
			}
			if at.ignored {
				d.ignored[at.path] = true
				continue
			}
			dd := d.dirs[at.path]
			if dd == nil {
				dd = &dirtyDir{names: map[string]bool{}, enter: map[string]bool{}}
				d.dirs[at.path] = dd
			}
			if ev.Mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0 {
				dd.removed = true
				continue
			}
			if name == "" {
				continue
			}
			if !dd.names[name] {
				dd.names[name] = true
				if w.names++; w.names > maxDirtyNames {
					d.overflow = true
					d.dirs, d.ignored = map[string]*dirtyDir{}, map[string]bool{}
					continue
				}
			}
			if ev.Mask&unix.IN_ISDIR != 0 && ev.Mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 {
				dd.enter[name] = true
			}
			if name == ".gitignore" || name == ".ignore" {
				dd.rules = true
			}
		}
	}
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
