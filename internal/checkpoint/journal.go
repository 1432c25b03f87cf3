package checkpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/walk"
)

// Defaults for Options left zero.
const (
	DefaultMaxBytes    = 1 << 30 // the store's size before the oldest checkpoints go
	DefaultMaxCount    = 1000    // checkpoints kept
	DefaultMaxFileSize = 8 << 20 // a file larger than this is named, never stored
	DefaultLockWait    = 10 * time.Second
)

// Options configure a Journal.
type Options struct {
	// Dir is the journal's directory, outside the workspace (see
	// DefaultDir). It is made if missing.
	Dir string
	// Live makes the journal a server's: it keeps an index of the tracked
	// tree, takes a first snapshot of it in the background, watches it for
	// changes, and records Begin and BeginScan operations. Without Live
	// (the command line), List, Diff and Undo work from the log alone.
	Live bool
	// MaxBytes bounds the store: past it the oldest checkpoints are
	// dropped. MaxCount bounds how many checkpoints are kept.
	MaxBytes int64
	MaxCount int
	// MaxFileSize is the largest file whose content is kept; a larger one
	// is named in the checkpoints that change it.
	MaxFileSize int64
	// Poll scans the whole tree for every command instead of watching it
	// for changes: what happens anyway where inotify is missing or the
	// kernel refuses more watches.
	Poll bool
	// DeferPrime leaves a live journal's first snapshot (a walk of the
	// whole workspace, then a copy of every file) for Prime to start, or
	// Primed: a server starts it once its client has its answer to
	// initialize, so the two do not share the CPU.
	DeferPrime bool
	// Excludes are the user's global git excludes, honoured as Glob does.
	Excludes *walk.GlobalExcludes
	// LockWait is how long to wait for another process's operation.
	LockWait time.Duration
	Logger   *slog.Logger
}

// Journal records a workspace's changes as checkpoints and undoes them. It
// is safe for concurrent use, and several processes may use one journal
// directory at once: each operation takes the directory's lock.
type Journal struct {
	root *os.Root
	base string // the workspace's real path
	self string // the journal's directory, workspace-relative, when it is inside: never scanned
	opts Options
	log  *logFile
	lg   *slog.Logger

	// ops serialises this process's operations on the log and the index.
	mu          sync.Mutex
	idx         *index
	w           *watcher
	pending     map[string]int    // paths a Begin operation is changing: scans leave them alone
	touched     map[string]bool   // paths operations set while the first walk ran
	scans       []*Op             // open scan operations, oldest first
	walked      bool              // the first walk is merged: scans may compare
	snapshotted bool              // the first snapshot stored every file's content
	bytes       int64             // the store's size, once the first snapshot counted it
	foreign     map[string]*State // paths as other processes' checkpoints left them, not yet seen by a scan
	ignored     map[string]bool   // paths the walks found left out by the ignore rules (true: a directory)

	primed chan struct{} // closed when the first snapshot is done
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	liveF  *os.File
	closed sync.Once
	// primeOnce starts the first snapshot, or, at Close, marks that it
	// never will.
	primeOnce sync.Once
	err       error // Close's
}

// Open opens the journal of the workspace whose root is root and whose
// real path (symlinks resolved) is base. A live journal starts its first
// snapshot in the background and returns at once.
func Open(root *os.Root, base string, opts Options) (*Journal, error) {
	if opts.Dir == "" {
		return nil, errors.New("checkpoint: no journal directory")
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxCount <= 0 {
		opts.MaxCount = DefaultMaxCount
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.LockWait <= 0 {
		opts.LockWait = DefaultLockWait
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	l, err := openLog(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint journal: %w", err)
	}
	// The journal names its workspace, for people and gc; written only when
	// it does not already: a read costs a start less than a rewrite.
	if name := filepath.Join(opts.Dir, "workspace"); !fileHolds(name, base+"\n") {
		_ = os.WriteFile(name, []byte(base+"\n"), 0o600)
	}
	j := &Journal{root: root, base: base, opts: opts, log: l, lg: opts.Logger,
		idx: newIndex(), pending: map[string]int{}, ignored: map[string]bool{}, touched: map[string]bool{}, primed: make(chan struct{})}
	j.ctx, j.cancel = context.WithCancel(context.Background())
	if real, err := filepath.EvalSymlinks(opts.Dir); err == nil {
		if rel, err := filepath.Rel(base, real); err == nil && filepath.IsLocal(rel) {
			j.self = filepath.ToSlash(rel)
		}
	}
	unlock, err := l.lock(opts.LockWait)
	if err != nil {
		l.close()
		return nil, err
	}
	err = l.sync()
	if err == nil && l.intent != nil {
		err = j.finishUndo()
	}
	unlock()
	if err != nil {
		l.close()
		return nil, fmt.Errorf("checkpoint journal: %w", err)
	}
	if l.skipped > 0 {
		j.lg.Warn("checkpoint journal: skipped damaged lines", "lines", l.skipped)
	}
	if !opts.Live {
		j.primeOnce.Do(func() { close(j.primed) }) // nothing to snapshot
		return j, nil
	}
	if f, err := os.OpenFile(filepath.Join(opts.Dir, "live"), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		_ = lockShared(f)
		j.liveF = f
	}
	if w, err := newWatcher(base); opts.Poll {
		w.close()
	} else if err == nil {
		j.w = w
	} else {
		j.lg.Debug("checkpoint: no change notification; every scan reads the whole tree", "err", err)
	}
	if !opts.DeferPrime {
		j.Prime()
	}
	return j, nil
}

// Prime starts the first snapshot of a live journal in the background,
// unless it has begun, or the journal is closed. Open does, but for
// Options.DeferPrime.
func (j *Journal) Prime() {
	j.primeOnce.Do(func() {
		j.wg.Add(1)
		go j.prime()
	})
}

// fileHolds reports whether the file name holds exactly want.
func fileHolds(name, want string) bool {
	b, err := os.ReadFile(name)
	return err == nil && string(b) == want
}

// Dir returns the journal's directory.
func (j *Journal) Dir() string { return j.opts.Dir }

// Close stops the background snapshot and releases the journal.
func (j *Journal) Close() error {
	j.closed.Do(func() {
		// A first snapshot never started never will: Primed's channel
		// closes. One started is stopped and waited for below.
		j.primeOnce.Do(func() { close(j.primed) })
		j.cancel()
		j.wg.Wait()
		j.mu.Lock()
		defer j.mu.Unlock()
		if j.snapshotted { // else the first snapshot was cut short: what it learned is not worth keeping
			if err := j.saveIndex(j.encodeIndex()); err != nil {
				j.lg.Warn("checkpoint: cannot save the index", "err", err)
			}
		}
		j.w.close()
		j.w = nil
		if j.liveF != nil {
			j.liveF.Close()
		}
		j.err = j.log.close()
	})
	return j.err
}

// Primed is closed when the first snapshot of a live journal is complete:
// from then on a Bash command's changes can be undone in full. It starts
// the snapshot if it has not begun (Options.DeferPrime).
func (j *Journal) Primed() <-chan struct{} {
	j.Prime()
	return j.primed
}

// locked runs f with the journal's lock held and the log read up to date.
func (j *Journal) locked(f func() error) error {
	unlock, err := j.log.lock(j.opts.LockWait)
	if err != nil {
		return err
	}
	defer unlock()
	if err := j.log.sync(); err != nil {
		return err
	}
	return f()
}

// List returns the recorded checkpoints, newest first. They are shared:
// callers must not change them.
func (j *Journal) List() ([]*Checkpoint, error) {
	var out []*Checkpoint
	err := j.locked(func() error {
		for i := len(j.log.cps) - 1; i >= 0; i-- {
			out = append(out, j.log.cps[i])
		}
		return nil
	})
	return out, err
}

// Get returns the checkpoint with id.
func (j *Journal) Get(id int64) (*Checkpoint, error) {
	var cp *Checkpoint
	err := j.locked(func() error {
		cp = j.log.find(id)
		if cp == nil {
			return j.noSuch(id)
		}
		return nil
	})
	return cp, err
}

// noSuch explains a checkpoint id the log does not hold.
func (j *Journal) noSuch(id int64) error {
	if len(j.log.cps) == 0 {
		return fmt.Errorf("no checkpoint %d: the journal holds none", id)
	}
	return fmt.Errorf("no checkpoint %d: the journal holds %d to %d", id, j.log.cps[0].ID, j.log.cps[len(j.log.cps)-1].ID)
}

// commit records cp under the lock, giving it the next id. The caller
// holds j.mu.
func (j *Journal) commit(cp *Checkpoint) error {
	err := j.locked(func() error {
		cp.ID = j.log.lastID + 1
		if cp.Time.IsZero() {
			cp.Time = time.Now().UTC()
		}
		if err := j.log.append(record{Kind: "cp", CP: cp}); err != nil {
			return err
		}
		return j.retain()
	})
	if err != nil {
		return fmt.Errorf("record checkpoint: %w", err)
	}
	return nil
}
