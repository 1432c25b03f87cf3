//go:build linux

package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestForegroundLimit runs a command that outlasts --foreground-limit: the
// call returns at the limit with a job ID, its progress reports all come
// before that result, and BashOutput's wait follows the job to its end.
func TestForegroundLimit(t *testing.T) {
	t.Parallel()
	s := startRaw(t, "--foreground-limit", "2s")
	began := time.Now()
	s.call(1, "Bash", map[string]any{"command": "echo going; sleep 30; echo gone"}, map[string]any{"progressToken": "fg"})
	resp, before := s.await(1)
	took := time.Since(began)
	t.Logf("the call returned after %v", took)
	out, isErr := rawText(t, resp)
	require.False(t, isErr, out)
	m := regexp.MustCompile(`Still running after 2s, so it goes on in the background as job (b\d+) .*: wait for it with BashOutput \(bash_id "b\d+", wait 2\), or stop it with KillShell\.\]$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	// About 2 s; the bound is loose for a loaded machine, but far below the
	// 30 s of the command.
	assert.Less(t, took, 15*time.Second, "the call returned at the limit, not at the command's end")
	reports := 0
	for _, msg := range before {
		if msg["method"] == "notifications/progress" {
			reports++
		}
	}
	assert.Positive(t, reports, "progress flowed while the command ran in the foreground")

	// Wait for it, as the result says, until it ends: no progress report of
	// the Bash call comes after its result.
	id := 1
	var all []string
	for !strings.Contains(strings.Join(all, "\n"), "exited with code 0") {
		id++
		s.call(id, "BashOutput", map[string]any{"bash_id": m[1], "wait": 2}, nil)
		resp, late := s.await(id)
		for _, msg := range late {
			if p, ok := msg["params"].(map[string]any); ok {
				assert.NotEqual(t, "fg", p["progressToken"], "a progress report of the Bash call came after its result")
			}
		}
		text, isErr := rawText(t, resp)
		require.False(t, isErr, text)
		all = append(all, text)
		require.Less(t, len(all), 100, "the job never ended: %s", strings.Join(all, "\n"))
	}
	last := all[len(all)-1]
	assert.Regexp(t, `^\[b\d+: exited with code 0 after [\d.]+s\]`, last)
	assert.Contains(t, strings.Join(all, "\n"), "gone")
	assert.Greater(t, len(all), 1, "each wait returned when it ran out, not at once")
}
