package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/agentbox/agentbox/internal/testutil"
)

// BenchmarkAfterWriteGo measures the check after a write of one file of a
// 50-file Go package, with the build cache warm (the first check, before
// the timer, fills it), waiting for each whole check (the fixture's wait).
// Each write changes the package, so every check type-checks it anew.
func BenchmarkAfterWriteGo(b *testing.B) {
	testutil.RequireGo(b)
	f := newFixture(b, Options{})
	f.write("go.mod", corpus.GoModule)
	for i := range 50 {
		f.write(fmt.Sprintf("f%02d.go", i), corpus.GoPackageFile(i))
	}
	values := []string{"return s", "return s + 0"}
	edit := func(i int) string { return f.edit("f07.go", "\t"+values[i%2]+"\n", "\t"+values[(i+1)%2]+"\n") }
	got := edit(0) // fills the build cache with the dependencies' export data
	require.NotContains(b, got, "skipped", "the first check")
	b.ResetTimer()
	for i := 1; b.Loop(); i++ {
		if got := edit(i); got != "" {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
	}
}

// BenchmarkAfterWritePython measures the whole check after an edit of a
// 500-line Python file (its first step, compile and pyflakes) by the warm
// checker, waiting for it.
func BenchmarkAfterWritePython(b *testing.B) {
	python := testutil.Python(b, "/usr/bin/python3")
	f := newFixture(b, Options{Python: python})
	var src strings.Builder
	for i := range 100 {
		fmt.Fprintf(&src, "def f%d(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n", i)
	}
	f.write("app.py", src.String())
	values := []string{"return total", "return total + 0"}
	for i := 0; b.Loop(); i++ {
		if got := f.edit("app.py", "    "+values[i%2]+"\ndef f1(", "    "+values[(i+1)%2]+"\ndef f1("); got != "" {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
	}
}
