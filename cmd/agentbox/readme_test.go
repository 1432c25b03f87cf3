package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/tools"
)

// TestREADME keeps the README's tool list equal to what the server serves:
// the part between the <!-- tools --> markers is generated from the tools'
// own descriptions. Run with -update to rewrite it.
func TestREADME(t *testing.T) {
	ws, err := tools.OpenWorkspace(t.TempDir())
	require.NoError(t, err)
	defer ws.Close()
	var b strings.Builder
	for _, st := range tools.New(ws, tools.Options{}).All() {
		tool := st.Tool
		kind := "changes files"
		if a := tool.Annotations; a.ReadOnlyHint != nil && *a.ReadOnlyHint {
			kind = "read-only"
		}
		fmt.Fprintf(&b, "### %s (%s)\n\n%s\n\n", tool.Name, kind, tool.Description)
	}
	const begin, end = "<!-- tools -->\n", "<!-- /tools -->"
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	s := string(readme)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the %q and %q markers", begin, end)
	want := s[:i+len(begin)] + "\n" + b.String() + s[j:]
	if *update {
		require.NoError(t, os.WriteFile("../../README.md", []byte(want), 0o644))
		return
	}
	require.Equal(t, want, s, "README.md's tool list is stale: run go test ./cmd/agentbox -run TestREADME -update")
}
