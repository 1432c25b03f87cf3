package shell

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestSpool(t *testing.T) *Spool {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "spool"))
	require.NoError(t, err)
	o := newSpool(f, nil)
	t.Cleanup(o.remove)
	return o
}

func note(c Cut) string {
	if c.Lost.From < c.Lost.To {
		return fmt.Sprintf("[… %d bytes left out of %d, %d-%d lost. Read on at %d.]", c.Left, c.Total, c.Lost.From, c.Lost.To, c.Next)
	}
	return fmt.Sprintf("[… %d bytes left out of %d. Read on at %d.]", c.Left, c.Total, c.Next)
}

func TestSpool(t *testing.T) {
	t.Parallel()
	t.Run("returns short output whole, tidied", func(t *testing.T) {
		o := newTestSpool(t)
		fmt.Fprint(o, "\n\n  first\nsecond  \n\n")
		got, _, cut := o.Clip(100, note)
		assert.False(t, cut)
		assert.Equal(t, "  first\nsecond", got)
	})
	t.Run("keeps head and tail at line breaks", func(t *testing.T) {
		o := newTestSpool(t)
		for i := range 1000 {
			fmt.Fprintf(o, "line %04d\n", i)
		}
		got, _, cut := o.Clip(1000, note)
		require.True(t, cut)
		head, tail, ok := strings.Cut(got, "\n\n[… ")
		require.True(t, ok, got)
		assert.True(t, strings.HasPrefix(head, "line 0000\n"))
		assert.True(t, strings.HasSuffix(head, "line 0049"), head)
		assert.Contains(t, tail, "9010 bytes left out of 10000. Read on at 500.]\n\nline 0951\n")
		assert.True(t, strings.HasSuffix(tail, "line 0999"), tail)
	})
	t.Run("cuts long lines at rune boundaries", func(t *testing.T) {
		o := newTestSpool(t)
		fmt.Fprint(o, strings.Repeat("héllo wörld ", 5000))
		got, _, cut := o.Clip(1001, note)
		require.True(t, cut)
		assert.True(t, utf8.ValidString(got))
		assert.NotContains(t, got, "\uFFFD")
	})
	t.Run("remembers the last line for progress", func(t *testing.T) {
		o := newTestSpool(t)
		fmt.Fprint(o, "one\ntwo\n\n   \nthr")
		assert.Equal(t, "thr", o.LastLine())
		fmt.Fprint(o, "ee\n\n")
		assert.Equal(t, "three", o.LastLine())
		fmt.Fprint(o, strings.Repeat("x", 1000)+"\r")
		assert.Equal(t, lineMax, utf8.RuneCountInString(o.LastLine()))
	})
	t.Run("keeps the tail whatever the write sizes", func(t *testing.T) {
		o := newTestSpool(t)
		var all bytes.Buffer
		r := rand.New(rand.NewPCG(1, 2))
		for all.Len() < 3*TailMax {
			chunk := bytes.Repeat([]byte{byte('a' + r.IntN(26))}, 1+r.IntN(TailMax/3))
			o.Write(chunk)
			all.Write(chunk)
		}
		want := all.Bytes()[all.Len()-TailMax:]
		assert.Equal(t, want, o.tailBytes(TailMax))
		b, next, skipped, err := o.readAt(1000, 500)
		require.NoError(t, err)
		assert.Equal(t, all.Bytes()[1000:1500], b)
		assert.Equal(t, int64(1500), next)
		assert.Zero(t, skipped)
	})
}

func TestSpoolBeyondItsCap(t *testing.T) {
	t.Parallel()
	o := newTestSpool(t)
	line := strings.Repeat("z", 1023) + "\n"
	for range SpoolMax/len(line) + 200 {
		o.Write([]byte(line))
	}
	total := o.Size()
	require.Greater(t, total, int64(SpoolMax+TailMax))
	fi, err := os.Stat(o.name)
	require.NoError(t, err)
	assert.Equal(t, int64(SpoolMax), fi.Size(), "the spool file stops at its cap")
	assert.Equal(t, TailMax, len(o.tail), "memory holds the tail only")
	assert.Equal(t, TailMax, cap(o.tail), "and never grew past it")
	assert.LessOrEqual(t, cap(o.partial), 8*lineMax, "nor a long line")

	b, _, skipped, err := o.readAt(0, 10)
	require.NoError(t, err)
	assert.Equal(t, "zzzzzzzzzz", string(b))
	assert.Zero(t, skipped)

	b, next, skipped, err := o.readAt(total-1024, 4096)
	require.NoError(t, err)
	assert.Equal(t, line, string(b), "the tail is served from memory")
	assert.Equal(t, total, next)
	assert.Zero(t, skipped)

	b, next, skipped, err = o.readAt(SpoolMax+10, 100)
	require.NoError(t, err)
	assert.Equal(t, total-TailMax-(SpoolMax+10), skipped, "the middle is gone, and says how much")
	assert.Len(t, b, 100)
	assert.Equal(t, total-TailMax+100, next)
}
