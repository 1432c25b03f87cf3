package tools

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDiagnostics tests the Diagnostics tool as a client meets it: its
// refusals name the path as given. What the checks find is tested in
// internal/check.
func TestDiagnostics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("README.md", "# fixture\n")
	h.write("docs/x.md", "x\n")
	for _, tc := range []struct{ path, want string }{
		{"README.md", "README.md: is not a Go or Python file; Diagnostics checks .go files (with their package) and .py files, or every such file under a directory"},
		{"nope", "nope: does not exist (paths are relative to the workspace root). Use Glob with pattern \"**/nope\" to search for it"},
		{"../x", "../x: outside the workspace; use a path relative to the workspace root, or an absolute path inside it"},
	} {
		assert.Equal(t, tc.want, h.fail("Diagnostics", map[string]any{"path": tc.path}), tc.path)
	}
	assert.Equal(t, "Nothing was checked in docs.\nNote: there are no .go or .py files here.", h.ok("Diagnostics", map[string]any{"path": "docs"}))
}
