package checkpoint

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrash kills a process with SIGKILL while it records large changes
// and undoes them, again and again, and checks that the journal opens
// each time: an undo cut short is completed, no checkpoint refers to a
// content the store lacks, and recording goes on.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and kills them")
	}
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "journal")
	writeTree(t, ws, map[string]string{"keep.txt": "keep\n"})
	rng := rand.New(rand.NewPCG(1, 2))
	midUndo := 0
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), "CHECKPOINT_CRASH_CHILD="+ws+string(os.PathListSeparator)+dir)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		sc := bufio.NewScanner(out)
		start := time.Now()
		for sc.Scan() && !strings.HasPrefix(sc.Text(), "step") {
		}
		t.Logf("round %d: first step after %v", round, time.Since(start))
		// Kill it at a random moment of its next steps.
		time.AfterFunc(time.Duration(rng.IntN(400))*time.Millisecond, func() { cmd.Process.Kill() })
		for sc.Scan() {
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "round %d: the child must be killed, not end", round)
		require.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())

		l, err := openLog(dir)
		require.NoError(t, err)
		require.NoError(t, l.sync())
		if l.intent != nil {
			midUndo++
		}
		l.close()

		root, err := os.OpenRoot(ws)
		require.NoError(t, err)
		j, err := Open(root, ws, Options{Dir: dir})
		require.NoError(t, err, "round %d: the journal opens", round)
		list, err := j.List()
		require.NoError(t, err)
		require.NotEmpty(t, list)
		assert.Nil(t, j.log.intent, "an undo cut short is completed")
		for _, cp := range list {
			for _, fc := range cp.Files {
				for _, s := range []*State{fc.Before, fc.After} {
					if s != nil && s.Type != Dir {
						require.True(t, j.log.store.has(s.Hash), "checkpoint %d: %s: content in the store", cp.ID, fc.Path)
					}
				}
			}
		}
		if last := list[0]; strings.HasPrefix(last.Note, "completed when the journal was next opened") {
			for _, fc := range last.Files {
				now, err := j.stateNow(fc.Path, false)
				require.NoError(t, err)
				assert.True(t, now.same(fc.After), "%s: as the completed undo left it", fc.Path)
			}
		}
		j.Close()
		root.Close()
	}
	t.Logf("%d of 4 kills landed in the middle of an undo", midUndo)
}

// TestCrashChild is TestCrash's victim: it records a large change and
// undoes it until it is killed.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv("CHECKPOINT_CRASH_CHILD")
	if spec == "" {
		t.Skip("run by TestCrash")
	}
	ws, dir, _ := strings.Cut(spec, string(os.PathListSeparator))
	root, err := os.OpenRoot(ws)
	require.NoError(t, err)
	j, err := Open(root, ws, Options{Dir: dir, Live: true})
	require.NoError(t, err)
	<-j.Primed()
	f := &fixture{t: t, ws: ws, dir: dir, j: j}
	for i := 0; ; i++ {
		cp := f.sh(fmt.Sprintf(`mkdir -p big && for n in $(seq 800); do echo "%d %d $n" > big/f$n; done`, os.Getpid(), i))
		require.NotNil(t, cp)
		fmt.Printf("step %d recorded %d\n", i, len(cp.Files))
		_, err := j.Undo(t.Context(), cp.ID, true, false)
		require.NoError(t, err)
		fmt.Printf("step %d undone\n", i)
	}
}
