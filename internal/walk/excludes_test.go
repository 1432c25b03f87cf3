package walk

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExcludesFile(t *testing.T) {
	t.Parallel()
	write := func(p, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	t.Run("defaults to the XDG location", func(t *testing.T) {
		home := t.TempDir()
		assert.Equal(t, filepath.Join(home, ".config", "git", "ignore"), ExcludesFile(home, ""))
		assert.Equal(t, "/xdg/git/ignore", ExcludesFile(home, "/xdg"))
		assert.Equal(t, "", ExcludesFile("", ""))
	})
	t.Run("reads core.excludesFile, ~/.gitconfig winning", func(t *testing.T) {
		home := t.TempDir()
		write(filepath.Join(home, ".config", "git", "config"), "[core]\n\texcludesfile = /from/xdg\n")
		assert.Equal(t, "/from/xdg", ExcludesFile(home, ""))
		write(filepath.Join(home, ".gitconfig"), "[user]\n\tname = x\n[Core]\n\tExcludesFile = \"~/my ignore\" ; comment\n[other]\nexcludesfile = /not/this\n")
		assert.Equal(t, filepath.Join(home, "my ignore"), ExcludesFile(home, ""))
	})
	t.Run("ignores subsections", func(t *testing.T) {
		home := t.TempDir()
		write(filepath.Join(home, ".gitconfig"), "[core \"x\"]\nexcludesFile = /sub\n")
		assert.Equal(t, filepath.Join(home, ".config", "git", "ignore"), ExcludesFile(home, ""))
	})
}

func TestGlobalExcludesReloads(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "ignore")
	g := NewGlobalExcludes(p)
	assert.Nil(t, g.Rules(), "no file, no rules")
	require.NoError(t, os.WriteFile(p, []byte("*.swp\n"), 0o644))
	require.Equal(t, 1, g.Rules().Len())
	require.NoError(t, os.WriteFile(p, []byte("*.swp\n*.tmp\n"), 0o644))
	later := time.Now().Add(time.Minute)
	require.NoError(t, os.Chtimes(p, later, later))
	assert.Equal(t, 2, g.Rules().Len())
	require.NoError(t, os.Remove(p))
	assert.Nil(t, g.Rules())
	assert.Nil(t, NewGlobalExcludes("").Rules())
}
