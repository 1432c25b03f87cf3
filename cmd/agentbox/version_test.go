package main

import (
	"debug/buildinfo"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVersion checks --version on the built binary: its -ldflags version,
// the revision it was built from when the build recorded one, and Go's.
func TestVersion(t *testing.T) {
	t.Parallel()
	out, errOut, code := agentbox(t, "", "--version")
	require.Equal(t, 0, code, errOut)
	require.True(t, strings.HasPrefix(out, "agentbox e2e ("), out)
	assert.Contains(t, out, "go1.")
	// The revision is there exactly when the build recorded one (GOFLAGS
	// may say -buildvcs=false).
	bi, err := buildinfo.ReadFile(binary)
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(out, bi.GoVersion+")\n"), out)
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		assert.Equal(t, "agentbox e2e ("+bi.GoVersion+")\n", out)
		return
	}
	assert.Contains(t, out, "(rev "+rev[:12])
	assert.Equal(t, modified, strings.Contains(out, ", modified,"), out)
}

func TestDescribeBuild(t *testing.T) {
	t.Parallel()
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123def4567890abc123def4567890abc123de"},
		{Key: "vcs.modified", Value: "true"},
	}}
	assert.Equal(t, "agentbox v1.2.3 (rev abc123def456, modified, go1.26.8)", describeBuild("", bi))
	assert.Equal(t, "agentbox v9 (rev abc123def456, modified, go1.26.8)", describeBuild("v9", bi), "-ldflags wins")
	bi.Settings = bi.Settings[:1]
	assert.Equal(t, "agentbox v1.2.3 (rev abc123def456, go1.26.8)", describeBuild("", bi))
	assert.Equal(t, "agentbox v1.2.3 (go1.26.8)", describeBuild("", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}),
		"go install module@version records no revision")
	assert.Equal(t, "agentbox (devel)", describeBuild("", nil))
}
