package checkpoint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, map[string]string{"a.txt": "one\ntwo\nthree\n", "bin": "\x00\x01", "gone.txt": "bye\n"})
	cp := f.sh("printf 'one\\n2\\nthree\\nfour' > a.txt; printf '\\x00\\x02' > bin; rm gone.txt; mkdir d; echo new > d/n.txt; chmod 755 d/n.txt")
	diff, err := f.j.Diff(cp.ID)
	require.NoError(t, err)
	assert.Equal(t, `diff --agentbox a/a.txt b/a.txt
--- a/a.txt
+++ b/a.txt
@@ -1,3 +1,4 @@
 one
-two
+2
 three
+four
\ No newline at end of file
diff --agentbox a/bin b/bin
Binary files a/bin and b/bin differ
diff --agentbox a/d b/d
new directory mode 040755
diff --agentbox a/d/n.txt b/d/n.txt
new file mode 100755
--- /dev/null
+++ b/d/n.txt
@@ -0,0 +1 @@
+new
diff --agentbox a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
`, diff)
	_, err = f.j.Diff(99)
	assert.EqualError(t, err, fmt.Sprintf("no checkpoint 99: the journal holds %d to %d", cp.ID, cp.ID))
}

// TestDiffApplies checks random edits' diffs with patch(1): applied to
// the old text, each must give the new one.
func TestDiffApplies(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("no patch(1)")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	for i := range 200 {
		var a []string
		for range rng.IntN(60) {
			a = append(a, fmt.Sprintf("line %d\n", rng.IntN(20)))
		}
		b := append([]string(nil), a...)
		for range rng.IntN(8) + 1 {
			switch k := rng.IntN(3); {
			case k == 0 && len(b) > 0:
				n := rng.IntN(len(b))
				b = append(b[:n], b[n+1:]...)
			case k == 1 && len(b) > 0:
				b[rng.IntN(len(b))] = fmt.Sprintf("changed %d\n", rng.IntN(5))
			default:
				n := rng.IntN(len(b) + 1)
				b = append(b[:n], append([]string{fmt.Sprintf("new %d\n", rng.IntN(5))}, b[n:]...)...)
			}
		}
		var out strings.Builder
		out.WriteString("--- a/f\n+++ b/f\n")
		unified(&out, a, b)
		if strings.Join(a, "") == strings.Join(b, "") {
			require.NotContains(t, out.String(), "@@", "case %d: no change, no hunk", i)
			continue
		}
		old := filepath.Join(dir, "f")
		require.NoError(t, os.WriteFile(old, []byte(strings.Join(a, "")), 0o644))
		cmd := exec.Command("patch", "-s", "-f", old)
		cmd.Stdin = strings.NewReader(out.String())
		msg, err := cmd.CombinedOutput()
		require.NoError(t, err, "case %d: %s\n%s", i, msg, out.String())
		got, err := os.ReadFile(old)
		require.NoError(t, err)
		require.Equal(t, strings.Join(b, ""), string(got), "case %d:\n%s", i, out.String())
	}
}
