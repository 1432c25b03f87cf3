package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"syscall"
)

// Op is one tool call being recorded: begun before the call changes
// anything, done after. Done (or Abort) must be called once.
type Op struct {
	j       *Journal
	tool    string
	summary string
	scan    bool
	partial bool // a scan begun before the first walk was merged

	paths  []string          // a Begin's paths and the directories it may create
	before map[string]*State // their states at Begin; nil when absent
	found  found             // what Begin itself could not keep
	done   bool
}

// Begin starts recording a tool call that changes the given files
// (workspace-relative, slash-separated) and nothing else, as Write and
// Edit do: it notes each file's state (its content is in the store already
// when the index knows it unchanged; otherwise it is read now) and keeps
// scans from claiming the change for a command running meanwhile. Call
// Done even when the call failed: it records whatever did change (the
// directories a failed write made, say), and nothing when nothing did.
//
// A nil Journal (checkpoints off) records nothing: its operations are nil,
// and a nil Op's Done returns nil.
func (j *Journal) Begin(tool, summary string, paths ...string) *Op {
	if j == nil {
		return nil
	}
	op := &Op{j: j, tool: tool, summary: summary, before: map[string]*State{}}
	seen := map[string]bool{}
	for _, p := range paths {
		p = slash(p)
		if p == "" {
			continue
		}
		// The directories a write may create are part of the change.
		for d := p; d != ""; d = dirOf(d) {
			if !seen[d] {
				seen[d] = true
				op.paths = append(op.paths, d)
			}
		}
	}
	slices.Sort(op.paths)
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, p := range op.paths {
		j.pending[p]++
		if j.touched != nil {
			j.touched[p] = true
		}
		st, err := j.stateNow(p, true)
		if err != nil {
			op.found.uncover(p, "could not be read before the change: "+describe(err))
			continue
		}
		op.before[p] = st
	}
	return op
}

// BeginScan starts recording a tool call that may change anything, as a
// Bash command does. The changes made since the last scan are taken in
// first: if a background command is running they are its (a checkpoint
// of their own); otherwise they came from outside and only refresh what
// the journal knows.
func (j *Journal) BeginScan(ctx context.Context, tool, summary string) (*Op, error) {
	if j == nil {
		return nil, nil
	}
	op := &Op{j: j, tool: tool, summary: summary, scan: true}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.walked {
		op.partial = true
		j.scans = append(j.scans, op)
		return op, nil
	}
	f, err := j.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if running := j.running(); running != nil && (len(f.files) > 0 || len(f.uncovered) > 0) {
		cp := &Checkpoint{Tool: running.tool, Summary: running.summary, Files: f.files, Uncovered: f.uncovered,
			Note: "changes made while this command ran, up to when another command started; later ones are in a later checkpoint"}
		if err := j.commit(cp); err != nil {
			return nil, err
		}
	}
	j.scans = append(j.scans, op)
	return op, nil
}

// running returns the oldest open scan operation, or nil. The caller
// holds j.mu.
func (j *Journal) running() *Op {
	for _, op := range j.scans {
		if !op.partial {
			return op
		}
	}
	return nil
}

// Done ends the operation and records what it changed as a checkpoint,
// which it returns; nil when nothing changed.
func (op *Op) Done(ctx context.Context) (*Checkpoint, error) {
	if op == nil {
		return nil, nil
	}
	j := op.j
	j.mu.Lock()
	defer j.mu.Unlock()
	if op.done {
		return nil, errors.New("checkpoint: operation already done")
	}
	op.done = true
	if !op.scan {
		return op.doneFiles()
	}
	j.scans = slices.DeleteFunc(j.scans, func(o *Op) bool { return o == op })
	cp := &Checkpoint{Tool: op.tool, Summary: op.summary}
	if op.partial || !j.walked {
		cp.Uncovered = []Uncovered{{Path: ".", Why: "the command ran before agentbox's first snapshot of the workspace was done: its changes are not recorded"}}
		if j.walked {
			if _, err := j.refresh(ctx); err != nil {
				return nil, err
			}
		}
		return cp, j.commit(cp)
	}
	f, err := j.refresh(ctx)
	if err != nil {
		return nil, err
	}
	if len(f.files) == 0 && len(f.uncovered) == 0 {
		return nil, nil
	}
	cp.Files, cp.Uncovered = f.files, f.uncovered
	var others []string
	for _, o := range j.scans {
		others = append(others, o.summary)
	}
	if len(others) > 0 {
		cp.Note = "other commands were running meanwhile (" + strings.Join(others, "; ") + "); their changes in that time are here too"
	}
	return cp, j.commit(cp)
}

// Abort ends the operation without recording it: the tool call changed
// nothing. Scans take in whatever it did change after all.
func (op *Op) Abort() {
	if op == nil {
		return
	}
	j := op.j
	j.mu.Lock()
	defer j.mu.Unlock()
	if op.done {
		return
	}
	op.done = true
	j.scans = slices.DeleteFunc(j.scans, func(o *Op) bool { return o == op })
	for _, p := range op.paths {
		j.release(p)
	}
}

func (j *Journal) release(p string) {
	if j.pending[p]--; j.pending[p] <= 0 {
		delete(j.pending, p)
	}
}

// doneFiles records a Begin operation's files. The caller holds j.mu.
func (op *Op) doneFiles() (*Checkpoint, error) {
	j := op.j
	cp := &Checkpoint{Tool: op.tool, Summary: op.summary, Uncovered: op.found.uncovered}
	for _, p := range op.paths {
		j.release(p)
		before, ok := op.before[p]
		if !ok {
			continue
		}
		after, err := j.stateNow(p, false)
		if err != nil {
			cp.Uncovered = append(cp.Uncovered, Uncovered{Path: p, Why: "could not be read after the change: " + describe(err)})
			continue
		}
		if before.same(after) {
			continue
		}
		if j.tooBig(before, after) {
			cp.Uncovered = append(cp.Uncovered, Uncovered{Path: p, Why: fmt.Sprintf("over the %s size cap: its content is not kept", formatSize(j.opts.MaxFileSize))})
			continue
		}
		cp.Files = append(cp.Files, FileChange{Path: p, Change: changeOf(before, after), Before: before, After: after})
	}
	if len(cp.Files) == 0 && len(cp.Uncovered) == 0 {
		return nil, nil
	}
	return cp, j.commit(cp)
}

// tooBig reports whether a state stands for a file over the size cap
// (stateNow gives those a zero hash).
func (j *Journal) tooBig(states ...*State) bool {
	for _, s := range states {
		if s != nil && s.Type != Dir && s.Hash.IsZero() {
			return true
		}
	}
	return false
}

// stateNow returns p's state on disk (nil if absent), putting its content
// in the store and the index. When trustIndex is set, a file the index
// holds with the same stat is not read again. A file over the size cap
// gets a state with a zero hash. The caller holds j.mu.
func (j *Journal) stateNow(p string, trustIndex bool) (*State, error) {
	fi, err := j.root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		if j.live() {
			j.idx.remove(p)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		if j.live() {
			j.idx.ensureDir(p, fi.Mode())
		}
		return &State{Type: Dir, Mode: fi.Mode().Perm()}, nil
	}
	if trustIndex && j.live() {
		if e := j.idx.file(p); e != nil && e.flags&captured != 0 && e.flags&racy == 0 {
			now := entryOf(fi)
			if e.sameStat(&now) {
				return e.state(), nil
			}
		}
	}
	data, e, err := readContent(j.root, p, j.opts.MaxFileSize)
	if err != nil {
		return nil, err
	}
	if e.flags&tooLarge != 0 {
		if j.live() {
			j.idx.setFile(p, e)
		}
		return &State{Type: typeOf(e.mode), Size: e.size, Mode: e.mode.Perm()}, nil
	}
	h, n, err := j.log.store.put(data)
	if err != nil {
		return nil, err
	}
	j.bytes += n
	e.hash, e.flags = h, e.flags|captured
	if j.live() {
		j.idx.setFile(p, e)
	}
	return e.state(), nil
}

func (j *Journal) live() bool { return j.opts.Live }

// describe phrases an error without the host's paths.
func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// formatSize prints a byte count the way people read it.
func formatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
