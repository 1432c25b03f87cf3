//go:build unix

package checkpoint

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBackgroundJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "a\n"})
	fifo := filepath.Join(t.TempDir(), "go")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))

	bg, err := f.j.BeginScan(t.Context(), "Bash", "background job")
	require.NoError(t, err)
	cmd := exec.Command("bash", "-c", `echo 1 > bg1.txt; echo ready; read x < "$1"; echo 2 > bg2.txt; rm a.txt`, "bash", fifo)
	cmd.Dir = f.ws
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	fg := f.sh("echo fg > fg.txt")
	require.NoError(t, os.WriteFile(fifo, []byte("go\n"), 0o600))
	require.NoError(t, cmd.Wait())
	rest, err := bg.Done(t.Context())
	require.NoError(t, err)

	list, err := f.j.List()
	require.NoError(t, err)
	require.Len(t, list, 3)
	early := list[2]
	assert.Equal(t, "background job", early.Summary, "what the job did before another command started is its own")
	assert.Equal(t, "added bg1.txt", kinds(early))
	assert.Contains(t, early.Note, "up to when another command started")
	assert.Equal(t, "added fg.txt", kinds(fg))
	assert.Equal(t, "deleted a.txt\nadded bg2.txt", kinds(rest), "the rest when it ends")

	res, err := f.j.Undo(t.Context(), early.ID, false, false)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"a.txt": "file -rw-r--r-- a\n"}, snapshot(t, f.ws))
	assert.Empty(t, res.Conflicts)
}
