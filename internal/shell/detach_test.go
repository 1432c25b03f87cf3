package shell

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDetach(t *testing.T) {
	t.Parallel()
	sh, _ := newSession(t)

	t.Run("a detached job outlives its call", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		j, _, err := sh.Start(ctx, "echo started; sleep 60", time.Minute, false)
		require.NoError(t, err)
		require.True(t, sh.Detach(j))
		assert.False(t, sh.Detach(j), "once is enough")
		cancel() // the call returns
		text, _, _, err := j.Read(t.Context(), 0, 1000, nil, 30*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "started\n", text)
		select {
		case <-j.Done():
			t.Fatal("the job ended with its call")
		default:
		}
		found, err := sh.Find(j.ID())
		require.NoError(t, err)
		sh.Stop(found)
		assert.Equal(t, Stopped, j.Why())
		_, err = sh.Find(j.ID())
		assert.NoError(t, err, "its output is kept, as a background job's")
	})
	t.Run("a job whose call was cancelled cannot be detached", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		j, _, err := sh.Start(ctx, "sleep 60", time.Minute, false)
		require.NoError(t, err)
		cancel()
		<-j.Done()
		assert.Equal(t, Cancelled, j.Why())
		assert.False(t, sh.Detach(j))
	})
	t.Run("a job that ended cannot be detached", func(t *testing.T) {
		j := run(t, sh, "true")
		assert.False(t, sh.Detach(j))
		sh.Drop(j)
	})
	t.Run("its timeout still bounds it", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "sleep 60", 2*time.Second, false)
		require.NoError(t, err)
		require.True(t, sh.Detach(j))
		<-j.Done()
		assert.Equal(t, TimedOut, j.Why())
	})
}

func TestRead(t *testing.T) {
	t.Parallel()
	sh, _ := newSession(t)

	t.Run("waits for new output", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "echo one; sleep 1; echo two; sleep 60", 0, true)
		require.NoError(t, err)
		t.Cleanup(func() { sh.Stop(j) })
		text, next, _, err := j.Read(t.Context(), 0, 1000, nil, 30*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "one\n", text)
		text, next, _, err = j.Read(t.Context(), next, 1000, nil, 30*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "two\n", text, "it returned as soon as there was some")
		assert.Equal(t, int64(8), next)
	})
	t.Run("waits for a line that matches", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "for i in 1 2 3; do echo step $i; sleep 0.3; done; printf 'Coll'; sleep 0.5; echo 'ecting done'; sleep 60", 0, true)
		require.NoError(t, err)
		t.Cleanup(func() { sh.Stop(j) })
		text, next, _, err := j.Read(t.Context(), 0, 1000, regexp.MustCompile(`^Collecting`), 30*time.Second)
		require.NoError(t, err)
		assert.Equal(t, "Collecting done", text, "a line still being written is not matched before it is whole")
		assert.Equal(t, j.Output().Size(), next)
	})
	t.Run("returns at the job's end", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "sleep 1", 0, true)
		require.NoError(t, err)
		text, _, _, err := j.Read(t.Context(), 0, 1000, nil, 30*time.Second)
		require.NoError(t, err)
		assert.Empty(t, text)
		<-j.Done() // Read returned because it ended
		assert.Regexp(t, `^exited with code 0`, j.Status(time.Now()))
	})
	t.Run("returns when the wait runs out", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "sleep 60", 0, true)
		require.NoError(t, err)
		t.Cleanup(func() { sh.Stop(j) })
		text, next, _, err := j.Read(t.Context(), 0, 1000, nil, 300*time.Millisecond)
		require.NoError(t, err)
		assert.Empty(t, text)
		assert.Zero(t, next)
		assert.Regexp(t, `^running`, j.Status(time.Now()))
	})
	t.Run("returns when its context ends", func(t *testing.T) {
		j, _, err := sh.Start(t.Context(), "sleep 60", 0, true)
		require.NoError(t, err)
		t.Cleanup(func() { sh.Stop(j) })
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		text, _, _, err := j.Read(ctx, 0, 1000, nil, time.Minute)
		require.NoError(t, err)
		assert.Empty(t, text)
	})
}

func TestSpoolFilterWaitsForWholeLines(t *testing.T) {
	t.Parallel()
	o := newTestSpool(t)
	re := regexp.MustCompile(`^Collecting`)
	fmt.Fprint(o, "noise\nColl")
	text, next, _, err := o.Page(0, 1000, re)
	require.NoError(t, err)
	assert.Empty(t, text)
	assert.Equal(t, int64(6), next, "the whole line is passed over, the unfinished one is not")
	fmt.Fprint(o, "ecting x\nColl")
	text, next, _, err = o.Page(next, 1000, re)
	require.NoError(t, err)
	assert.Equal(t, "Collecting x", text)
	o.close()
	text, next, _, err = o.Page(next, 1000, re)
	require.NoError(t, err)
	assert.Empty(t, text)
	assert.Equal(t, o.Size(), next, "at the end an unfinished line is a line")
}
