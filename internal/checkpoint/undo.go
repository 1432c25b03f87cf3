package checkpoint

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// UndoResult tells what an undo did, or would do, or why it refused.
type UndoResult struct {
	// Checkpoint is the undo's own checkpoint (so it can be undone in
	// turn); nil for a dry run or a refusal.
	Checkpoint *Checkpoint
	// Changes are what the undo does: Before is the path now, After what
	// it is restored to.
	Changes []FileChange
	// Conflicts are paths changed since the journal last saw them, by
	// something it did not record. Any conflict stops the undo unless
	// forced.
	Conflicts []Conflict
	// Restored are the files and symlinks whose content, mode or existence
	// the undo changed: a tool must read them again before editing.
	Restored []string
	// Uncovered are changes the undone checkpoints could not hold, which
	// the undo cannot restore.
	Uncovered []Uncovered
}

// Conflict is a path that is not as the journal last saw it.
type Conflict struct {
	Path  string `json:"path"`
	Want  *State `json:"want"`  // as the journal last saw it; nil: absent
	Found *State `json:"found"` // as it is now
}

// What says how the path differs from what the journal last saw:
// "deleted", "created", "content changed", ...
func (c Conflict) What() string {
	switch {
	case c.Found == nil:
		return "deleted"
	case c.Want == nil:
		return "created"
	case c.Want.Type != c.Found.Type:
		return fmt.Sprintf("now a %s, was a %s", c.Found.Type, c.Want.Type)
	case c.Want.Hash != c.Found.Hash:
		return "content changed"
	}
	return fmt.Sprintf("mode changed to %v", c.Found.Mode)
}

// Undo restores the workspace to how it was before checkpoint id,
// undoing it and every later one. It is all or nothing: it first checks
// each path it would restore against the state the journal last saw, and
// if any differs (changed by an editor or another process) it restores
// nothing and lists the conflicts, unless force is set. dryRun reports the
// plan without changing anything. The undo is itself a checkpoint. It is
// written as an intent before anything changes, so if the process dies
// midway, the next Open completes it.
func (j *Journal) Undo(ctx context.Context, id int64, force, dryRun bool) (*UndoResult, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	res := &UndoResult{}
	err := j.locked(func() error {
		first := slices.IndexFunc(j.log.cps, func(cp *Checkpoint) bool { return cp.ID == id })
		if first < 0 {
			return j.noSuch(id)
		}
		undone := j.log.cps[first:]
		target, expect := map[string]*State{}, map[string]*State{}
		var paths []string
		for _, cp := range undone {
			for _, fc := range cp.Files {
				if _, ok := target[fc.Path]; !ok {
					target[fc.Path] = fc.Before
					paths = append(paths, fc.Path)
				}
				expect[fc.Path] = fc.After
			}
			res.Uncovered = append(res.Uncovered, cp.Uncovered...)
		}
		slices.Sort(paths)
		for _, p := range paths {
			now, err := j.stateNow(p, true)
			if err != nil {
				return fmt.Errorf("%s: %s", p, describe(err))
			}
			want := target[p]
			if now.same(want) {
				continue
			}
			if !now.same(expect[p]) {
				res.Conflicts = append(res.Conflicts, Conflict{Path: p, Want: expect[p], Found: now})
			}
			if want != nil && want.Type != Dir && !j.log.store.has(want.Hash) {
				return fmt.Errorf("%s: cannot be restored: its content is %w", p, errMissing)
			}
			res.Changes = append(res.Changes, FileChange{Path: p, Change: changeOf(now, want), Before: now, After: want})
		}
		if (len(res.Conflicts) > 0 && !force) || dryRun || len(res.Changes) == 0 {
			return nil
		}
		last := undone[len(undone)-1].ID
		summary := fmt.Sprintf("undo checkpoints %d to %d", id, last)
		if id == last {
			summary = fmt.Sprintf("undo checkpoint %d", id)
		}
		cp := &Checkpoint{ID: j.log.lastID + 1, Time: nowUTC(), Tool: "Undo", Summary: summary, Files: res.Changes, Undoes: id}
		if err := j.log.append(record{Kind: "intent", CP: cp}); err != nil {
			return fmt.Errorf("record the undo: %w", err)
		}
		for _, fc := range res.Changes {
			j.pending[fc.Path]++
			if j.touched != nil {
				j.touched[fc.Path] = true // the first walk may have seen it before the undo
			}
		}
		defer func() {
			for _, fc := range res.Changes {
				j.release(fc.Path)
			}
		}()
		if problems := j.apply(res.Changes); len(problems) > 0 {
			cp.Note = "some paths could not be restored: " + strings.Join(problems, "; ")
		}
		if err := j.log.append(record{Kind: "cp", CP: cp}); err != nil {
			return fmt.Errorf("record the undo: %w", err)
		}
		for _, fc := range res.Changes {
			if (fc.Before != nil && fc.Before.Type != Dir) || (fc.After != nil && fc.After.Type != Dir) {
				res.Restored = append(res.Restored, fc.Path)
			}
			if j.live() {
				_, _ = j.stateNow(fc.Path, false) // the index learns what the undo wrote
			}
		}
		res.Checkpoint = cp
		return j.retain()
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// finishUndo completes an undo whose intent was recorded but not its
// checkpoint: the process died while applying it. Each path still not as
// planned is restored, and the checkpoint recorded. The lock is held.
func (j *Journal) finishUndo() error {
	cp := j.log.intent
	var todo []FileChange
	for _, fc := range cp.Files {
		now, err := j.stateNow(fc.Path, false)
		if err == nil && now.same(fc.After) {
			continue
		}
		todo = append(todo, fc)
	}
	done := *cp
	done.Note = "completed when the journal was next opened: the process applying it had stopped midway"
	if problems := j.apply(todo); len(problems) > 0 {
		done.Note += "; some paths could not be restored: " + strings.Join(problems, "; ")
	}
	return j.log.append(record{Kind: "cp", CP: &done})
}

// apply makes each path as its change's After says: first removing what
// goes (deepest first), then making directories and writing files and
// symlinks (shallowest first). Every write goes through the workspace's
// root to a temporary file that is renamed into place. It returns what it
// could not do.
func (j *Journal) apply(changes []FileChange) []string {
	var problems []string
	fail := func(p string, err error) { problems = append(problems, p+": "+describe(err)) }
	var removals []FileChange
	for _, fc := range changes {
		if fc.Before != nil && (fc.After == nil || fc.After.Type != fc.Before.Type) {
			removals = append(removals, fc)
		}
	}
	slices.SortFunc(removals, func(a, b FileChange) int { return strings.Compare(b.Path, a.Path) })
	for _, fc := range removals {
		if err := j.root.Remove(fc.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if fc.Before.Type == Dir {
				problems = append(problems, fc.Path+": directory not removed: it holds files the journal does not cover")
			} else {
				fail(fc.Path, err)
			}
		}
	}
	for _, fc := range changes { // sorted by path: parents first
		if fc.After == nil {
			continue
		}
		if err := j.restore(fc.Path, fc.After); err != nil {
			fail(fc.Path, err)
		}
	}
	return problems
}

// restore makes p as st says.
func (j *Journal) restore(p string, st *State) error {
	if d := dirOf(p); d != "" {
		if err := j.root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if st.Type == Dir {
		if err := j.root.Mkdir(p, st.Mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return j.root.Chmod(p, st.Mode)
	}
	data, err := j.log.store.get(st.Hash)
	if err != nil {
		return err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	d, name := split(p)
	tmp := join(d, "."+name+".agentbox-undo-"+hex.EncodeToString(b[:]))
	if st.Type == Link {
		if err := j.root.Symlink(string(data), tmp); err != nil {
			return err
		}
	} else {
		f, err := j.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		if err == nil {
			err = f.Chmod(st.Mode) // on the descriptor: a swapped name cannot redirect it
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = j.root.Remove(tmp)
			return err
		}
	}
	if err := j.root.Rename(tmp, p); err != nil {
		_ = j.root.Remove(tmp)
		return err
	}
	return nil
}
