package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		size    int
		limit   int64
		wantLen int
	}{
		{"empty", 0, 100, 0},
		{"small", 10, 100, 10},
		{"at the limit", 100, 100, 100},
		{"over the limit: limit+1 bytes", 300_000, 1000, 1001},
		{"large", 300_000, 1 << 20, 300_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := strings.Repeat("x", tc.size)
			p := filepath.Join(dir, tc.name)
			require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
			f, err := os.Open(p)
			require.NoError(t, err)
			defer f.Close()
			got, err := ReadAll(f, tc.limit)
			require.NoError(t, err)
			assert.Equal(t, content[:tc.wantLen], string(got))
		})
	}
	t.Run("a pipe, which has no size, past the first buffer", func(t *testing.T) {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		go func() { w.WriteString(strings.Repeat("p", 5000)); w.Close() }()
		got, err := ReadAll(r, 1<<20)
		require.NoError(t, err)
		assert.Len(t, got, 5000)
	})
}
