package checkpoint

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetention(t *testing.T) {
	t.Parallel()
	t.Run("by count, oldest first, and the contents go with them", func(t *testing.T) {
		t.Parallel()
		f := newFixtureWith(t, map[string]string{"a.txt": "original\n"}, Options{MaxCount: 3})
		var ids []int64
		for i := 1; i <= 5; i++ {
			ids = append(ids, f.write("a.txt", fmt.Sprintf("v%d\n", i)).ID)
		}
		list, err := f.j.List()
		require.NoError(t, err)
		require.Len(t, list, 3)
		assert.Equal(t, []int64{ids[4], ids[3], ids[2]}, []int64{list[0].ID, list[1].ID, list[2].ID})
		_, err = f.j.Undo(t.Context(), ids[0], false, false)
		assert.ErrorContains(t, err, fmt.Sprintf("no checkpoint %d: the journal holds %d to %d", ids[0], ids[2], ids[4]))

		require.NoError(t, f.j.Close()) // waits for the collection
		s := store{dir: f.j.log.store.dir}
		assert.False(t, s.has(hashOf([]byte("original\n"))), "only the dropped checkpoints held it")
		assert.False(t, s.has(hashOf([]byte("v1\n"))))
		for _, v := range []string{"v2\n", "v3\n", "v4\n", "v5\n"} {
			assert.True(t, s.has(hashOf([]byte(v))), "%q is held by a kept checkpoint", v)
		}
	})
	t.Run("at the bound, a tenth goes at once", func(t *testing.T) {
		t.Parallel()
		f := newFixtureWith(t, map[string]string{"a.txt": "original\n"}, Options{MaxCount: 20})
		var lens []int
		for i := 1; i <= 24; i++ {
			f.write("a.txt", fmt.Sprintf("v%d\n", i))
			list, err := f.j.List()
			require.NoError(t, err)
			lens = append(lens, len(list))
		}
		// 21 checkpoints are over 20: the oldest 3 go, and the journal
		// grows again before it drops any more.
		assert.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 18, 19, 20, 18}, lens)
	})
	t.Run("by size", func(t *testing.T) {
		t.Parallel()
		f := newFixtureWith(t, map[string]string{"a.txt": "original\n"}, Options{MaxBytes: 1})
		for i := 1; i <= 4; i++ {
			f.write("a.txt", fmt.Sprintf("v%d\n", i))
		}
		list, err := f.j.List()
		require.NoError(t, err)
		assert.Len(t, list, 1, "over the size, only the newest is kept")
		res, err := f.j.Undo(t.Context(), list[0].ID, false, false)
		require.NoError(t, err)
		assert.Equal(t, []string{"a.txt"}, res.Restored, "and it can still be undone")
	})
}

func TestSymlinkAndMode(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"target.txt": "t\n", "x.sh": "x\n"})
	before := snapshot(t, f.ws)
	cp := f.sh("ln -s target.txt link.txt && chmod 700 x.sh")
	require.NotNil(t, cp)
	assert.Equal(t, "added link.txt\nmode x.sh", kinds(cp))
	assert.Equal(t, Link, cp.Files[0].After.Type)
	cp2 := f.sh("rm link.txt && ln -s x.sh link.txt")
	assert.Equal(t, "modified link.txt", kinds(cp2), "a symlink's content is its target")
	_, err := f.j.Undo(t.Context(), cp.ID, false, false)
	require.NoError(t, err)
	assert.Equal(t, before, snapshot(t, f.ws))
}
