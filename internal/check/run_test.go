package check

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunLocal(t *testing.T) {
	t.Parallel()
	sh := func(script string) command {
		return command{Path: "/bin/sh", Args: []string{"-c", script}, Dir: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin", "ONLY=this"}}
	}
	t.Run("gets only the environment it is given and an empty stdin", func(t *testing.T) {
		out, err := runLocal(t.Context(), sh("env | grep -v '^PWD=\\|^SHLVL=\\|^_=' | sort; cat; echo end"))
		require.NoError(t, err)
		assert.Equal(t, "ONLY=this\nPATH=/usr/bin:/bin\nend\n", string(out.Stdout))
	})
	t.Run("reports the exit code", func(t *testing.T) {
		out, err := runLocal(t.Context(), sh("echo oops >&2; exit 3"))
		require.NoError(t, err)
		assert.Equal(t, 3, out.ExitCode)
		assert.Equal(t, "oops\n", string(out.Stderr))
	})
	t.Run("caps the output", func(t *testing.T) {
		out, err := runLocal(t.Context(), sh("head -c 3000000 /dev/zero"))
		require.NoError(t, err)
		assert.Len(t, out.Stdout, checkMaxOutput)
		assert.True(t, out.Cut)
	})
	t.Run("kills the process group at the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := runLocal(ctx, sh("sleep 30 & sleep 30; echo never"))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("does not wait for a child that keeps its output open", func(t *testing.T) {
		start := time.Now()
		out, err := runLocal(t.Context(), sh("sleep 30 & echo done"))
		require.NoError(t, err)
		assert.Equal(t, "done\n", string(out.Stdout))
		assert.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("a program that is not there", func(t *testing.T) {
		_, err := runLocal(t.Context(), command{Path: "/nonexistent/python3", Dir: t.TempDir()})
		assert.Error(t, err)
	})
}

func TestEnv(t *testing.T) {
	t.Parallel()
	server := map[string]string{"PATH": "/bin", "HOME": "/home/me", "GITHUB_TOKEN": "secret", "GOCACHE": "/c", "AWS_SECRET_ACCESS_KEY": "secret"}
	got := Env(func(k string) string { return server[k] }, "/tmp")
	assert.Equal(t, []string{"PATH=/bin", "HOME=/home/me", "GOCACHE=/c", "TMPDIR=/tmp"}, got)
	assert.NotContains(t, strings.Join(got, " "), "secret")
	assert.Equal(t, []string{"HOME=/h", "PATH=/x", "GOFLAGS=-mod=readonly"}, withEnv([]string{"PATH=/bin", "HOME=/h", "GOFLAGS=-mod=mod"}, "PATH=/x", "GOFLAGS=-mod=readonly"))
}

func TestCapped(t *testing.T) {
	t.Parallel()
	c := &capped{max: 5}
	n, err := c.Write([]byte("abc"))
	assert.Equal(t, 3, n)
	assert.NoError(t, err)
	assert.False(t, c.cut)
	n, err = c.Write([]byte("defgh"))
	assert.Equal(t, 5, n, "it takes everything, so a command never dies of its output")
	assert.NoError(t, err)
	assert.Equal(t, "abcde", c.buf.String())
	assert.True(t, c.cut)
}
