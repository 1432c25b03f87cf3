// Package testutil holds the test setup that the tests of several packages
// share, so that each package's tests stand on their own (no TestMain of
// another package behind them) without copies of the same fixtures.
// Only tests import it.
package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// GoFile returns a Go-like source file of about n lines: functions that
// differ only in a number, so that many lines look alike, as in real code.
func GoFile(n int) string {
	var b strings.Builder
	for i := 0; b.Len() == 0 || strings.Count(b.String(), "\n") < n-6; i++ {
		fmt.Fprintf(&b, "func f%d(x int) int {\n\tif x > %d {\n\t\treturn x - %d\n\t}\n\treturn x + %d\n}\n\n", i, i, i, i)
	}
	return b.String()
}

// WriteFile writes content to name under dir, making its directories.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

// ReadFile returns the content of name under dir.
func ReadFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}
