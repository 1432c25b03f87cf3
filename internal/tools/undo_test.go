package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUndo(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, map[string]string{"a.py": "print(1)\n", "b.sh": "echo b\n", "c.txt": "c\n"})
	initial := h.tree()
	h.ok("Read", map[string]any{"file_path": "a.py"})
	h.ok("Edit", map[string]any{"file_path": "a.py", "old_string": "1", "new_string": "2"})
	h.ok("Write", map[string]any{"file_path": "w.txt", "content": "w\n"})
	h.ok("Bash", map[string]any{"command": "rm c.txt; echo x > new.py; mkdir d && echo y > d/f; chmod +x b.sh"})
	changed := h.tree()

	t.Run("an unknown checkpoint", func(t *testing.T) {
		assert.Equal(t, "Undo: no checkpoint 9: the journal holds 1 to 3; call Changes to list the checkpoints", h.fail("Undo", map[string]any{"id": 9}))
	})
	t.Run("a file changed outside refuses the whole undo", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "w.txt"), []byte("edited outside\n"), 0o644))
		out := h.fail("Undo", map[string]any{"id": 1})
		assert.Equal(t, "Undo: nothing restored: 1 path changed since agentbox last saw it, by something it did not record (an editor, another process):\n"+
			"  w.txt: content changed\n"+
			"Read them to see what changed. To restore anyway, call Undo again with force: true; their current state goes into the undo's own checkpoint, so that can be undone too.", out)
		assert.Equal(t, withFile(changed, "w.txt", "file -rw-r--r-- edited outside\n"), h.tree(), "nothing restored")
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "w.txt"), []byte("w\n"), 0o644))
	})

	// A second session, which has read new.py and a.py.
	other := h.connectBash()
	callOn(t, other, "Read", map[string]any{"file_path": "new.py"})
	callOn(t, other, "Read", map[string]any{"file_path": "a.py"})

	out := h.ok("Undo", map[string]any{"id": 1})
	assert.Equal(t, "Restored 7 paths to how they were before checkpoint 1. This undo is checkpoint 4: Undo with id=4 brings the changes back.\n"+
		"  restored  a.py\n  chmodded  b.sh\n  recreated c.txt\n  removed   d/\n  removed   d/f\n  removed   new.py\n  removed   w.txt\n"+
		"Read a restored file again before you Write or Edit it.", out)
	assert.Equal(t, initial, h.tree(), "every byte and mode restored, what was added removed")

	t.Run("restored files must be read again, in every session", func(t *testing.T) {
		assert.Contains(t, h.fail("Edit", map[string]any{"file_path": "a.py", "old_string": "1", "new_string": "3"}), "has not read the file")
		res := callOn(t, other, "Write", map[string]any{"file_path": "a.py", "content": "x\n"})
		assert.True(t, res.IsError)
		assert.Contains(t, text(res), "has not read the file")
	})
	t.Run("the undo of an undo brings the changes back", func(t *testing.T) {
		out := h.ok("Undo", map[string]any{"id": 4})
		assert.True(t, strings.HasPrefix(out, "Restored 7 paths to how they were before checkpoint 4. This undo is checkpoint 5"), out)
		assert.Equal(t, changed, h.tree())
	})
	t.Run("force restores over a conflict", func(t *testing.T) {
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "new.py"), []byte("edited outside\n"), 0o644))
		h.fail("Undo", map[string]any{"id": 5})
		out := h.ok("Undo", map[string]any{"id": 5, "force": true})
		assert.Contains(t, out, "Forced over 1 path changed outside agentbox; what they held is in this undo's checkpoint.")
		assert.Equal(t, initial, h.tree())
		out = h.ok("Undo", map[string]any{"id": 6})
		assert.Equal(t, withFile(changed, "new.py", "file -rw-r--r-- edited outside\n"), h.tree(), "what force overwrote comes back")
	})
	t.Run("nothing to restore", func(t *testing.T) {
		h.ok("Write", map[string]any{"file_path": "z.txt", "content": "z\n"})
		require.NoError(t, os.Remove(filepath.Join(h.dir, "z.txt")))
		assert.Equal(t, "Nothing to restore: the workspace is already as it was before checkpoint 8.", h.ok("Undo", map[string]any{"id": 8}))
	})
}
