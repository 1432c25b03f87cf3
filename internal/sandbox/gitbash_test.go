package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGitBash(t *testing.T) {
	t.Parallel()
	dir := func(bash bool) string {
		d := t.TempDir()
		if bash {
			require.NoError(t, os.WriteFile(filepath.Join(d, "bash.exe"), nil, 0o755))
		}
		return d
	}
	sys32 := filepath.Join(t.TempDir(), "System32")
	require.NoError(t, os.Mkdir(sys32, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(sys32, "bash.exe"), nil, 0o755))
	onPath, installed, empty := dir(true), dir(true), dir(false)
	list := func(dirs ...string) string { return strings.Join(dirs, string(filepath.ListSeparator)) }

	assert.Equal(t, filepath.Join(onPath, "bash.exe"), gitBash(list(sys32, empty, onPath), []string{installed}), "PATH first, WSL's bash.exe skipped")
	assert.Equal(t, filepath.Join(installed, "bash.exe"), gitBash(list(sys32, empty), []string{empty, installed}), "else where Git for Windows installs it")
	assert.Empty(t, gitBash(list(sys32, empty), []string{empty, filepath.Join(empty, "nowhere")}))
}
