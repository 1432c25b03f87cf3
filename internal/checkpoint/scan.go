package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/agentbox/agentbox/internal/walk"
)

// region is the part of the tree one scan reads: a directory's own files,
// and the subdirectories it enters whole.
type region struct {
	dir       string
	recursive bool            // the whole subtree
	enter     map[string]bool // names of subdirectories to read whole
	named     map[string]bool // names an event reported, to check even if the stat looks unchanged
	// background walks with one goroutine, leaving the other cores to the
	// tool calls: the first snapshot's walk, which no call waits for.
	background bool
}

// seen is what one walk of a region found.
type seen struct {
	files   map[string]entry // no hash yet
	dirs    map[string]fs.FileMode
	present map[string]bool // for a shallow region: the subdirectories there
	ignored map[string]bool // paths the ignore rules left out
}

func (j *Journal) global() *walk.Rules {
	if j.opts.Excludes == nil {
		return nil
	}
	return j.opts.Excludes.Rules()
}

// look walks a region as Glob would (ignore rules, no VCS directories),
// with each file's stat, watching every directory it takes before reading
// it, so no change after the read goes unseen.
func (j *Journal) look(ctx context.Context, reg region) (*seen, error) {
	s := &seen{files: map[string]entry{}, dirs: map[string]fs.FileMode{}, present: map[string]bool{}, ignored: map[string]bool{}}
	var mu sync.Mutex
	fi, err := j.root.Lstat(orDot(reg.dir))
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fs.ErrNotExist
	}
	s.dirs[reg.dir] = fi.Mode()
	if j.w != nil {
		j.w.add(reg.dir, false)
	}
	opts := walk.Options{Start: reg.dir, Global: j.global()}
	if reg.background {
		opts.Workers = 1
	}
	opts.Filter = func(rel string, isDir bool) walk.Decision {
		if !isDir {
			return walk.Pass
		}
		if j.self != "" && join(reg.dir, rel) == j.self {
			return walk.Exclude // the journal itself, kept inside the workspace
		}
		if reg.recursive || strings.Contains(rel, "/") {
			return walk.Pass
		}
		mu.Lock()
		s.present[rel] = true
		mu.Unlock()
		if reg.enter[rel] {
			return walk.Pass
		}
		return walk.Exclude
	}
	var dirs []string
	opts.Notice = func(p string, isDir, ignored bool) {
		if isDir && j.w != nil {
			j.w.add(p, ignored)
		}
		mu.Lock()
		defer mu.Unlock()
		if ignored {
			s.ignored[p] = isDir
		} else {
			dirs = append(dirs, p)
		}
	}
	_, err = walk.Walk(ctx, j.root, opts, func(e *walk.Entry) error {
		var fi fs.FileInfo
		var err error
		if e.Link {
			fi, err = j.root.Lstat(e.Path)
		} else {
			fi, err = e.Info()
		}
		if err != nil {
			return nil // gone since the directory was read: as if never there
		}
		ent := entryOf(fi)
		ent.markRacy()
		mu.Lock()
		s.files[e.Path] = ent
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if fi, err := j.root.Lstat(d); err == nil && fi.IsDir() {
			s.dirs[d] = fi.Mode()
		}
	}
	return s, nil
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

// inRegion lists what the index holds in a region: its files and its
// directories other than the region's own.
func (j *Journal) inRegion(reg region, s *seen) (map[string]*entry, map[string]fs.FileMode) {
	files := map[string]*entry{}
	dirs := map[string]fs.FileMode{}
	var subtree func(p string)
	subtree = func(p string) {
		d := j.idx.dirs[p]
		if d == nil {
			return
		}
		if p != reg.dir {
			dirs[p] = d.mode
		}
		for name, e := range d.files {
			files[join(p, name)] = e
		}
		for name := range d.dirs {
			subtree(join(p, name))
		}
	}
	if reg.recursive {
		subtree(reg.dir)
		return files, dirs
	}
	d := j.idx.dirs[reg.dir]
	if d == nil {
		return files, dirs
	}
	for name, e := range d.files {
		files[join(reg.dir, name)] = e
	}
	for name := range d.dirs {
		if reg.enter[name] || !s.present[name] {
			subtree(join(reg.dir, name))
		}
	}
	return files, dirs
}

// found is what a scan or an operation found changed.
type found struct {
	files     []FileChange
	uncovered []Uncovered
}

func (f *found) uncover(p, why string) {
	f.uncovered = append(f.uncovered, Uncovered{Path: p, Why: why})
}

// merge compares what a walk saw with the index, stores the new contents,
// and brings the index up to date. The caller holds j.mu.
func (j *Journal) merge(reg region, s *seen, out *found) {
	files, dirs := j.inRegion(reg, s)
	// Directories: gone ones first, deepest first; then new ones.
	var gone []string
	for p := range dirs {
		if s.leftOut(p) {
			continue // now left out by the ignore rules: no longer tracked, not deleted
		}
		if _, ok := s.dirs[p]; !ok && j.pending[p] == 0 {
			gone = append(gone, p)
		}
	}
	slices.SortFunc(gone, func(a, b string) int { return strings.Compare(b, a) })
	for p, e := range files {
		if _, ok := s.files[p]; ok || j.pending[p] > 0 {
			continue
		}
		if !s.leftOut(p) {
			j.record(out, p, e, nil)
		}
		j.idx.remove(p)
	}
	for p := range dirs {
		if s.leftOut(p) {
			j.idx.remove(p)
		}
	}
	for _, p := range gone {
		if j.claimedElsewhere(p, nil) {
			j.idx.remove(p)
			continue
		}
		out.files = append(out.files, FileChange{Path: p, Change: Deleted, Before: &State{Type: Dir, Mode: dirs[p].Perm()}})
		j.idx.remove(p)
		if j.w != nil {
			j.w.forget(p)
		}
	}
	var added []string
	for p := range s.dirs {
		if _, ok := dirs[p]; !ok && p != reg.dir && j.pending[p] == 0 && j.idx.dirs[p] == nil {
			added = append(added, p)
		}
	}
	slices.Sort(added)
	for _, p := range added {
		j.idx.ensureDir(p, s.dirs[p])
		if j.claimedElsewhere(p, &State{Type: Dir, Mode: s.dirs[p].Perm()}) || j.wasIgnored(p) {
			continue
		}
		out.files = append(out.files, FileChange{Path: p, Change: Added, After: &State{Type: Dir, Mode: s.dirs[p].Perm()}})
	}
	for p, st := range s.files {
		if j.pending[p] > 0 {
			continue
		}
		old := files[p]
		_, name := split(p)
		if old != nil && old.sameStat(&st) && old.flags&racy == 0 && !(reg.named[name] && dirOf(p) == reg.dir) {
			continue
		}
		data, now, err := readContent(j.root, p, j.opts.MaxFileSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // gone again; the next scan records it
			}
			out.uncover(p, "could not be read: "+describe(err))
			continue
		}
		if now.flags&tooLarge == 0 {
			h, n, err := j.log.store.put(data)
			if err != nil {
				out.uncover(p, "its content could not be stored: "+describe(err))
				continue
			}
			j.bytes += n
			now.hash, now.flags = h, now.flags|captured
		}
		if old != nil && old.flags&captured != 0 && now.flags&captured != 0 && old.hash == now.hash && old.mode == now.mode {
			j.idx.setFile(p, now) // touched, not changed
			continue
		}
		if old == nil && j.wasIgnored(p) {
			j.idx.setFile(p, now) // not new: the ignore rules no longer leave it out
			continue
		}
		j.record(out, p, old, &now)
		j.idx.setFile(p, now)
	}
	for p := range j.ignored {
		if _, kept := s.files[p]; kept || s.dirs[p] != 0 {
			delete(j.ignored, p)
		}
	}
	for p, isDir := range s.ignored {
		j.ignored[p] = isDir
	}
	for name := range reg.named {
		p := join(reg.dir, name)
		if isDir, ok := s.ignored[p]; ok {
			if isDir {
				p += "/"
			}
			out.uncover(p, "left out by the ignore rules: its changes are not recorded")
		}
	}
}

func dirOf(p string) string { d, _ := split(p); return d }

// leftOut reports whether the walk found p, or a directory above it, left
// out by the ignore rules.
func (s *seen) leftOut(p string) bool {
	for ; p != ""; p = dirOf(p) {
		if _, ok := s.ignored[p]; ok {
			return true
		}
	}
	return false
}

// wasIgnored reports whether an earlier walk found p, or a directory
// above it, left out by the ignore rules: a path that appears now was
// there before, and an ignore file changed. The caller holds j.mu.
func (j *Journal) wasIgnored(p string) bool {
	for ; p != ""; p = dirOf(p) {
		if _, ok := j.ignored[p]; ok {
			return true
		}
	}
	return false
}

// takeForeign reads what other processes recorded (an undo on the command
// line), so that a scan does not claim those changes for a command: a path
// found as another process's checkpoint left it is refreshed, not
// recorded. The caller holds j.mu.
func (j *Journal) takeForeign() error {
	return j.locked(func() error {
		for _, cp := range j.log.foreign {
			for _, fc := range cp.Files {
				if j.foreign == nil {
					j.foreign = map[string]*State{}
				}
				j.foreign[fc.Path] = fc.After
			}
		}
		j.log.foreign = nil
		return nil
	})
}

// claimedElsewhere reports whether another process's checkpoint left p
// as st.
func (j *Journal) claimedElsewhere(p string, st *State) bool {
	want, ok := j.foreign[p]
	if ok {
		delete(j.foreign, p)
	}
	return ok && st.same(want)
}

// record adds the change from old to now (either nil) to out, or names
// the path as uncovered when a content is not in the store.
func (j *Journal) record(out *found, p string, old, now *entry) {
	var st *State
	if now != nil {
		st = now.state()
	}
	if j.claimedElsewhere(p, st) {
		return // another process's doing, recorded there
	}
	switch {
	case old != nil && old.flags&tooLarge != 0, now != nil && now.flags&tooLarge != 0:
		out.uncover(p, fmt.Sprintf("over the %s size cap: its content is not kept", formatSize(j.opts.MaxFileSize)))
		return
	case old != nil && old.flags&captured == 0:
		out.uncover(p, "changed before agentbox had kept its content (the first snapshot of the workspace was not done)")
		return
	}
	fc := FileChange{Path: p}
	if old != nil {
		fc.Before = old.state()
	}
	if now != nil {
		fc.After = now.state()
	}
	fc.Change = changeOf(fc.Before, fc.After)
	out.files = append(out.files, fc)
}

func changeOf(before, after *State) Change {
	switch {
	case before == nil:
		return Added
	case after == nil:
		return Deleted
	case before.Type == after.Type && before.Hash == after.Hash:
		return ModeOnly
	}
	return Modified
}

// refresh brings the index up to date with the tree and returns what
// changed since the last refresh: with a watcher, only the directories it
// reported are read; without one, or when it lost track, the whole tree.
// The caller holds j.mu, and the first walk is merged.
//
// A scan is not cut short when ctx is cancelled (a client gave up on the
// call): what it found is merged into the index as it goes, and stopping
// halfway would leave changes in the index that no checkpoint records.
func (j *Journal) refresh(ctx context.Context) (*found, error) {
	ctx = context.WithoutCancel(ctx)
	out := &found{}
	if err := j.takeForeign(); err != nil {
		return out, err
	}
	var d *dirty
	if j.w != nil {
		d = j.w.drain()
	} else {
		d = &dirty{overflow: true}
	}
	var regions []region
	if d.overflow {
		regions = []region{{recursive: true}}
	} else {
		var names []string
		for p, dd := range d.dirs {
			if !dd.removed || j.idx.dirs[p] != nil {
				names = append(names, p)
			}
		}
		slices.Sort(names)
		var whole []string
		for _, p := range names {
			if under(p, whole) || j.idx.dirs[p] == nil {
				continue
			}
			dd := d.dirs[p]
			regions = append(regions, region{dir: p, recursive: dd.rules, enter: dd.enter, named: dd.names})
			if dd.rules {
				whole = append(whole, p)
			}
		}
		ign := make([]string, 0, len(d.ignored))
		for p := range d.ignored {
			ign = append(ign, p)
		}
		slices.Sort(ign)
		for _, p := range ign {
			out.uncover(p+"/", "inside a directory the ignore rules leave out: its changes are not recorded")
		}
	}
	for _, reg := range regions {
		if j.idx.dirs[reg.dir] == nil {
			continue // removed by an earlier region of this refresh
		}
		s, err := j.look(ctx, reg)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			continue // gone: its parent's region records that
		}
		if err != nil {
			return out, err
		}
		j.merge(reg, s, out)
	}
	slices.SortFunc(out.files, func(a, b FileChange) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(out.uncovered, func(a, b Uncovered) int { return strings.Compare(a.Path, b.Path) })
	out.uncovered = slices.Compact(out.uncovered)
	return out, nil
}

// under reports whether p is one of dirs or below one.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if d == "" || p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// prime takes the first snapshot: a walk of the whole tree, merged into
// the index without recording anything, then the content of every file
// put in the store, a file at a time, so no tool call waits long.
func (j *Journal) prime() {
	defer j.wg.Done()
	defer close(j.primed)
	s, err := j.look(j.ctx, region{recursive: true, background: true})
	if err != nil {
		if j.ctx.Err() == nil {
			j.lg.Warn("checkpoint: the first walk of the workspace failed", "err", err)
		}
		return
	}
	// What the last server saved, unchanged since and still in the store,
	// need not be read again.
	// The saved index is read record by record into what the walk found,
	// never held as a map of its own: on 50,000 files that map alone was
	// a fifth of the server's peak memory.
	err = j.eachSaved(func(p []byte, old entry) {
		if e, ok := s.files[string(p)]; ok && old.sameStat(&e) && e.flags&racy == 0 && j.log.store.has(old.hash) {
			e.hash, e.flags = old.hash, captured
			s.files[string(p)] = e
		}
	})
	if err != nil {
		j.lg.Warn("checkpoint: reading every file again", "err", err)
	}
	j.mu.Lock()
	for p, m := range s.dirs {
		if !j.touched[p] {
			j.idx.ensureDir(p, m)
		}
	}
	var todo []string
	for p, e := range s.files {
		if j.touched[p] || j.pending[p] > 0 {
			continue
		}
		j.idx.setFile(p, e)
		if e.flags&captured == 0 {
			todo = append(todo, p)
		}
	}
	for p, isDir := range s.ignored {
		j.ignored[p] = isDir
	}
	j.touched = nil
	j.walked = true // events queued since each directory was watched are left for the first scan
	j.mu.Unlock()
	slices.Sort(todo)
	burst := int64(len(s.files)+len(s.dirs)) * walkEntryBytes // what the walk's maps held, roughly
	for _, p := range todo {
		if j.ctx.Err() != nil {
			return
		}
		data, now, err := readContent(j.root, p, j.opts.MaxFileSize)
		if err != nil {
			continue
		}
		burst += int64(len(data))
		var h Hash
		var n int64
		if now.flags&tooLarge == 0 {
			if h, n, err = j.log.store.put(data); err != nil {
				j.lg.Warn("checkpoint: cannot store a content", "path", p, "err", err)
				continue
			}
		}
		j.mu.Lock()
		j.bytes += n
		if e := j.idx.file(p); e != nil && e.sameStat(&now) && e.flags&captured == 0 {
			e.hash, e.flags = h, now.flags
			if now.flags&tooLarge == 0 {
				e.flags |= captured
			}
		}
		j.mu.Unlock()
	}
	size, _ := j.log.store.size()
	j.mu.Lock()
	j.bytes = size
	j.snapshotted = true
	data := j.encodeIndex()
	j.mu.Unlock()
	if err := j.saveIndex(data); err != nil {
		j.lg.Warn("checkpoint: cannot save the index", "err", err)
	}
	// The snapshot is a one-time burst of garbage (the walk's maps, the
	// contents read): after a big one, give the memory back now rather
	// than keep it. Not after a small one: a forced collection and a
	// return of every free page cost more than the few megabytes are worth,
	// and on a small workspace they ran while the client waited for the
	// handshake, a tenth of the server's start-up CPU.
	data = nil
	if burst >= freeAfterBytes {
		debug.FreeOSMemory()
	}
}

// freeAfterBytes is the least snapshot garbage after which prime returns
// free memory to the OS; walkEntryBytes is about what one path costs in the
// walk's maps.
const (
	freeAfterBytes = 32 << 20
	walkEntryBytes = 256
)
