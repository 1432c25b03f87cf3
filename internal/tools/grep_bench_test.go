package tools

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/agentbox/agentbox/internal/testutil"
)

// BenchmarkGrep runs Grep and Glob (without the MCP round trip; see
// scripts/bench-grep.sh for that) on a generated tree of 2,000 files, 24 MB.
func BenchmarkGrep(b *testing.B) {
	dir := b.TempDir()
	if err := corpus.Write(dir, corpus.Spec{Files: 2000, Bytes: 24 << 20, Seed: 3}); err != nil {
		b.Fatal(err)
	}
	ts := New(testutil.Workspace(b, dir), Options{})
	zero := 0
	cases := []struct {
		name string
		args grepArgs
	}{
		{"literal-files", grepArgs{Pattern: "ReadFile"}},
		{"literal-content", grepArgs{Pattern: "ReadFile", OutputMode: "content"}},
		{"literal-content-all", grepArgs{Pattern: "ReadFile", OutputMode: "content", HeadLimit: &zero}},
		{"literal-count", grepArgs{Pattern: "ReadFile", OutputMode: "count"}},
		{"regex-files", grepArgs{Pattern: `func \w+Reader\(`}},
		{"ignore-case-files", grepArgs{Pattern: "readfile", IgnoreCase: true}},
		{"alternation-content", grepArgs{Pattern: `\b(TODO|FIXME)\b`, OutputMode: "content", HeadLimit: &zero}},
		{"no-literal-files", grepArgs{Pattern: `\d{3}\)$`}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := ts.grep(b.Context(), c.args)
				require.NoError(b, err)
				if res.IsError {
					b.Fatal(text(res))
				}
			}
		})
	}
	b.Run("glob", func(b *testing.B) {
		for b.Loop() {
			res, err := ts.glob(b.Context(), globArgs{Pattern: "**/*.py"})
			require.NoError(b, err)
			if res.IsError {
				b.Fatal(text(res))
			}
		}
	})
}
