//go:build !linux

package checkpoint

import "errors"

// watcher is Linux's inotify; elsewhere every scan reads the whole tree.
type watcher struct{}

type dirty struct {
	dirs     map[string]*dirtyDir
	ignored  map[string]bool
	overflow bool
}

type dirtyDir struct {
	names   map[string]bool
	enter   map[string]bool
	rules   bool
	removed bool
}

func newWatcher(string) (*watcher, error) { return nil, errors.New("no inotify here") }

func (w *watcher) close()           {}
func (w *watcher) add(string, bool) {}
func (w *watcher) forget(string)    {}
func (w *watcher) drain() *dirty    { return &dirty{overflow: true} }
