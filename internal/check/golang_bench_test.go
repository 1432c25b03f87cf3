package check

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/testutil"
)

// BenchmarkGoRecheck measures the check after an edit of one file of a
// 50-file Go package (corpus.GoPackageFile), with the checker process warm, in the
// sandbox as the server runs it and without one. Each edit changes the
// package, so each check type-checks it anew; the checker re-checks it
// against the dependencies' types it kept (see gocheck/warm.go).
func BenchmarkGoRecheck(b *testing.B) {
	testutil.RequireGo(b)
	b.Run("sandboxed", func(b *testing.B) {
		dir := b.TempDir()
		sb := testutil.Sandbox(b, dir, sandbox.Config{Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}})
		if missing := sb.Missing(); len(missing) > 0 {
			b.Skipf("no full sandbox here: %v", missing)
		}
		benchRecheck(b, newFixtureIn(b, dir, Options{Sandbox: sb}))
	})
	b.Run("local", func(b *testing.B) { benchRecheck(b, newFixture(b, Options{})) })
}

func benchRecheck(b *testing.B, f *fixture) {
	f.write("go.mod", corpus.GoModule)
	for i := range 50 {
		f.write(fmt.Sprintf("f%02d.go", i), corpus.GoPackageFile(i))
	}
	values := []string{"return s", "return s + 0"}
	edit := func(i int) string { return f.edit("f07.go", "\t"+values[i%2]+"\n", "\t"+values[(i+1)%2]+"\n") }
	require.Empty(b, edit(0), "the first check loads the package")
	loads, _ := f.counts()
	for i := 1; b.Loop(); i++ {
		if got := edit(i); got != "" {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
	}
	l2, reused := f.counts()
	require.Equal(b, loads, l2, "every check after the first is a re-check")
	b.ReportMetric(float64(reused), "rechecks")
}

// BenchmarkGoSyntaxError measures the check after a write of a 10,000-line
// Go file with a syntax error, which the server finds by parsing the file
// it reads through the workspace, without the checker process.
func BenchmarkGoSyntaxError(b *testing.B) {
	f := newFixture(b, Options{})
	f.write("go.mod", "module example.com/big\n\ngo 1.22\n")
	src := "package big\n\n" + testutil.GoFile(10_010)
	broken := strings.Replace(src, "func f700(x int) int {\n", "func f700(x int) int {\n\tx = (x +\n", 1)
	require.GreaterOrEqual(b, strings.Count(broken, "\n"), 10_000)
	for b.Loop() {
		if got := f.written("big.go", broken); !strings.Contains(got, "(go parser)") {
			b.Fatalf("no syntax error found: %s", got)
		}
	}
}

// BenchmarkGoFirstCheck measures the first check of a 50-file package in
// a new workspace: the checker process starts, and the go command loads
// the package with an empty private build cache, which reads through to
// the user's.
func BenchmarkGoFirstCheck(b *testing.B) {
	testutil.RequireGo(b)
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		sb := testutil.Sandbox(b, dir, sandbox.Config{Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}})
		f := newFixtureIn(b, dir, Options{Sandbox: sb})
		f.write("go.mod", corpus.GoModule)
		for i := range 50 {
			f.write(fmt.Sprintf("f%02d.go", i), corpus.GoPackageFile(i))
		}
		b.StartTimer()
		if got := f.c.AfterWrite(b.Context(), Write{Rel: "f07.go", Session: "s1", Tool: "Write", At: time.Now()}); got != "" {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
		b.StopTimer()
		f.c.Close()
		b.StartTimer()
	}
}
