//go:build unix

package pyproject

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDetectSkipsFIFOs: a FIFO where a manifest or a source file would be
// is skipped, not opened (which would block). Windows has no FIFOs in the
// file system.
func TestDetectSkipsFIFOs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pyproject.toml"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "main.py"), 0o644))
	writeFiles(t, dir, map[string]string{"requirements.txt": "django\n"})
	r := detect(t, dir)
	require.Len(t, r.Projects, 1)
	require.Len(t, r.Projects[0].Frameworks, 1)
	assert.Equal(t, "Django", r.Projects[0].Frameworks[0].Name)
}
