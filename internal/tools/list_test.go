package tools

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListTools checks tools/list as a client gets it: it must marshal,
// and Glob and Grep must be there, read-only, with all four hints set and
// their arguments typed plainly.
func TestListTools(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	byName := map[string]mcp.Tool{}
	for _, tool := range res.Tools {
		byName[tool.Name] = tool
	}
	for _, name := range []string{"Glob", "Grep"} {
		tool, ok := byName[name]
		require.True(t, ok, "%s is not listed", name)
		a := tool.Annotations
		require.NotNil(t, a.ReadOnlyHint)
		require.NotNil(t, a.DestructiveHint)
		require.NotNil(t, a.IdempotentHint)
		require.NotNil(t, a.OpenWorldHint)
		assert.True(t, *a.ReadOnlyHint, name)
		assert.False(t, *a.DestructiveHint, name)
		assert.True(t, *a.IdempotentHint, name)
		assert.False(t, *a.OpenWorldHint, name)
		assert.NotContains(t, tool.Description, "{{", name)
	}
	var schema struct {
		Properties map[string]struct {
			Type    any   `json:"type"`
			Enum    []any `json:"enum"`
			Minimum *int  `json:"minimum"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	raw, err := json.Marshal(byName["Grep"].InputSchema)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &schema))
	assert.Equal(t, []string{"pattern"}, schema.Required)
	for _, p := range []string{"-A", "-B", "-C", "context", "head_limit", "offset"} {
		assert.Equal(t, "integer", schema.Properties[p].Type, p)
		require.NotNil(t, schema.Properties[p].Minimum, p)
	}
	assert.Equal(t, "boolean", schema.Properties["-n"].Type)
	assert.Len(t, schema.Properties["output_mode"].Enum, 3)
}
