package tools

import (
	"container/heap"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// topFiles keeps the k newest files (then by path): a heap with the one
// that would go first on top.
type topFiles struct {
	k  int
	mu sync.Mutex
	h  fileHeap
}

// newer orders files newest first, then by path.
func newer(a, b grepFile) bool {
	if !a.mtime.Equal(b.mtime) {
		return a.mtime.After(b.mtime)
	}
	return a.rel < b.rel
}

func (t *topFiles) isFull() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.h.files) >= t.k
}

// below reports whether f would not make the cut.
func (t *topFiles) below(f grepFile) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.h.files) >= t.k && !newer(f, t.h.files[0])
}

func (t *topFiles) add(f grepFile) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.h.files) < t.k {
		heap.Push(&t.h, f)
		return
	}
	if newer(f, t.h.files[0]) {
		t.h.files[0] = f
		heap.Fix(&t.h, 0)
	}
}

func (t *topFiles) sorted() []grepFile {
	files := slices.Clone(t.h.files)
	slices.SortFunc(files, func(a, b grepFile) int {
		if newer(a, b) {
			return -1
		}
		return 1
	})
	return files
}

// fileHeap is a heap of files with the least wanted on top, by less.
type fileHeap struct {
	files []grepFile
	less  func(a, b grepFile) bool // a is wanted less than b
}

func (h *fileHeap) Len() int { return len(h.files) }
func (h *fileHeap) Less(i, j int) bool {
	if h.less != nil {
		return h.less(h.files[i], h.files[j])
	}
	return newer(h.files[j], h.files[i])
}
func (h *fileHeap) Swap(i, j int) { h.files[i], h.files[j] = h.files[j], h.files[i] }
func (h *fileHeap) Push(x any)    { h.files = append(h.files, x.(grepFile)) }
func (h *fileHeap) Pop() any {
	f := h.files[len(h.files)-1]
	h.files = h.files[:len(h.files)-1]
	return f
}

// firstFiles keeps the files, by path, that hold the first need lines of
// output, with the last path it keeps published for pruning the walk.
type firstFiles struct {
	need  int
	mu    sync.Mutex
	h     fileHeap // greatest path on top
	lines int      // lines held
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
	for len(t.h.files) > 1 && t.lines-len(t.h.files[0].lines) >= t.need {
		gone := heap.Pop(&t.h).(grepFile)
		t.lines -= len(gone.lines)
	}
	if t.lines >= t.need {
		top := t.h.files[0].rel
		t.bound.Store(&top)
	}
}

// sorted returns the kept files by path.
func (t *firstFiles) sorted() []grepFile {
	files := slices.Clone(t.h.files)
	slices.SortFunc(files, func(a, b grepFile) int { return strings.Compare(a.rel, b.rel) })
	return files
}
