//go:build unix

package agent

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadSkipsFIFO needs a FIFO in the file system, which Windows does
// not have.
func TestLoadSkipsFIFO(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "good.md"), []byte(goodDef), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.md"), 0o644))
	defs, err := Load(Source{Label: "agents", FS: os.DirFS(dir)})
	require.Len(t, defs, 1)
	assert.Equal(t, []string{`agents/pipe.md: not a regular file`}, fileErrors(t, err))
}
