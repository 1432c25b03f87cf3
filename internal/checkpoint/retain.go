package checkpoint

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func nowUTC() time.Time { return time.Now().UTC() }

// retain drops the oldest checkpoints when the journal holds more than
// MaxCount, or its store more than MaxBytes, and then collects the
// contents nothing refers to any more. The lock is held. Only a live
// journal counts the store, so only a server drops for size.
//
// Past MaxCount it drops a tenth of MaxCount more than it must: dropping
// rewrites the log and lists the store, which a journal at its bound
// would otherwise do with every checkpoint (an Edit took 3× as long).
func (j *Journal) retain() error {
	n := len(j.log.cps)
	drop := n - j.opts.MaxCount
	if drop > 0 {
		drop += j.opts.MaxCount / 10
	}
	if j.live() && j.walked && j.bytes > j.opts.MaxBytes {
		drop = max(drop, n/10, 1)
	}
	if drop <= 0 {
		return nil
	}
	drop = min(drop, n-1) // keep the newest: it was just made
	if drop <= 0 {
		return nil
	}
	keep := append([]*Checkpoint(nil), j.log.cps[drop:]...)
	if err := j.log.rewrite(keep); err != nil {
		return err
	}
	if j.live() {
		j.wg.Add(1)
		go j.collect()
	}
	return nil
}

// collect removes the contents that neither a checkpoint nor the index
// refers to. It runs only while this server is the only one on the
// journal (another's index is out of its sight), and removes only contents
// older than its listing, so one stored meanwhile is safe.
func (j *Journal) collect() {
	defer j.wg.Done()
	// A collection asked for before Close still runs (Close waits for it):
	// a select on both would pick at random once both are ready.
	select {
	case <-j.primed:
	default:
		select {
		case <-j.primed:
		case <-j.ctx.Done():
			return
		}
	}
	if j.liveF == nil {
		return
	}
	if ok, _ := tryLockExclusive(j.liveF); !ok {
		return // another server uses this journal
	}
	defer downgrade(j.liveF)
	start := time.Now()
	type blob struct {
		path string
		size int64
	}
	listed := map[Hash]blob{}
	_ = filepath.WalkDir(j.log.store.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), "tmp-") {
			if time.Since(fi.ModTime()) > time.Hour {
				os.Remove(p) // left by a crash
			}
			return nil
		}
		var h Hash
		if h.UnmarshalText([]byte(filepath.Base(filepath.Dir(p))+d.Name())) == nil && fi.ModTime().Before(start) {
			listed[h] = blob{p, fi.Size()}
		}
		return nil
	})
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.locked(func() error {
		keep := func(s *State) {
			if s != nil {
				delete(listed, s.Hash)
			}
		}
		for _, cp := range j.log.cps {
			for _, fc := range cp.Files {
				keep(fc.Before)
				keep(fc.After)
			}
		}
		if j.log.intent != nil {
			for _, fc := range j.log.intent.Files {
				keep(fc.Before)
				keep(fc.After)
			}
		}
		for _, d := range j.idx.dirs {
			for _, e := range d.files {
				delete(listed, e.hash)
			}
		}
		for _, b := range listed {
			if os.Remove(b.path) == nil {
				j.bytes -= b.size
			}
		}
		return nil
	})
}

// size adds up the store's contents.
func (s *store) size() (int64, error) {
	var n int64
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}
