package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/workspace"
)

// BenchmarkCheckAfterEditGo measures an Edit of one file of a 50-file Go
// package with its after-edit check, with the build cache warm (the first
// check, before the timer, fills it), under the default 2s deadline. Each
// edit changes the package, so every check type-checks it anew.
func BenchmarkCheckAfterEditGo(b *testing.B) {
	requireGo(b)
	dir := b.TempDir()
	write := func(name, content string) {
		require.NoError(b, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("go.mod", "module example.com/bench\n\ngo 1.22\n")
	for i := range 50 {
		write(fmt.Sprintf("f%02d.go", i), benchGoFile(i))
	}
	ws, err := workspace.Open(dir)
	require.NoError(b, err)
	b.Cleanup(func() { ws.Close() })
	h := &harness{t: b, dir: dir, ws: ws, ts: New(ws, Options{Checks: CheckOptions{AfterWrite: true, Env: testCheckEnv()}})}
	h.c = h.connect()
	h.ok("Read", map[string]any{"file_path": "f07.go"})

	values := []string{"return s", "return s + 0"}
	edit := func(i int) string {
		return h.ok("Edit", map[string]any{"file_path": "f07.go", "old_string": "\t" + values[i%2] + "\n", "new_string": "\t" + values[(i+1)%2] + "\n"})
	}
	got := edit(0) // fills the build cache with the dependencies' export data
	require.NotContains(b, got, "skipped", "the first check")
	b.ResetTimer()
	for i := 1; b.Loop(); i++ {
		if got := edit(i); strings.Contains(got, "skipped") || strings.Contains(got, "Problems") {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
	}
}

// benchGoFile is one file of the benchmark's package: a type with
// methods, an HTTP handler and a loop, importing a few standard packages.
func benchGoFile(i int) string {
	return fmt.Sprintf(`package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type T%[1]d struct {
	Name string
	N    int
}

func (t *T%[1]d) String() string { return fmt.Sprintf("%%s-%%d", strings.ToUpper(t.Name), t.N) }

func Handler%[1]d(w http.ResponseWriter, r *http.Request) {
	var t T%[1]d
	if err := json.NewDecoder(r.Body).Decode(&t); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, t.String())
}

func Sum%[1]d(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}
`, i)
}

// BenchmarkCheckAfterEditPython measures an Edit of a 500-line Python file
// with its after-edit check (compile and pyflakes).
func BenchmarkCheckAfterEditPython(b *testing.B) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		b.Skip("no /usr/bin/python3")
	}
	dir := b.TempDir()
	var src strings.Builder
	for i := range 100 {
		fmt.Fprintf(&src, "def f%d(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n", i)
	}
	require.NoError(b, os.WriteFile(filepath.Join(dir, "app.py"), []byte(src.String()), 0o644))
	ws, err := workspace.Open(dir)
	require.NoError(b, err)
	b.Cleanup(func() { ws.Close() })
	h := &harness{t: b, dir: dir, ws: ws, ts: New(ws, Options{Checks: CheckOptions{AfterWrite: true, Env: testCheckEnv(), Python: "/usr/bin/python3"}})}
	h.c = h.connect()
	h.ok("Read", map[string]any{"file_path": "app.py"})
	values := []string{"return total", "return total + 0"}
	for i := 0; b.Loop(); i++ {
		got := h.ok("Edit", map[string]any{"file_path": "app.py", "old_string": "    " + values[i%2] + "\ndef f1(", "new_string": "    " + values[(i+1)%2] + "\ndef f1("})
		if strings.Contains(got, "skipped") || strings.Contains(got, "Problems") {
			b.Fatalf("the check did not pass cleanly: %s", got)
		}
	}
}
