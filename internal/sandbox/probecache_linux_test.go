package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readProbeCache returns the entries of the probe cache file.
func readProbeCache(t *testing.T, file string) []cachedProbe {
	t.Helper()
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var entries []cachedProbe
	require.NoError(t, json.Unmarshal(data, &entries))
	return entries
}

func writeProbeCache(t *testing.T, file string, entries []cachedProbe) {
	t.Helper()
	data, err := json.Marshal(entries)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o600))
}

// The second sandbox on this machine learns its layers from the first's
// probe, without launching anything, and they are the same layers.
func TestProbeCached(t *testing.T) {
	file := isolateProbeCache(t)
	first := newBox(t, Config{})
	assert.False(t, first.s.os.cached)
	entries := readProbeCache(t, file)
	require.Len(t, entries, 1)
	fi, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	second := newBox(t, Config{})
	assert.True(t, second.s.os.cached)
	assert.Equal(t, first.s.Layers(), second.s.Layers())
	assert.Equal(t, first.s.Missing(), second.s.Missing())
	assert.Equal(t, first.s.Facts(), second.s.Facts())
	assert.Equal(t, first.s.os.clone, second.s.os.clone)
	assert.Equal(t, "ok\n", second.ok("echo ok"))
	if second.s.Facts().Confined {
		second.fails("touch /usr/agentbox-escape")
	}

	// Another configuration that shapes the probe is another entry.
	third := newBox(t, Config{AllowNetwork: true})
	assert.False(t, third.s.os.cached)
	assert.Len(t, readProbeCache(t, file), 2)
}

// Commands may not write the cache: one inside a directory they may write
// is never used nor written.
func TestProbeCacheNotWhereCommandsWrite(t *testing.T) {
	file := isolateProbeCache(t)
	ws := filepath.Dir(filepath.Dir(file)) // the cache lies inside the workspace
	newBox(t, Config{Workspace: ws})
	second := newBox(t, Config{Workspace: ws})
	assert.False(t, second.s.os.cached)
	assert.NoFileExists(t, file)
}

// A cache file that others may write is ignored.
func TestProbeCacheOthersMayWrite(t *testing.T) {
	file := isolateProbeCache(t)
	newBox(t, Config{})
	require.NoError(t, os.Chmod(file, 0o666))
	second := newBox(t, Config{})
	assert.False(t, second.s.os.cached)
}

// A cached result decides Require mode as a probe would: a layer it says is
// missing makes New refuse, before the server serves anyone.
func TestProbeCacheRequire(t *testing.T) {
	file := isolateProbeCache(t)
	first := newBox(t, Config{Mode: Require})
	if len(first.s.Missing()) > 0 {
		t.Skip("require refuses here anyway:", first.s.Missing())
	}
	entries := readProbeCache(t, file)
	require.Len(t, entries, 1)
	entries[0].Result.Report["landlock"] = "landlock_restrict_self: operation not permitted"
	writeProbeCache(t, file, entries)

	_, err := New(Config{Mode: Require, Workspace: t.TempDir()})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "Landlock failed (landlock_restrict_self: operation not permitted)")
}

// A cached result that no longer works is dropped at the first failed
// launch, so the next server probes again.
func TestProbeCacheDroppedWhenALaunchFails(t *testing.T) {
	file := isolateProbeCache(t)
	newBox(t, Config{})
	entries := readProbeCache(t, file)
	require.Len(t, entries, 1)
	broken := filepath.Join(t.TempDir(), "broken-launcher")
	require.NoError(t, os.WriteFile(broken, []byte("#!/bin/sh\nprintf '!mount: operation not permitted' >&3\nexit 125\n"), 0o755))
	entries[0].Result.Launcher = []string{broken}
	writeProbeCache(t, file, entries)

	b := newBox(t, Config{})
	require.True(t, b.s.os.cached)
	c, err := b.s.Start(t.Context(), Spec{Command: "true", Dir: b.ws, Scratch: b.sc, Output: new(bytes.Buffer)})
	require.NoError(t, err)
	_, err = c.Wait()
	require.ErrorIs(t, err, ErrSetup)
	assert.Empty(t, readProbeCache(t, file))

	again := newBox(t, Config{})
	assert.False(t, again.s.os.cached)
	assert.Equal(t, "ok\n", again.ok("echo ok"))
}
