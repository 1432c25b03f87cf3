package tools

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzUndoThroughTools is the journal's FuzzUndo played through the tools
// a model calls: a random sequence of Writes, Edits and Bash commands
// (rm, rm -rf, mkdir -p, chmod, mv), each its own checkpoint, then Undo to
// a random one: the workspace must be as it was just before that
// checkpoint. Undoing the undo must bring back the workspace as it was
// before the undo.
func FuzzUndoThroughTools(f *testing.F) {
	for seed := range uint64(4) { // each step is a call, most of them a sandboxed command
		f.Add(seed, uint8(14))
	}
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8) {
		rng := rand.New(rand.NewPCG(seed, 11))
		h := newJournalHarness(t, map[string]string{"f0": "zero\n", "d0/f1": "one\n", "d0/e/f2": "two\n"})
		type mark struct {
			id   int64
			tree map[string]string
		}
		var marks []mark
		for range int(steps)%24 + 1 {
			tree := h.tree()
			last := h.lastCheckpoint()
			h.randomToolStep(rng, tree)
			if id := h.lastCheckpoint(); id != last {
				require.Equal(t, last+1, id, "one checkpoint per call")
				marks = append(marks, mark{id, tree})
			}
		}
		if len(marks) == 0 {
			return
		}
		m := marks[rng.IntN(len(marks))]
		beforeUndo := h.tree()
		out := h.ok("Undo", map[string]any{"id": m.id})
		require.Equal(t, m.tree, h.tree(), "undo to %d: %s", m.id, out)
		if strings.HasPrefix(out, "Nothing to restore") {
			return
		}
		h.ok("Undo", map[string]any{"id": h.lastCheckpoint()})
		require.Equal(t, beforeUndo, h.tree(), "undo of the undo")
	})
}

// lastCheckpoint returns the newest checkpoint's id, 0 for none.
func (h *harness) lastCheckpoint() int64 {
	h.t.Helper()
	list, err := h.journal().List()
	require.NoError(h.t, err)
	if len(list) == 0 {
		return 0
	}
	return list[0].ID
}

var (
	toolDirs  = []string{"", "d0", "d0/e", "d1", "d1/g"}
	toolNames = []string{"f0", "f1", "f2", "f3"}
)

// randomToolStep makes one random change through a tool; tree is the
// workspace now. Calls that fail (a Write where a directory is) are fine:
// they record nothing.
func (h *harness) randomToolStep(rng *rand.Rand, tree map[string]string) {
	pick := func(kind string) string {
		var ps []string
		for p, v := range tree {
			if strings.HasPrefix(v, kind) {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return ""
		}
		slices.Sort(ps) // map order is random; a seed must replay
		return ps[rng.IntN(len(ps))]
	}
	q := func(p string) string { return "'" + p + "'" }
	or := func(p string) string {
		if p == "" {
			return "."
		}
		return p
	}
	switch rng.IntN(8) {
	case 0, 1: // Write a new or existing file
		p := path.Join(toolDirs[rng.IntN(len(toolDirs))], toolNames[rng.IntN(len(toolNames))])
		h.call("Read", map[string]any{"file_path": p}) // allowed to fail: a new file needs no Read
		h.call("Write", map[string]any{"file_path": p, "content": fmt.Sprintf("content %d\n", rng.IntN(1000))})
	case 2: // Edit: add a line after the first
		if p := pick("file"); p != "" {
			content := strings.SplitN(tree[p], " ", 3)[2] // "file MODE content"
			first, _, _ := strings.Cut(content, "\n")
			h.call("Read", map[string]any{"file_path": p})
			h.call("Edit", map[string]any{"file_path": p, "old_string": first, "new_string": first + fmt.Sprintf("\nedit %d", rng.IntN(1000))})
		}
	case 3: // rm a file
		if p := pick("file"); p != "" {
			h.call("Bash", map[string]any{"command": "rm " + q(p)})
		}
	case 4: // rm -rf a directory
		if p := pick("dir"); p != "" {
			h.call("Bash", map[string]any{"command": "rm -rf " + q(p)})
		}
	case 5: // mkdir -p
		p := toolDirs[1+rng.IntN(len(toolDirs)-1)] + "/n" + fmt.Sprint(rng.IntN(3))
		h.call("Bash", map[string]any{"command": "mkdir -p " + q(p) + " 2>/dev/null; true"})
	case 6: // chmod a file
		if p := pick("file"); p != "" {
			h.call("Bash", map[string]any{"command": fmt.Sprintf("chmod %o %s", []int{0o644, 0o755, 0o600}[rng.IntN(3)], q(p))})
		}
	case 7: // mv a file or a directory
		p := pick([]string{"file", "dir"}[rng.IntN(2)])
		if p == "" {
			return
		}
		to := or(toolDirs[rng.IntN(len(toolDirs))])
		h.call("Bash", map[string]any{"command": fmt.Sprintf("mkdir -p %s 2>/dev/null; mv -T %s %s 2>/dev/null; true", q(to), q(p), q(path.Join(to, "m"+fmt.Sprint(rng.IntN(3)))))})
	}
}
