package tools

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGlobGrepStructuredContent checks that Glob and Grep send structuredContent
// that matches the outputSchema they declare, beside the same facts as text.
func TestGlobGrepStructuredContent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.py", "TODO one\nTODO two\n")
	h.write("b/c.py", "nothing\nTODO three\n")
	list, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range list.Tools {
		raw, err := json.Marshal(tool.OutputSchema)
		require.NoError(t, err)
		if tool.Name == "Glob" || tool.Name == "Grep" {
			require.NotEqual(t, "{}", string(raw), "%s declares no outputSchema", tool.Name)
			schemas[tool.Name] = compileSchema(tool.Name+" output", raw)
		}
	}
	check := func(tool string, args map[string]any, want string) {
		t.Helper()
		res := h.call(tool, args)
		require.False(t, res.IsError, text(res))
		require.NotNil(t, res.StructuredContent, "%s sent no structuredContent", tool)
		raw, err := json.Marshal(res.StructuredContent)
		require.NoError(t, err)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		require.NoError(t, err)
		assert.NoError(t, schemas[tool].Validate(inst), "%s: %s", tool, raw)
		assert.JSONEq(t, want, string(raw))
		assert.NotEmpty(t, text(res), "the text goes alongside")
	}
	check("Glob", map[string]any{"pattern": "**/*.go"}, `{"files":[],"total":0,"complete":true}`)
	check("Grep", map[string]any{"pattern": "TODO", "output_mode": "count"},
		`{"mode":"count","files":["a.py","b/c.py"],"counts":[{"path":"a.py","count":2},{"path":"b/c.py","count":1}],"total":3}`)
	check("Grep", map[string]any{"pattern": "nomatch"}, `{"mode":"files_with_matches","files":[],"counts":[],"total":0}`)
	res := h.call("Glob", map[string]any{"pattern": "**/*.py"})
	raw, _ := json.Marshal(res.StructuredContent)
	var g globResult
	require.NoError(t, json.Unmarshal(raw, &g))
	assert.ElementsMatch(t, []string{"a.py", "b/c.py"}, g.Files)
	assert.Equal(t, 2, g.Total)
	assert.True(t, g.Complete)
}
