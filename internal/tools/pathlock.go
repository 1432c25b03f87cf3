package tools

import "sync"

// pathLocks serialises the Writes and Edits of one file. The zero value is
// ready to use.
type pathLocks struct {
	mu sync.Mutex
	m  map[string]*pathLock
}

type pathLock struct {
	sync.Mutex
	users int
}

// lock locks rel and returns its unlock.
func (p *pathLocks) lock(rel string) (unlock func()) {
	p.mu.Lock()
	if p.m == nil {
		p.m = map[string]*pathLock{}
	}
	l := p.m[rel]
	if l == nil {
		l = &pathLock{}
		p.m[rel] = l
	}
	l.users++
	p.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		p.mu.Lock()
		if l.users--; l.users == 0 {
			delete(p.m, rel)
		}
		p.mu.Unlock()
	}
}
