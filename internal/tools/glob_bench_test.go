package tools

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/testutil"
)

// BenchmarkGlobGOROOT runs Glob (without the MCP round trip) over the Go
// distribution's own tree, about 15,000 files: the size issue 15 measures
// against Claude Code.
func BenchmarkGlobGOROOT(b *testing.B) {
	ts := New(testutil.Workspace(b, runtime.GOROOT()), Options{})
	for _, pattern := range []string{"**/*.go", "src/net/**/*.go", "**/go.mod", "*"} {
		b.Run(pattern, func(b *testing.B) {
			for b.Loop() {
				res, err := ts.glob(b.Context(), globArgs{Pattern: pattern})
				require.NoError(b, err)
				if res.IsError {
					b.Fatal(text(res))
				}
			}
		})
	}
}
