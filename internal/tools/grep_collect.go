package tools

import (
	"container/heap"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// newer orders files newest first, then by path.
func newer(a, b grepFile) bool {
	if !a.mtime.Equal(b.mtime) {
		return a.mtime.After(b.mtime)
	}
	return a.rel < b.rel
}

// firstFiles keeps the files, by path, that hold the first need lines of
// output, with the last path it keeps published for pruning the walk.
type firstFiles struct {
	need  int
	mu    sync.Mutex
	h     heapOf[grepFile] // greatest path on top
	lines int              // lines held
	bound atomic.Pointer[string]
}

// after reports whether everything at or below rel sorts after the files
// that already fill the page.
func (t *firstFiles) after(rel string) bool {
	b := t.bound.Load()
	return b != nil && rel > *b
}

func (t *firstFiles) add(f grepFile) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h.less == nil {
		t.h.less = func(a, b grepFile) bool { return a.rel > b.rel }
	}
	if b := t.bound.Load(); b != nil && f.rel > *b {
		return
	}
	heap.Push(&t.h, f)
	t.lines += len(f.lines)
	for len(t.h.items) > 1 && t.lines-len(t.h.items[0].lines) >= t.need {
		gone := heap.Pop(&t.h).(grepFile)
		t.lines -= len(gone.lines)
	}
	if t.lines >= t.need {
		top := t.h.items[0].rel
		t.bound.Store(&top)
	}
}

// sorted returns the kept files by path.
func (t *firstFiles) sorted() []grepFile {
	files := slices.Clone(t.h.items)
	slices.SortFunc(files, func(a, b grepFile) int { return strings.Compare(a.rel, b.rel) })
	return files
}
