package tools

import (
	"container/heap"
	"slices"
	"sync"
)

// topK keeps the k items that go first by first, out of any number added,
// without holding or sorting them all: a heap with the kept item that goes
// last on top, which each new item has only to beat. Glob and Grep keep
// the newest files with it. It is safe for concurrent use.
type topK[T any] struct {
	k     int
	first func(a, b T) bool // a goes before b
	mu    sync.Mutex
	h     heapOf[T]
}

func newTopK[T any](k int, first func(a, b T) bool) *topK[T] {
	t := &topK[T]{k: k, first: first}
	t.h.less = func(a, b T) bool { return first(b, a) } // the last on top
	return t
}

// isFull reports whether k items are kept, so that only better ones count.
func (t *topK[T]) isFull() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.h.items) >= t.k
}

// below reports whether x would not make the cut.
func (t *topK[T]) below(x T) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.h.items) >= t.k && !t.first(x, t.h.items[0])
}

// add offers x.
func (t *topK[T]) add(x T) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.h.items) < t.k {
		heap.Push(&t.h, x)
		return
	}
	if t.first(x, t.h.items[0]) {
		t.h.items[0] = x
		heap.Fix(&t.h, 0)
	}
}

// sorted returns the kept items, the first first.
func (t *topK[T]) sorted() []T {
	t.mu.Lock()
	defer t.mu.Unlock()
	items := slices.Clone(t.h.items)
	slices.SortFunc(items, func(a, b T) int {
		if t.first(a, b) {
			return -1
		}
		if t.first(b, a) {
			return 1
		}
		return 0
	})
	return items
}

// heapOf is a container/heap of items with the least by less on top.
type heapOf[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *heapOf[T]) Len() int           { return len(h.items) }
func (h *heapOf[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *heapOf[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *heapOf[T]) Push(x any)         { h.items = append(h.items, x.(T)) }
func (h *heapOf[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
