package tools

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkRead reads a 1,000-line file through the in-process client: the
// tool's cost without the stdio transport (scripts/bench.sh measures that).
func BenchmarkRead(b *testing.B) {
	h := newHarness(b)
	h.write("read1000.py", benchLines(1000))
	args := map[string]any{"file_path": "read1000.py"}
	for b.Loop() {
		if res := h.call("Read", args); res.IsError {
			b.Fatal(text(res))
		}
	}
}

// benchLines is n lines of typical source width.
func benchLines(n int) string {
	var s strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&s, "    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i%7, i)
	}
	return s.String()
}
