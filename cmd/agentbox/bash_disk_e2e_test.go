//go:build linux

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/testutil"
)

// TestBashOnAFullDisk runs the server with its temporary directory, where
// it spools command output, on a small tmpfs that the output fills: the
// result shows only bytes whose place is known, says which are gone and
// why, and its offsets lead BashOutput to the bytes they name.
func TestBashOnAFullDisk(t *testing.T) {
	t.Parallel()
	s := startRawIn(t, t.TempDir(), testutil.Tmpfs(t, 32<<10))
	// 3000 lines of 100 bytes: line i starts at offset 100*i.
	s.call(1, "Bash", map[string]any{"command": `for i in $(seq 0 2999); do printf 'line %06d %087d\n' $i 0; done`}, nil)
	resp, _ := s.await(1)
	out, isErr := rawText(t, resp)
	require.False(t, isErr, out)
	assert.True(t, strings.HasPrefix(out, "line 000000 "), "the result starts where the output does: %.100q", out)
	assert.True(t, strings.HasSuffix(out, "line 002999 "+strings.Repeat("0", 87)), out[max(0, len(out)-200):])
	note := regexp.MustCompile(`\[… [^]]* Bytes (\d+) to (\d+) \([^)]*\) are gone: the server could not write them to its disk \(no space left on device\), so the output could not be kept whole\. To read on from here, call BashOutput with bash_id "(b\d+)" and offset (\d+)\.\]`).FindStringSubmatch(out)
	require.NotNil(t, note, "the note says what is gone and why: %s", out)
	from, _ := strconv.Atoi(note[1])
	to, _ := strconv.Atoi(note[2])
	next, _ := strconv.Atoi(note[4])
	head, _, _ := strings.Cut(out, "\n\n[…")
	assert.Equal(t, next, len(head)+1, "the head is the output's first bytes, to the offset given")
	assert.Equal(t, 300000-64<<10, to, "the last 64 KB are kept in memory")
	assert.LessOrEqual(t, from, 32<<10, "the disk holds what fitted")

	// BashOutput at the offset reads on from the byte it names, up to the
	// gap; then it says what it passed over.
	s.call(2, "BashOutput", map[string]any{"bash_id": note[3], "offset": next}, nil)
	resp, _ = s.await(2)
	page, isErr := rawText(t, resp)
	require.False(t, isErr, page)
	body := strings.SplitN(page, "\n", 2)[1]
	assert.True(t, strings.HasPrefix(body, fmt.Sprintf("line %06d ", next/100)), "%.100q", body)
	s.call(3, "BashOutput", map[string]any{"bash_id": note[3]}, nil)
	resp, _ = s.await(3)
	page, _ = rawText(t, resp)
	assert.Contains(t, page, fmt.Sprintf("Bytes %d to %d", from, to))
	assert.Contains(t, page, fmt.Sprintf("What follows starts at offset %d.]\n%s", to, strings.Repeat("0", 87-(to%100-12))+"\nline "))
}
