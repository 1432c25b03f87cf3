package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeferFirstGC: GOGC is raised until the first collection, then back
// to what it was. Not parallel: it changes the process's collector.
func TestDeferFirstGC(t *testing.T) {
	t.Setenv("GOGC", "") // as when the user sets none
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	restored := deferFirstGC()
	assert.Equal(t, startupGCPercent, debug.SetGCPercent(startupGCPercent), "raised until the first collection")
	runtime.GC()
	select {
	case <-restored:
	case <-time.After(time.Minute):
		t.Fatal("the first collection did not restore GOGC")
	}
	assert.Equal(t, 100, debug.SetGCPercent(100), "back to GOGC's own setting")
}

// TestDeferFirstGCKeepsTheUsersGOGC: a GOGC the user set is left alone.
func TestDeferFirstGCKeepsTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	before := debug.SetGCPercent(50)
	defer debug.SetGCPercent(before)
	<-deferFirstGC()
	require.Equal(t, 50, debug.SetGCPercent(50))
}
