package walk

import "sync"

// queue is the walk's shared stack of work. The walk ends when the stack
// is empty and no worker is busy (so none can push more), or on stop.
type queue struct {
	mu      sync.Mutex
	cond    sync.Cond
	items   []item
	busy    int
	stopped bool
}

func (q *queue) push(items ...item) {
	if len(items) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, items...)
	q.mu.Unlock()
	if len(items) == 1 {
		q.cond.Signal()
	} else {
		q.cond.Broadcast()
	}
}

// pop takes the next item, waiting while other workers may still push;
// false means the walk is over.
func (q *queue) pop() (item, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.stopped {
		if q.busy == 0 {
			q.stopped = true
			q.cond.Broadcast()
			break
		}
		q.cond.Wait()
	}
	if q.stopped {
		return item{}, false
	}
	it := q.items[len(q.items)-1]
	q.items[len(q.items)-1] = item{}
	q.items = q.items[:len(q.items)-1]
	q.busy++
	return it, true
}

// done marks the end of a worker's item.
func (q *queue) done() {
	q.mu.Lock()
	q.busy--
	idle := q.busy == 0 && len(q.items) == 0
	q.mu.Unlock()
	if idle {
		q.cond.Broadcast()
	}
}

func (q *queue) stop() {
	q.mu.Lock()
	q.stopped = true
	q.mu.Unlock()
	q.cond.Broadcast()
}
