package tools

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// jobID finds the job ID a detached Bash result names.
var jobID = regexp.MustCompile(`goes on in the background as job (b\d+)`)

func TestBashForegroundLimit(t *testing.T) {
	t.Parallel()
	h := newBashHarnessWith(t, sandbox.Config{}, Options{ForegroundLimit: time.Second})

	t.Run("a command past the limit goes on in the background", func(t *testing.T) {
		got := h.ok("Bash", bash("echo started; sleep 2; echo finished"))
		m := jobID.FindStringSubmatch(got)
		require.NotNil(t, m, got)
		// What it printed within the limit comes first (nothing, on a machine
		// too loaded to start it in time).
		assert.Regexp(t, `^(started\n\n)?\[Still running after 1s, so it goes on in the background as job b\d+ \(its timeout still stops it 2m after it started\): wait for it with BashOutput \(bash_id "b\d+", wait 1\), or stop it with KillShell\.\]$`, got)
		// Waits until there is news, never past the limit (1 s here); reads
		// on after what the Bash result showed.
		all := got
		for out := ""; !strings.Contains(out, "exited with code 0"); {
			out = h.ok("BashOutput", map[string]any{"bash_id": m[1], "wait": 1})
			all += "\n" + out
		}
		assert.Len(t, regexp.MustCompile(`(?m)^started$`).FindAllString(all, -1), 1, all)
		assert.Len(t, regexp.MustCompile(`(?m)^finished$`).FindAllString(all, -1), 1, all)
	})
	t.Run("its own timeout still ends it", func(t *testing.T) {
		got := h.ok("Bash", map[string]any{"command": "sleep 60", "timeout": 2500})
		m := jobID.FindStringSubmatch(got)
		require.NotNil(t, m, got)
		assert.Contains(t, got, "its timeout still stops it 2.5s after it started")
		var out string
		for !regexp.MustCompile(`timed out after`).MatchString(out) {
			out = h.ok("BashOutput", map[string]any{"bash_id": m[1], "wait": 1})
		}
		assert.Regexp(t, `^\[b\d+: timed out after [\d.]+s and was stopped\]`, out)
	})
	t.Run("a command within the limit answers as before", func(t *testing.T) {
		h := newBashHarnessWith(t, sandbox.Config{}, Options{ForegroundLimit: time.Minute})
		assert.Equal(t, "quick", h.ok("Bash", bash("echo quick")))
	})
	t.Run("BashOutput's wait is bounded by the limit", func(t *testing.T) {
		got := h.fail("BashOutput", map[string]any{"bash_id": "b1", "wait": 5})
		assert.Contains(t, got, "wait")
	})
}
