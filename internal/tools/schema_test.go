package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemas pins each tool as tools/list shows it to a client, so a
// changed name, description, argument or hint shows in review. Run with
// -update to rewrite testdata/schema. The tools have the server's default
// options.
func TestSchemas(t *testing.T) {
	// A fixed memory limit: the default is half of the machine's memory.
	h := newJournalHarnessWith(t, nil, sandbox.Config{MemoryLimit: 4 << 30}, Options{ForegroundLimit: DefaultForegroundLimit})
	res, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	require.NotEmpty(t, res.Tools)
	for _, tool := range res.Tools {
		t.Run(tool.Name, func(t *testing.T) {
			a := tool.Annotations
			for hint, v := range map[string]*bool{"readOnly": a.ReadOnlyHint, "destructive": a.DestructiveHint, "idempotent": a.IdempotentHint, "openWorld": a.OpenWorldHint} {
				assert.NotNil(t, v, "%s leaves %sHint unset: mcp-go would default it unsafely", tool.Name, hint)
			}
			assert.False(t, *a.OpenWorldHint, "agentbox tools act on the workspace only")
			if *a.ReadOnlyHint {
				assert.False(t, *a.DestructiveHint)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(tool))
			got := buf.Bytes()
			golden := filepath.Join("testdata", "schema", tool.Name+".json")
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "no golden: run go test ./internal/tools -run TestSchemas -update")
			assert.Equal(t, string(want), string(got), "tools/list changed; if intended, rerun with -update")
		})
	}
	goldens, err := filepath.Glob(filepath.Join("testdata", "schema", "*.json"))
	require.NoError(t, err)
	assert.Len(t, goldens, len(res.Tools), "a golden without a tool: delete it")
}

// TestSchemasCompile compiles every tool's input schema, which the server
// itself does only on a tool's first call.
func TestSchemasCompile(t *testing.T) {
	h := newJournalHarness(t, nil)
	for _, st := range h.ts.All() {
		_, err := compileSchema(st.Tool.Name, st.Tool.RawInputSchema)
		assert.NoError(t, err, st.Tool.Name)
		assert.NotEqual(t, "no arguments", usageOf(st.Tool.RawInputSchema), st.Tool.Name)
	}
}
