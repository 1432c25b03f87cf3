package tools

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/workspace"
)

func TestWrite(t *testing.T) {
	t.Parallel()

	t.Run("creates a file and its parents without a Read", func(t *testing.T) {
		h := newHarness(t)
		assert.Equal(t, "Created pkg/new/a.go (3 lines, 23 B).", h.ok("Write", map[string]any{"file_path": "pkg/new/a.go", "content": "package new\n\nvar x = 1\n"}))
		assert.Equal(t, "package new\n\nvar x = 1\n", h.file("pkg/new/a.go"))
	})
	t.Run("refuses to replace a file it has not read", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "original\n")
		got := h.fail("Write", map[string]any{"file_path": "a.txt", "content": "new\n"})
		assert.Equal(t, "a.txt: this session has not read the file, so it may not replace it; Read it first (any part counts), then retry", got)
		assert.Equal(t, "original\n", h.file("a.txt"))
	})
	t.Run("replaces a file after a Read, and again without one", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "original\n")
		h.ok("Read", map[string]any{"file_path": "a.txt", "limit": 1})
		assert.Equal(t, "Updated a.txt (1 line, 4 B).", h.ok("Write", map[string]any{"file_path": "a.txt", "content": "new\n"}))
		h.ok("Write", map[string]any{"file_path": "a.txt", "content": "newer\n"})
		assert.Equal(t, "newer\n", h.file("a.txt"))
	})
	t.Run("refuses when the file changed on disk since the Read", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "original\n")
		h.ok("Read", map[string]any{"file_path": "a.txt"})
		h.write("a.txt", "someone else's change\n")
		got := h.fail("Write", map[string]any{"file_path": "a.txt", "content": "model\n"})
		assert.Contains(t, got, "a.txt: changed on disk since this session last read it (was 9 B, now 22 B")
		assert.Contains(t, got, "Read it again")
		assert.Equal(t, "someone else's change\n", h.file("a.txt"))
	})
	t.Run("accepts a file touched but not changed", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "same\n")
		h.ok("Read", map[string]any{"file_path": "a.txt"})
		later := time.Now().Add(time.Hour)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, "a.txt"), later, later))
		h.ok("Write", map[string]any{"file_path": "a.txt", "content": "changed\n"})
	})
	t.Run("refuses a same-size change made behind its back", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "aaaa\n")
		h.ok("Read", map[string]any{"file_path": "a.txt"})
		h.write("a.txt", "bbbb\n")
		later := time.Now().Add(time.Hour)
		require.NoError(t, os.Chtimes(filepath.Join(h.dir, "a.txt"), later, later))
		assert.Contains(t, h.fail("Write", map[string]any{"file_path": "a.txt", "content": "c\n"}), "same size")
	})
	t.Run("keeps CRLF endings and a byte-order mark", func(t *testing.T) {
		h := newHarness(t)
		h.write("win.txt", "\xef\xbb\xbfone\r\ntwo\r\n")
		h.ok("Read", map[string]any{"file_path": "win.txt"})
		got := h.ok("Write", map[string]any{"file_path": "win.txt", "content": "uno\ndos\n"})
		assert.Equal(t, "Updated win.txt (2 lines, 13 B). Kept the file's UTF-8 byte-order mark and CRLF line endings.", got)
		assert.Equal(t, "\xef\xbb\xbfuno\r\ndos\r\n", h.file("win.txt"))
	})
	t.Run("keeps the mode", func(t *testing.T) {
		h := newHarness(t)
		h.write("run.sh", "#!/bin/sh\n")
		require.NoError(t, os.Chmod(filepath.Join(h.dir, "run.sh"), 0o755))
		h.ok("Read", map[string]any{"file_path": "run.sh"})
		h.ok("Write", map[string]any{"file_path": "run.sh", "content": "#!/bin/sh\necho ok\n"})
		fi, err := os.Stat(filepath.Join(h.dir, "run.sh"))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm())
	})
	t.Run("refuses symlinks, naming the target", func(t *testing.T) {
		h := newHarness(t)
		h.write("real.txt", "real\n")
		require.NoError(t, os.Symlink("real.txt", filepath.Join(h.dir, "alias.txt")))
		h.ok("Read", map[string]any{"file_path": "alias.txt"})
		got := h.fail("Write", map[string]any{"file_path": "alias.txt", "content": "x"})
		assert.Equal(t, "alias.txt: is a symlink to real.txt; nothing is written through symlinks: write to the target path instead", got)
		assert.Equal(t, "real\n", h.file("real.txt"))
	})
	t.Run("refuses a directory", func(t *testing.T) {
		h := newHarness(t)
		h.write("d/x", "")
		assert.Equal(t, "d: is a directory, not a file; include the file name in the path", h.fail("Write", map[string]any{"file_path": "d", "content": "x"}))
	})
	t.Run("refuses paths outside", func(t *testing.T) {
		h := newHarness(t)
		got := h.fail("Write", map[string]any{"file_path": "../escape.txt", "content": "x"})
		assert.Equal(t, "../escape.txt: outside the workspace; use a path relative to the workspace root, or an absolute path inside it", got)
		_, err := os.Stat(filepath.Join(filepath.Dir(h.dir), "escape.txt"))
		assert.True(t, os.IsNotExist(err))
	})
	t.Run("sessions do not share what they have read", func(t *testing.T) {
		h := newHarness(t)
		h.write("a.txt", "original\n")
		h.ok("Read", map[string]any{"file_path": "a.txt"})
		other := h.connect()
		res := callOn(t, other, "Write", map[string]any{"file_path": "a.txt", "content": "other\n"})
		assert.True(t, res.IsError, "a second session wrote a file only the first had read")
		assert.Contains(t, text(res), "has not read the file")
	})
}

// TestWriteKilledMidway kills a process while it is replacing a large file
// and checks that the file then holds one whole version, never a mix or a
// truncation.
func TestWriteKilledMidway(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const size = 8 << 20
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte{'A'}, size), 0o644))
	for round := 1; round <= 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
		cmd.Env = append(os.Environ(), "AGENTBOX_TEST_WRITER="+dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(out)
		// Kill while the round-th write is under way: the child says
		// "writing" just before it starts each one.
		for seen := 0; seen < round && lines.Scan(); {
			if strings.HasPrefix(lines.Text(), "writing") {
				seen++
			}
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()

		data, err := os.ReadFile(filepath.Join(dir, "big.bin"))
		require.NoError(t, err)
		require.Len(t, data, size, "round %d: torn file", round)
		first := data[0]
		assert.Equal(t, -1, bytes.IndexFunc(data, func(r rune) bool { return byte(r) != first }), "round %d: mixed content", round)
	}
}

// TestHelperWriter is the child of TestWriteKilledMidway: it rewrites a file
// over and over until it is killed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv("AGENTBOX_TEST_WRITER")
	if dir == "" {
		t.Skip("runs only as the child of TestWriteKilledMidway")
	}
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	for i := 0; ; i++ {
		content := bytes.Repeat([]byte{"BC"[i%2]}, 8<<20)
		fmt.Println("writing", i)
		require.NoError(t, ws.WriteFile("big.bin", content, 0o644, false))
	}
}
