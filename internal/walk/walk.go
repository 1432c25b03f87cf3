// Package walk lists the files of a workspace tree the way git and ripgrep
// see it, for the Glob and Grep tools: one implementation of the ignore
// rules, the glob syntax and the parallel directory walk.
//
// A walk goes through the workspace's os.Root and never leaves it:
// directories are opened one component at a time relative to their parent,
// so a directory swapped for a symlink cannot lead out; symlinked
// directories are not entered; a symlinked file is visited only when it
// resolves to a regular file inside the workspace. Version-control
// directories (.git, .svn, .hg, .bzr, .jj, .sl) are always skipped; the
// ignore files (.gitignore, .ignore, .git/info/exclude and the global git
// excludes) are honoured unless Options.NoIgnore is set.
package walk

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc"
)

// Options configure a walk. The zero value walks the whole workspace with
// the ignore rules on and no cap.
type Options struct {
	// Start is the workspace-relative slash path of the directory to walk;
	// "" or "." is the root. The ignore files of its parent directories
	// inside the workspace apply, as in git; Start itself is walked even if
	// they ignore it.
	Start string
	// NoIgnore lists files the ignore files would leave out. Version-control
	// directories are skipped all the same.
	NoIgnore bool
	// Global is the user's global git excludes (core.excludesFile), or nil.
	Global *Rules
	// Filter, when set, is asked about every entry before the ignore rules,
	// with the entry's path relative to Start. Include takes the entry
	// whatever the ignore files say; Exclude leaves it out (a directory is
	// not entered). It is called from several goroutines.
	Filter func(rel string, isDir bool) Decision
	// MaxEntries stops the walk once this many files and directories have
	// been taken (Stats.Truncated); 0 means no cap.
	MaxEntries int64
	// Workers is how many goroutines read directories and visit files;
	// 0 means GOMAXPROCS.
	Workers int
	// Notice, when set, is told of what visit is not: each directory the
	// walk takes, before it is read (ignored false), and each file or
	// directory the ignore rules leave out (ignored true). Paths are
	// workspace-relative. It is called from several goroutines.
	Notice func(path string, isDir, ignored bool)
}

// Decision is a Filter's answer.
type Decision int8

const (
	Pass    Decision = iota // let the ignore rules decide
	Include                 // take the entry
	Exclude                 // leave the entry out
)

// Stats tell how a walk went.
type Stats struct {
	Files     int64 // files visited
	Dirs      int64 // directories read
	Ignored   int64 // entries the ignore rules left out (an ignored directory counts once)
	Truncated bool  // the walk stopped at Options.MaxEntries
	// Errors holds the first maxErrors directories that could not be read,
	// as *fs.PathError with workspace-relative paths; ErrorCount counts all.
	Errors     []error
	ErrorCount int
}

const (
	maxErrors   = 20
	chunkSize   = 64      // files handed to one worker at a time
	maxRuleFile = 1 << 20 // bytes read of one ignore file
)

// ErrStop, returned by a visit function, ends the walk early without error.
var ErrStop = errors.New("walk stopped")

// Walk visits every file under opts.Start that the ignore rules and
// opts.Filter let through, calling visit from several goroutines at once,
// in no particular order (roughly depth first, by name). It returns when
// the tree is done, visit returns an error (ErrStop ends the walk without
// one), the cap is reached or ctx is done (its error is returned).
func Walk(ctx context.Context, root *os.Root, opts Options, visit func(*Entry) error) (Stats, error) {
	start := strings.Trim(path.Clean("/"+opts.Start), "/")
	w := &walker{root: root, opts: opts, start: start, visit: visit}
	w.q.cond.L = &w.q.mu
	stop := context.AfterFunc(ctx, func() { w.halt(nil) })
	defer stop()

	fr, err := w.ancestorFrames(start)
	if err != nil {
		return w.stats(), err
	}
	w.q.push(item{name: orDot(start), path: start, frame: fr})

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg conc.WaitGroup
	for range workers {
		wg.Go(w.work)
	}
	wg.Wait()
	for _, it := range w.q.items { // left behind by a stop
		it.release()
	}
	if err := ctx.Err(); err != nil {
		return w.stats(), err
	}
	return w.stats(), w.err
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

// walker is the state of one walk.
type walker struct {
	root  *os.Root
	opts  Options
	start string
	visit func(*Entry) error
	q     queue

	files, dirs, ignored, taken atomic.Int64
	truncated                   atomic.Bool
	stopped                     atomic.Bool

	mu     sync.Mutex
	errs   []error
	nerrs  int
	err    error // from visit
	halted bool
}

// item is a unit of work: a directory to read, or a chunk of files of a
// directory already read.
type item struct {
	parent *handle // for a directory: the directory holding it (nil for the start); for files: theirs
	name   string  // for a directory: its name in parent
	path   string  // for a directory: its workspace-relative path
	frame  *frame
	files  []dirent
	dir    string // for files: their directory's workspace-relative path
}

func (it item) release() {
	if it.parent != nil {
		it.parent.release()
	}
}

// handle is an open directory shared by the items that need it.
type handle struct {
	dir  dirHandle
	refs atomic.Int32
}

func (h *handle) acquire() { h.refs.Add(1) }

func (h *handle) release() {
	if h.refs.Add(-1) == 0 {
		h.dir.close()
	}
}

func (w *walker) work() {
	defer func() {
		if r := recover(); r != nil {
			w.halt(nil)
			panic(r)
		}
	}()
	for {
		it, ok := w.q.pop()
		if !ok {
			return
		}
		if w.stopped.Load() {
			it.release()
		} else if it.files != nil {
			w.visitFiles(it)
		} else {
			w.readDir(it)
		}
		w.q.done()
	}
}

// halt stops the walk; err, if not nil, is what Walk returns.
func (w *walker) halt(err error) {
	w.mu.Lock()
	if !w.halted {
		w.halted = true
		w.err = err
	}
	w.mu.Unlock()
	w.stopped.Store(true)
	w.q.stop()
}

func (w *walker) fail(op, path string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nerrs++
	if len(w.errs) < maxErrors {
		w.errs = append(w.errs, w.pathErr(op, path, err))
	}
}

// pathErr restates an os error with the workspace-relative path, so no
// host path reaches a client.
func (w *walker) pathErr(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: orDot(p), Err: err}
}

func (w *walker) stats() Stats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return Stats{
		Files: w.files.Load(), Dirs: w.dirs.Load(), Ignored: w.ignored.Load(),
		Truncated: w.truncated.Load(), Errors: slices.Clone(w.errs), ErrorCount: w.nerrs,
	}
}

// take counts an entry against the cap and reports whether it may be kept.
func (w *walker) take() bool {
	if w.opts.MaxEntries > 0 && w.taken.Add(1) > w.opts.MaxEntries {
		w.truncated.Store(true)
		w.halt(nil)
		return false
	}
	return true
}

func (w *walker) readDir(it item) {
	var sub dirHandle
	var err error
	if it.parent == nil {
		sub, err = openStart(w.root, it.name)
	} else {
		sub, err = it.parent.dir.openSub(it.name)
		it.release()
	}
	if err != nil {
		w.fail("open", it.path, err)
		return
	}
	d := &handle{dir: sub}
	d.refs.Store(1)
	defer d.release()
	entries, err := readEntries(sub)
	if err != nil {
		w.fail("read", it.path, err)
		return
	}
	w.dirs.Add(1)
	fr := it.frame
	if !w.opts.NoIgnore {
		fr = w.frameFor(it.frame, it.path, entries)
	}
	var files []dirent
	var dirs []item
	for _, e := range entries {
		name := e.name
		if vcsDirs[name] {
			continue
		}
		typ := e.typ
		isDir := typ.IsDir()
		if !isDir && !typ.IsRegular() && typ&fs.ModeSymlink == 0 {
			continue // devices, FIFOs, sockets
		}
		p := join(it.path, name)
		if !w.keep(fr, p, isDir) {
			continue
		}
		if !w.take() {
			for _, sub := range dirs { // acquired, never to be pushed
				sub.release()
			}
			return
		}
		if isDir {
			if w.opts.Notice != nil {
				w.opts.Notice(p, true, false)
			}
			d.acquire()
			dirs = append(dirs, item{parent: d, name: name, path: p, frame: fr})
		} else {
			files = append(files, e)
		}
	}
	// The stack is last in, first out: push what should run first last, so
	// the walk goes roughly in name order, a directory's files before its
	// subdirectories.
	slices.Reverse(dirs)
	w.q.push(dirs...)
	var chunks []item
	for len(files) > 0 {
		n := min(len(files), chunkSize)
		d.acquire()
		chunks = append(chunks, item{parent: d, files: files[:n:n], dir: it.path, frame: fr})
		files = files[n:]
	}
	slices.Reverse(chunks)
	w.q.push(chunks...)
}

// dirent is a directory entry: its name and type bits.
type dirent struct {
	name string
	typ  fs.FileMode
}

// readEntries lists a directory, sorted by name.
func readEntries(dir dirHandle) ([]dirent, error) {
	entries, err := dir.list()
	slices.SortFunc(entries, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	return entries, err
}

// keep decides whether an entry is walked.
func (w *walker) keep(fr *frame, p string, isDir bool) bool {
	if w.opts.Filter != nil {
		switch w.opts.Filter(w.rel(p), isDir) {
		case Include:
			return true
		case Exclude:
			return false
		}
	}
	if w.opts.NoIgnore || !fr.ignored(p, isDir, w.opts.Global) {
		return true
	}
	w.ignored.Add(1)
	if w.opts.Notice != nil {
		w.opts.Notice(p, isDir, true)
	}
	return false
}

func (w *walker) rel(p string) string {
	if w.start == "" {
		return p
	}
	return p[len(w.start)+1:]
}

func (w *walker) visitFiles(it item) {
	defer it.release()
	e := Entry{dir: it.parent, w: w}
	for _, de := range it.files {
		if w.stopped.Load() {
			return
		}
		e.name = de.name
		e.Path = join(it.dir, e.name)
		e.Rel = w.rel(e.Path)
		e.Link = de.typ&fs.ModeSymlink != 0
		if e.Link {
			// Follow the link only inside the workspace, and only to a
			// regular file: directories are not entered (no cycles), and a
			// dangling or escaping link is skipped as ripgrep skips links.
			fi, err := w.root.Stat(e.Path)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
		}
		w.files.Add(1)
		if err := w.visit(&e); err != nil {
			if errors.Is(err, ErrStop) {
				err = nil
			}
			w.halt(err)
			return
		}
	}
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// vcsDirs are never walked: their contents are a tool's database, not the
// project's files.
var vcsDirs = map[string]bool{".git": true, ".svn": true, ".hg": true, ".bzr": true, ".jj": true, ".sl": true}
