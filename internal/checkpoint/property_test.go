package checkpoint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzUndo runs a random sequence of file operations, each recorded as a
// checkpoint (as Write and Edit record theirs, or as Bash does by a scan),
// then undoes to a random checkpoint: the tree must be as it was just
// before that checkpoint. Undoing the undo must bring back the tree as it
// was before the undo.
func FuzzUndo(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed, uint8(20), seed%4 == 3)
	}
	f.Fuzz(func(t *testing.T, seed uint64, steps uint8, poll bool) {
		rng := rand.New(rand.NewPCG(seed, 7))
		fx := newFixtureWith(t, map[string]string{"f0": "zero\n", "d0/f1": "one\n", "d0/e/f2": "two\n"}, Options{Poll: poll})
		type mark struct {
			id   int64
			tree map[string]string
		}
		var marks []mark
		for range int(steps)%40 + 1 {
			tree := snapshot(t, fx.ws)
			if cp := randomStep(t, fx, rng, tree); cp != nil {
				marks = append(marks, mark{cp.ID, tree})
			}
		}
		if len(marks) == 0 {
			return
		}
		m := marks[rng.IntN(len(marks))]
		beforeUndo := snapshot(t, fx.ws)
		res, err := fx.j.Undo(t.Context(), m.id, false, false)
		require.NoError(t, err)
		require.Empty(t, res.Conflicts)
		require.Equal(t, m.tree, snapshot(t, fx.ws), "undo to %d", m.id)
		if res.Checkpoint == nil {
			return
		}
		res, err = fx.j.Undo(t.Context(), res.Checkpoint.ID, false, false)
		require.NoError(t, err)
		require.Empty(t, res.Conflicts)
		require.Equal(t, beforeUndo, snapshot(t, fx.ws), "undo of the undo")
	})
}

var (
	propDirs  = []string{"", "d0", "d0/e", "d1", "d1/g"}
	propNames = []string{"f0", "f1", "f2", "f3"}
)

// randomStep does one random operation and returns its checkpoint.
func randomStep(t *testing.T, fx *fixture, rng *rand.Rand, tree map[string]string) *Checkpoint {
	pick := func(kind string) string {
		var ps []string
		for p, v := range tree {
			if len(v) >= len(kind) && v[:len(kind)] == kind {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return ""
		}
		// Map iteration is random; sort for a reproducible choice.
		slices.Sort(ps)
		return ps[rng.IntN(len(ps))]
	}
	q := func(p string) string { return "'" + p + "'" }
	switch rng.IntN(8) {
	case 0, 1: // Write a new or existing file
		p := filepath.ToSlash(filepath.Join(propDirs[rng.IntN(len(propDirs))], propNames[rng.IntN(len(propNames))]))
		if !writable(fx.ws, p) {
			return nil
		}
		return fx.write(p, fmt.Sprintf("content %d\n", rng.IntN(1000)))
	case 2: // Edit: append a line
		p := pick("file")
		if p == "" {
			return nil
		}
		op := fx.j.Begin("Edit", p, p)
		fh, err := os.OpenFile(filepath.Join(fx.ws, p), os.O_WRONLY|os.O_APPEND, 0)
		require.NoError(t, err)
		fmt.Fprintf(fh, "edit %d\n", rng.IntN(1000))
		fh.Close()
		cp, err := op.Done(t.Context())
		require.NoError(t, err)
		return cp
	case 3: // rm a file
		if p := pick("file"); p != "" {
			return fx.sh("rm " + q(p))
		}
	case 4: // rm -rf a directory
		if p := pick("dir"); p != "" {
			return fx.sh("rm -rf " + q(p))
		}
	case 5: // mkdir -p
		p := propDirs[1+rng.IntN(len(propDirs)-1)] + "/n" + fmt.Sprint(rng.IntN(3))
		return fx.sh("mkdir -p " + q(p) + " 2>/dev/null; true")
	case 6: // chmod a file
		if p := pick("file"); p != "" {
			return fx.sh(fmt.Sprintf("chmod %o %s", []int{0o644, 0o755, 0o600}[rng.IntN(3)], q(p)))
		}
	case 7: // mv a file or a directory
		kind := []string{"file", "dir"}[rng.IntN(2)]
		p := pick(kind)
		if p == "" {
			return nil
		}
		to := propDirs[rng.IntN(len(propDirs))]
		return fx.sh(fmt.Sprintf("mkdir -p %s 2>/dev/null; mv -T %s %s 2>/dev/null; true", q(orDot(to)), q(p), q(filepath.Join(orDot(to), "m"+fmt.Sprint(rng.IntN(3))))))
	}
	return nil
}

// writable reports whether a Write of p could succeed: no file where a
// directory must be, no directory at p.
func writable(ws, p string) bool {
	full := filepath.Join(ws, p)
	if fi, err := os.Lstat(full); err == nil && fi.IsDir() {
		return false
	}
	for d := filepath.Dir(full); d != ws; d = filepath.Dir(d) {
		if fi, err := os.Lstat(d); err == nil && !fi.IsDir() {
			return false
		}
	}
	return true
}
