package shell

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/testutil"
)

// numbered writes n lines of 100 bytes, each starting with its number, to
// w and returns them: line i starts at offset 100*i.
func numbered(w *Spool, n int) []byte {
	var all bytes.Buffer
	for i := range n {
		line := fmt.Sprintf("line %06d %s\n", i, strings.Repeat(".", 100-13))
		all.WriteString(line)
		w.Write([]byte(line))
	}
	return all.Bytes()
}

// spoolOn returns a spool whose file is in dir.
func spoolOn(t *testing.T, dir string) *Spool {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "b1.out"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	o := newSpool(f, err)
	t.Cleanup(o.remove)
	return o
}

// TestSpoolOnAFullDisk fills a real (small) file system: what is shown of
// the output is only what was kept, where it was, and the note says which
// bytes are gone and why.
func TestSpoolOnAFullDisk(t *testing.T) {
	t.Run("when the disk fills during the output", func(t *testing.T) {
		o := spoolOn(t, testutil.Tmpfs(t, 16<<10))
		all := numbered(o, 3000)
		require.ErrorIs(t, o.Failed(), syscall.ENOSPC)
		o.mu.Lock()
		lost := o.gap()
		o.mu.Unlock()
		require.Less(t, lost.From, lost.To)
		assert.LessOrEqual(t, lost.From, int64(16<<10), "the spool holds what fitted")
		assert.Equal(t, int64(len(all)-TailMax), lost.To, "memory holds the tail")

		text, _, cut := o.Clip(30000, note)
		require.True(t, cut)
		assert.True(t, strings.HasPrefix(text, "line 000000 "), "the head is the output's beginning: %.40q", text)
		assert.Contains(t, text, fmt.Sprintf("line 000149 %s\n\n[… %d bytes left out of %d, %d-%d lost. Read on at 15000.]\n\nline 002851 ",
			strings.Repeat(".", 87), 285100-15000, len(all), lost.From, lost.To))
		assert.True(t, strings.HasSuffix(text, "line 002999 "+strings.Repeat(".", 87)))

		// Paging on from the note's offset returns the bytes at that offset,
		// up to the gap, then says how many were skipped.
		page, next, skipped, err := o.Page(15000, 30000, nil)
		require.NoError(t, err)
		assert.Zero(t, skipped)
		assert.Equal(t, string(all[15000:lost.From]), page)
		assert.Equal(t, lost.From, next)
		page, next, skipped, err = o.Page(next, 1000, nil)
		require.NoError(t, err)
		assert.Equal(t, lost.To-lost.From, skipped)
		assert.NotEmpty(t, page)
		assert.Equal(t, string(all[lost.To:lost.To+int64(len(page))]), page)
		assert.Equal(t, lost.To+int64(len(page)), next)
	})
	t.Run("when the disk is full from the start", func(t *testing.T) {
		dir := testutil.Tmpfs(t, 16<<10)
		require.Error(t, os.WriteFile(filepath.Join(dir, "filler"), make([]byte, 32<<10), 0o600))
		o := spoolOn(t, dir)
		all := numbered(o, 3000)
		require.ErrorIs(t, o.Failed(), syscall.ENOSPC)

		text, _, cut := o.Clip(30000, note)
		require.True(t, cut)
		lostTo := len(all) - TailMax
		assert.True(t, strings.HasPrefix(text, fmt.Sprintf("[… %d bytes left out of %d, 0-%d lost. Read on at %d.]\n\nline 0027", len(all)-29900, len(all), lostTo, lostTo)),
			"nothing of the middle is passed off as the beginning: %.200q", text)
		page, next, skipped, err := o.Page(0, 1000, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(lostTo), skipped)
		assert.NotEmpty(t, page)
		assert.Equal(t, string(all[lostTo:lostTo+len(page)]), page)
		assert.Equal(t, int64(lostTo+len(page)), next)
	})
	t.Run("a short output whose spool failed is whole from memory", func(t *testing.T) {
		dir := testutil.Tmpfs(t, 4<<10)
		o := spoolOn(t, dir)
		all := numbered(o, 200) // 20 KB: past the disk, within the tail
		require.ErrorIs(t, o.Failed(), syscall.ENOSPC)
		text, _, cut := o.Clip(30000, note)
		assert.False(t, cut)
		assert.Equal(t, strings.TrimSpace(string(all)), text)
	})
}
