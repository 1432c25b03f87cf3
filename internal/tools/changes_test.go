package tools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChanges(t *testing.T) {
	t.Parallel()
	h := newJournalHarness(t, map[string]string{"a.txt": "one\ntwo\nthree\n"})
	assert.Equal(t, "No checkpoints yet: each Write, Edit and Bash command that changes files records one.", h.ok("Changes", nil))

	h.ok("Read", map[string]any{"file_path": "a.txt"})
	h.ok("Edit", map[string]any{"file_path": "a.txt", "old_string": "two", "new_string": "2"})
	for i := range 25 {
		h.ok("Write", map[string]any{"file_path": fmt.Sprintf("w%02d.txt", i), "content": fmt.Sprintf("w%d\n", i)})
	}
	h.ok("Bash", map[string]any{"command": "mkdir many && for i in $(seq 1 15); do echo $i > many/f$i; done"})

	list := h.ok("Changes", nil)
	assert.Regexp(t, `^27  Bash  mkdir many && for i in \$\(seq 1 15\); do echo \$i > many/f\$i; done  \(\w+ +\d+ \d\d:\d\d:\d\d\)\n`+
		`    added     many/\n    added     many/f1\n`, list)
	assert.Contains(t, list, "    … 6 more: Changes with id=27 shows them all\n")
	assert.Contains(t, list, "\n26  Write  w24.txt  (")
	assert.True(t, strings.HasSuffix(list, "\n[Showing 20 checkpoints of 27, newest first. Call Changes with offset=20 for older ones.]"), list)

	older := h.ok("Changes", map[string]any{"offset": 20})
	assert.Regexp(t, `^7  Write  w05.txt`, older)
	assert.Regexp(t, `\n1  Edit  a.txt  \([^)]*\)\n    modified  a.txt$`, older, "the oldest last, and no page note")
	assert.Contains(t, h.ok("Changes", map[string]any{"offset": 25, "limit": 1}), "[Showing 1 checkpoint of 27, newest first. Call Changes with offset=26 for older ones.]")
	assert.Equal(t, "Changes: offset 27 is past the end: there are 27 checkpoints", h.fail("Changes", map[string]any{"offset": 27}))
	assert.Equal(t, "Changes: offset -1: give how many to skip, 0 or more", h.fail("Changes", map[string]any{"offset": -1}))
	assert.Equal(t, "Changes: no checkpoint -2: the journal holds 1 to 27; call Changes without id to list them", h.fail("Changes", map[string]any{"id": -2}))

	t.Run("a checkpoint's diff", func(t *testing.T) {
		d := h.ok("Changes", map[string]any{"id": 1})
		assert.Regexp(t, `^1  Edit  a.txt  \([^)]*\)\ndiff --agentbox a/a.txt b/a.txt\n--- a/a.txt\n\+\+\+ b/a.txt\n@@ -1,3 \+1,3 @@\n one\n-two\n\+2\n three$`, d)
		assert.Equal(t, "Changes: no checkpoint 99: the journal holds 1 to 27; call Changes without id to list them", h.fail("Changes", map[string]any{"id": 99}))
	})
	t.Run("a diff pages by lines", func(t *testing.T) {
		whole := h.ok("Changes", map[string]any{"id": 27})
		lines := strings.Split(whole, "\n")[1:] // the heading, then the diff
		page := h.ok("Changes", map[string]any{"id": 27, "offset": 4, "limit": 5})
		assert.Equal(t, strings.Join(lines[4:9], "\n")+"\n\n[Showing diff lines 5-9. Call Changes with id=27 and offset=9 to continue.]", strings.SplitN(page, "\n", 2)[1])
		last := h.ok("Changes", map[string]any{"id": 27, "offset": len(lines) - 2})
		assert.Equal(t, strings.Join(lines[len(lines)-2:], "\n"), strings.SplitN(last, "\n", 2)[1], "the last page has no note")
		assert.Contains(t, h.fail("Changes", map[string]any{"id": 27, "offset": 1000}), "offset 1000 is past the end of checkpoint 27's diff, which has ")
	})
	t.Run("a result stops at its size cap and says where to go on", func(t *testing.T) {
		line := strings.Repeat("x", 900) + "\n"
		h.ok("Write", map[string]any{"file_path": "big.txt", "content": strings.Repeat(line, 200)})
		cps, err := h.journal().List()
		require.NoError(t, err)
		id := cps[0].ID
		page := h.ok("Changes", map[string]any{"id": id})
		assert.LessOrEqual(t, len(page), changesMaxOutput+200)
		assert.Regexp(t, fmt.Sprintf(`\n\[Showing diff lines 1-\d+\. Call Changes with id=%d and offset=\d+ to continue\.\]$`, id), page)
	})
}
