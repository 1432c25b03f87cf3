package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// logFile is the journal's directory on disk: the append-only log of
// checkpoints, the content store, and the lock that lets processes take
// turns. Its methods that read or write the log must be called with the
// lock held.
//
//	lock      flock(2)ed for each operation; holds the holder's pid
//	live      flock(2)ed shared by each server for its life
//	journal   one checksummed JSON line per record
//	objects/  contents by hash
type logFile struct {
	dir   string
	store store
	lockF *os.File
	mu    sync.Mutex // this process's holders of the lock take turns: flock(2) would let them share

	// What was read of the log, and how far.
	cps     []*Checkpoint // recorded checkpoints, oldest first
	intent  *Checkpoint   // an undo begun and not finished
	off     int64         // the end of the last whole line read
	ino     uint64        // the log's inode: a rewrite replaces it
	lastID  int64
	skipped int // lines that failed their checksum

	// foreign are the checkpoints another process recorded since the
	// first read, for a live journal to take in.
	foreign []*Checkpoint
	read    bool // the log was read once
}

func openLog(dir string) (*logFile, error) {
	if err := os.MkdirAll(filepath.Join(dir, "objects"), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &logFile{dir: dir, store: store{dir: filepath.Join(dir, "objects")}, lockF: f}, nil
}

func (l *logFile) close() error { return l.lockF.Close() }

func (l *logFile) path() string { return filepath.Join(l.dir, "journal") }

// BusyError reports that another process held the journal's lock for
// longer than the wait.
type BusyError struct {
	Dir string
	PID int // the holder, when it said
}

func (e *BusyError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("the checkpoint journal %s is busy: %s holds its lock; try again when it is done", e.Dir, who)
}

// lock takes the journal's lock, waiting at most wait, and returns the
// function that releases it. Locks are taken per operation (an append, an
// undo), never for a server's life, so the command line can work beside a
// running server.
func (l *logFile) lock(wait time.Duration) (func(), error) {
	l.mu.Lock()
	deadline := time.Now().Add(wait)
	for delay := 50 * time.Microsecond; ; delay = min(delay*2, 20*time.Millisecond) {
		ok, err := tryLockExclusive(l.lockF)
		if ok {
			break
		}
		if err != nil {
			l.mu.Unlock()
			return nil, fmt.Errorf("lock the checkpoint journal: %w", err)
		}
		if time.Now().After(deadline) {
			var b [16]byte
			n, _ := l.lockF.ReadAt(b[:], 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b[:n])))
			l.mu.Unlock()
			return nil, &BusyError{Dir: l.dir, PID: pid}
		}
		time.Sleep(delay) // flock(2) cannot wait with a deadline; poll, backing off
	}
	_ = l.lockF.Truncate(0)
	_, _ = l.lockF.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = l.lockF.Truncate(0)
		unlock(l.lockF)
		l.mu.Unlock()
	}, nil
}

// sync reads what was appended to the log since the last read, by this
// process or another; a log rewritten meanwhile is read again whole.
func (l *logFile) sync() error {
	f, err := os.Open(l.path())
	if errors.Is(err, os.ErrNotExist) {
		l.cps, l.intent, l.off, l.ino = nil, nil, 0, 0
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ino := fileID(fi)
	known := l.lastID // a log rewritten by another process is read again: what this one knew is not news
	if ino != l.ino || fi.Size() < l.off {
		l.cps, l.intent, l.off, l.ino, l.skipped = nil, nil, 0, ino, 0
	}
	defer func() { l.read = true }()
	if fi.Size() == l.off {
		return nil
	}
	if _, err := f.Seek(l.off, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return nil // a line without its newline: cut short by a crash, or still being written
		}
		if err != nil {
			return err
		}
		l.off += int64(len(line))
		rec, err := decodeRecord(bytes.TrimSuffix(line, []byte("\n")))
		if err != nil {
			l.skipped++
			continue
		}
		l.add(rec)
		if rec.Kind == "cp" && l.read && rec.CP.ID > known {
			l.foreign = append(l.foreign, rec.CP)
		}
	}
}

// add takes a record read or written into the cached state.
func (l *logFile) add(rec record) {
	cp := rec.CP
	l.lastID = max(l.lastID, cp.ID)
	if rec.Kind == "intent" {
		l.intent = cp
		return
	}
	if l.intent != nil && l.intent.ID == cp.ID {
		l.intent = nil
	}
	l.cps = append(l.cps, cp)
}

// append writes rec at the end of the log. A torn line left by a crash is
// cut off first, so the new line starts on a line of its own. The lock is
// held and sync was called.
func (l *logFile) append(rec record) error {
	line, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(l.path(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if l.ino == 0 {
		l.ino = fileID(fi)
	}
	if fi.Size() != l.off {
		if err := f.Truncate(l.off); err != nil {
			return err
		}
	}
	if _, err := f.WriteAt(line, l.off); err != nil {
		_ = f.Truncate(l.off)
		return err
	}
	l.off += int64(len(line))
	l.add(rec)
	return nil
}

// rewrite replaces the log with the checkpoints keep (retention drops the
// oldest): written to a temporary file, synced, renamed over the log, and
// the directory synced, so a crash leaves the old log or the new one.
func (l *logFile) rewrite(keep []*Checkpoint) error {
	var b bytes.Buffer
	for _, cp := range keep {
		line, err := encodeRecord(record{Kind: "cp", CP: cp})
		if err != nil {
			return err
		}
		b.Write(line)
	}
	if l.intent != nil {
		line, err := encodeRecord(record{Kind: "intent", CP: l.intent})
		if err != nil {
			return err
		}
		b.Write(line)
	}
	if err := writeAtomic(l.path(), b.Bytes()); err != nil {
		return err
	}
	fi, err := os.Stat(l.path())
	if err != nil {
		return err
	}
	l.cps, l.off, l.ino = keep, int64(b.Len()), fileID(fi)
	return nil
}

// writeAtomic replaces the file at path with data: written to a
// temporary file, synced, renamed over it, and the directory synced, so a
// crash leaves the old file or the new.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// find returns the recorded checkpoint with id.
func (l *logFile) find(id int64) *Checkpoint {
	for _, cp := range l.cps {
		if cp.ID == id {
			return cp
		}
	}
	return nil
}
