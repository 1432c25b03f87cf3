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

// TestNoStructuredContent holds that no tool declares an outputSchema, so
// none sends structuredContent: Claude Code (2.1.332) hands the model
// JSON.stringify(structuredContent) in place of the text, and the text is
// what agentbox writes for the model (issue 13, gap 1).
func TestNoStructuredContent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.py", "TODO one\n")
	res, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tool := range res.Tools {
		raw, err := json.Marshal(tool)
		require.NoError(t, err)
		assert.NotContains(t, string(raw), `"outputSchema"`, tool.Name)
	}
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"Glob", map[string]any{"pattern": "**/*.py"}},
		{"Grep", map[string]any{"pattern": "TODO", "output_mode": "content"}},
		{"Grep", map[string]any{"pattern": "TODO", "output_mode": "count"}},
	} {
		r := h.call(call.tool, call.args)
		require.False(t, r.IsError, text(r))
		assert.Nil(t, r.StructuredContent, "%s %v", call.tool, call.args)
		assert.Contains(t, text(r), "a.py", "%s %v: the text carries the result", call.tool, call.args)
	}
}

// TestToolsLoadUpFront checks that every tool asks Claude Code to give the
// model its schema from the first request, not behind ToolSearch.
func TestToolsLoadUpFront(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	res, err := h.c.ListTools(t.Context(), mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tool := range res.Tools {
		raw, err := json.Marshal(tool)
		require.NoError(t, err)
		assert.Contains(t, string(raw), `"_meta":{"anthropic/alwaysLoad":true}`, tool.Name)
	}
}
