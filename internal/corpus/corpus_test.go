package corpus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteIsDeterministic(t *testing.T) {
	t.Parallel()
	spec := Spec{Files: 60, Bytes: 200 << 10, Seed: 9}
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, Write(a, spec))
	require.NoError(t, Write(b, spec))
	var files int
	var size int64
	err := filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(a, p)
		want, err := os.ReadFile(p)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(b, rel))
		require.NoError(t, err, rel)
		assert.Equal(t, want, got, rel)
		files++
		size += int64(len(want))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, spec.Files+1, files, "the files and a .gitignore")
	assert.InDelta(t, spec.Bytes, size, float64(spec.Bytes)/3)
}
