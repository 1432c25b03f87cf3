//go:build unix

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPollableStdin runs pollableStdin in a child process whose stdin is a
// pipe, as a client's is: the file it returns is waited on by the poller
// (it takes a read deadline, which only such files do) and reads what the
// client wrote. A regular file as stdin is left as it is.
func TestPollableStdin(t *testing.T) {
	if os.Getenv("AGENTBOX_STDIN_CHILD") != "" {
		f := pollableStdin()
		fmt.Println("deadline:", f.SetReadDeadline(time.Now().Add(time.Minute)))
		b, err := io.ReadAll(f)
		fmt.Printf("read: %q %v\n", b, err)
		os.Exit(0)
	}
	t.Parallel()
	child := func(stdin io.Reader) string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPollableStdin$")
		cmd.Env = append(os.Environ(), "AGENTBOX_STDIN_CHILD=1")
		cmd.Stdin = stdin
		out, err := cmd.Output()
		require.NoError(t, err)
		return string(out)
	}
	got := child(strings.NewReader(`{"jsonrpc":"2.0"}`)) // os/exec hands the child a pipe
	assert.Contains(t, got, "deadline: <nil>")
	assert.Contains(t, got, `read: "{\"jsonrpc\":\"2.0\"}" <nil>`)

	p := filepath.Join(t.TempDir(), "requests")
	require.NoError(t, os.WriteFile(p, []byte("from a file"), 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	got = child(f)
	assert.Contains(t, got, "deadline: file type does not support deadline")
	assert.Contains(t, got, `read: "from a file" <nil>`)
}
