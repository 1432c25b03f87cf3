package tools

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentbox/agentbox/internal/search"
	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

// grepRun is one Grep search: files are searched in parallel by the walk's
// workers, each with its own Searcher, and what a mode needs is kept in a
// bounded collector, so memory stays small whatever the tree holds.
type grepRun struct {
	t   *Toolset
	req *grepRequest

	searchers sync.Pool
	binary    atomic.Int64 // binary files skipped
	found     int          // results before paging, for the notes

	mu    sync.Mutex
	errs  []error // files that could not be searched (the first few)
	nerrs int
	late  []string // files whose search stopped at binary data after a match (the first few)
	nlate int
}

// grepFile is what one file contributed.
type grepFile struct {
	path  string // workspace-relative, for display
	rel   string // relative to the directory searched: the sort key
	mtime time.Time
	count int
	lines []grepLine // content mode
}

// grepLine is one line of content output: sep is ':' for a match, '-' for
// context, 0 for a group separator ("--").
type grepLine struct {
	num  int
	sep  byte
	text string
}

func (r *grepRun) searcher() *search.Searcher {
	if s, ok := r.searchers.Get().(*search.Searcher); ok {
		return s
	}
	s := &search.Searcher{Pattern: r.req.pattern, Before: r.req.before, After: r.req.after}
	s.OnlyMatching = r.req.args.Only && r.req.mode != "files_with_matches"
	return s
}

func (r *grepRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nerrs++
	if len(r.errs) < maxErrorsShown {
		r.errs = append(r.errs, err)
	}
}

const maxErrorsShown = 5

// searchFile runs the search on an open file; emit as for Searcher.Search.
func (r *grepRun) searchFile(ctx context.Context, path string, f *os.File, size int64, maxCount int, emit func(*search.Line) bool) (search.Result, bool) {
	if r.req.args.Multiline && size > search.MaxMultiline {
		r.fail(&fs.PathError{Op: "read", Path: path, Err: search.ErrTooLarge})
		return search.Result{}, false
	}
	s := r.searcher()
	defer r.searchers.Put(s)
	s.MaxCount = maxCount
	// Read no further than the size the file had when opened: that saves
	// the read that would only say EOF, and a file growing meanwhile (a log
	// being written) is searched as it was.
	res, err := s.Search(ctxReader{ctx, io.LimitReader(f, size)}, emit)
	if res.Binary && res.Count == 0 {
		r.binary.Add(1)
	} else if res.Binary {
		r.mu.Lock()
		r.nlate++
		if len(r.late) < maxErrorsShown {
			r.late = append(r.late, workspace.Display(path))
		}
		r.mu.Unlock()
	}
	if err != nil {
		if ctx.Err() == nil {
			r.fail(&fs.PathError{Op: "read", Path: path, Err: unwrapPath(err)})
		}
		return res, res.Count > 0
	}
	return res, res.Count > 0
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ctxReader stops a long read when the search is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// walk searches every file the filters let through with visit; a single
// file given as path is visited alone.
func (r *grepRun) walk(ctx context.Context, prune func(rel string, isDir bool) bool, visit func(path, rel string, open opener, info func() (fs.FileInfo, error)) error) (walk.Stats, error) {
	if r.req.file != "" {
		name := r.req.file
		base := name[strings.LastIndexByte(name, '/')+1:]
		open := func() (*os.File, fs.FileInfo, error) {
			f, err := r.t.ws.Open(name)
			if err != nil {
				return nil, nil, err
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, nil, r.t.ws.Wrap(name, err)
			}
			return f, fi, nil
		}
		return walk.Stats{Files: 1}, visit(name, base, open, func() (fs.FileInfo, error) { return r.t.ws.Stat(name) })
	}
	opts := walk.Options{
		Start:      r.req.base,
		Global:     r.t.excludes.Rules(),
		MaxEntries: walkMaxEntries,
	}
	filter := r.req.filter
	if !filter.empty() || prune != nil {
		opts.Filter = func(rel string, isDir bool) walk.Decision {
			if prune != nil && prune(rel, isDir) {
				return walk.Exclude
			}
			return filter.decide(rel, isDir)
		}
	}
	return walk.Walk(ctx, r.t.ws.Root(), opts, func(e *walk.Entry) error {
		err := visit(e.Path, e.Rel, e.Open, e.Info)
		if err != nil && !errors.Is(err, walk.ErrStop) {
			r.fail(err)
			return nil
		}
		return err
	})
}

// opener opens a file to search and returns its info.
type opener func() (*os.File, fs.FileInfo, error)

// open opens a file to search, recording why it could not be.
func (r *grepRun) open(open opener) (*os.File, fs.FileInfo) {
	f, fi, err := open()
	if err != nil {
		r.fail(err)
		return nil, nil
	}
	return f, fi
}

// files finds the files with a match, keeping the newest offset+limit+1:
// once that many are found, a file older than all of them is not read. Its
// age is first asked of the directory (one stat) while that pays, that is
// while most files it is asked about turn out too old, as in a fresh clone
// where all have the same time; otherwise it comes with the open.
func (r *grepRun) files(ctx context.Context) ([]grepFile, bool, walk.Stats, error) {
	top := newTopK(r.req.offset+r.keep()+1, newer)
	var asked, skipped atomic.Int64
	st, err := r.walk(ctx, nil, func(path, rel string, open opener, info func() (fs.FileInfo, error)) error {
		full := top.isFull()
		if full && (asked.Load() < 64 || skipped.Load()*2 > asked.Load()) {
			fi, err := info()
			if err != nil {
				return err
			}
			asked.Add(1)
			if top.below(grepFile{rel: rel, mtime: fi.ModTime()}) {
				skipped.Add(1)
				return nil
			}
		}
		f, fi := r.open(open)
		if f == nil {
			return nil
		}
		defer f.Close()
		candidate := grepFile{path: path, rel: rel, mtime: fi.ModTime()}
		if full && top.below(candidate) {
			return nil
		}
		if _, ok := r.searchFile(ctx, path, f, fi.Size(), 1, nil); ok {
			top.add(candidate)
		}
		return nil
	})
	got := top.sorted()
	more := len(got) > r.req.offset+r.keep()
	return got, more, st, err
}

// keep is how many units a page may show: head_limit, or for no limit as
// many as could fit in one result.
func (r *grepRun) keep() int {
	if r.req.limit > 0 {
		return r.req.limit
	}
	return grepMaxOutput / 8
}

// content collects matching lines by path order, keeping only the files
// that hold the first offset+limit+1 lines; a file or directory whose path
// sorts after all of them is skipped unread.
func (r *grepRun) content(ctx context.Context) ([]grepFile, walk.Stats, error) {
	need := r.req.offset + r.keep() + 1
	top := &firstFiles{need: need}
	prune := func(rel string, isDir bool) bool {
		if isDir {
			rel += "/"
		}
		return top.after(rel)
	}
	ctxLines := r.req.before > 0 || r.req.after > 0
	only := r.req.args.Only
	st, err := r.walk(ctx, prune, func(path, rel string, open opener, _ func() (fs.FileInfo, error)) error {
		if top.after(rel) {
			return nil
		}
		f, fi := r.open(open)
		if f == nil {
			return nil
		}
		defer f.Close()
		gf := grepFile{path: path, rel: rel}
		last := 0
		res, ok := r.searchFile(ctx, path, f, fi.Size(), 0, func(l *search.Line) bool {
			if ctxLines && last > 0 && l.Num > last+1 {
				gf.lines = append(gf.lines, grepLine{})
			}
			last = l.Num
			switch {
			case !l.Match:
				gf.lines = append(gf.lines, grepLine{l.Num, '-', clipLine(l.Text, false, nil)})
			case only:
				for _, sp := range l.Spans {
					gf.lines = append(gf.lines, grepLine{l.Num, ':', clipMatch(l.Text[sp[0]:sp[1]])})
				}
			default:
				gf.lines = append(gf.lines, grepLine{l.Num, ':', clipLine(l.Text, true, r.req.pattern)})
			}
			return len(gf.lines) < need
		})
		if !ok {
			return nil
		}
		gf.count = res.Count
		top.add(gf)
		return nil
	})
	return top.sorted(), st, err
}

// count counts the matches in every file.
func (r *grepRun) count(ctx context.Context) ([]grepFile, walk.Stats, error) {
	var mu sync.Mutex
	var got []grepFile
	st, err := r.walk(ctx, nil, func(path, rel string, open opener, _ func() (fs.FileInfo, error)) error {
		f, fi := r.open(open)
		if f == nil {
			return nil
		}
		defer f.Close()
		res, ok := r.searchFile(ctx, path, f, fi.Size(), 0, nil)
		if !ok {
			return nil
		}
		mu.Lock()
		got = append(got, grepFile{path: path, rel: rel, count: res.Count})
		mu.Unlock()
		return nil
	})
	slices.SortFunc(got, func(a, b grepFile) int { return strings.Compare(a.rel, b.rel) })
	return got, st, err
}
