package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countsResult is a fixture result structure, shaped like a search's.
type countsResult struct {
	Files     []string       `json:"files" jsonschema:"matching files, workspace-relative"`
	Counts    map[string]int `json:"counts" jsonschema:"matches per file"`
	Matches   []countsMatch  `json:"matches" jsonschema:"the first matches"`
	Truncated bool           `json:"truncated" jsonschema:"whether the list was cut"`
	Next      *countsMatch   `json:"next,omitempty" jsonschema:"where to continue, when cut"`
}

type countsMatch struct {
	Path string `json:"path"`
	Line int    `json:"line"`
}

// countsTool returns res as its structured result.
func countsTool(res countsResult) server.ServerTool {
	tool := mcp.NewTool("Counts", append([]mcp.ToolOption{
		mcp.WithDescription("A fixture with a structured result."),
		inputSchema[struct{}](),
		outputSchema[countsResult](),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return structured("2 files", res)
	}}
}

func TestStructuredResults(t *testing.T) {
	t.Parallel()
	wantSchema := `{
		"type": "object",
		"properties": {
			"files": {"type": "array", "items": {"type": "string"}, "description": "matching files, workspace-relative"},
			"counts": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "matches per file"},
			"matches": {"type": "array", "description": "the first matches", "items": {
				"type": "object",
				"properties": {"path": {"type": "string"}, "line": {"type": "integer"}},
				"required": ["path", "line"],
				"additionalProperties": false
			}},
			"truncated": {"type": "boolean", "description": "whether the list was cut"},
			"next": {"type": ["null", "object"], "description": "where to continue, when cut",
				"properties": {"path": {"type": "string"}, "line": {"type": "integer"}},
				"required": ["path", "line"],
				"additionalProperties": false}
		},
		"required": ["files", "counts", "matches", "truncated"],
		"additionalProperties": false
	}`
	for _, tc := range []struct {
		name string
		res  countsResult
		want string
	}{{
		name: "sends nil slices and maps as empty ones",
		res:  countsResult{},
		want: `{"files": [], "counts": {}, "matches": [], "truncated": false}`,
	}, {
		name: "sends a full result as it is",
		res: countsResult{
			Files:     []string{"a.go", "b/c.go"},
			Counts:    map[string]int{"a.go": 2, "b/c.go": 1},
			Matches:   []countsMatch{{"a.go", 3}, {"a.go", 9}},
			Truncated: true,
			Next:      &countsMatch{"b/c.go", 1},
		},
		want: `{"files": ["a.go", "b/c.go"], "counts": {"a.go": 2, "b/c.go": 1},
			"matches": [{"path": "a.go", "line": 3}, {"path": "a.go", "line": 9}],
			"truncated": true, "next": {"path": "b/c.go", "line": 1}}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// mcp-go's own output validation is on: a result that broke the
			// schema would come back as an error.
			s := server.NewMCPServer("test", "0", server.WithOutputSchemaValidation())
			s.AddTools(countsTool(tc.res))
			c, err := client.NewInProcessClient(s)
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			require.NoError(t, c.Start(t.Context()))
			_, err = c.Initialize(t.Context(), mcp.InitializeRequest{})
			require.NoError(t, err)

			list, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
			require.NoError(t, err)
			require.Len(t, list.Tools, 1)
			listed, err := json.Marshal(list.Tools[0])
			require.NoError(t, err)
			var asListed struct {
				OutputSchema json.RawMessage `json:"outputSchema"`
			}
			require.NoError(t, json.Unmarshal(listed, &asListed))
			assert.JSONEq(t, wantSchema, string(asListed.OutputSchema))

			res := callOn(t, c, "Counts", nil)
			require.False(t, res.IsError, "%s", text(res))
			assert.Equal(t, "2 files", text(res), "the text goes alongside the structure")
			got, err := json.Marshal(res.StructuredContent)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got))

			// And an independent validator agrees it matches the schema.
			schema, err := jsonschema.UnmarshalJSON(bytes.NewReader(asListed.OutputSchema))
			require.NoError(t, err)
			comp := jsonschema.NewCompiler()
			require.NoError(t, comp.AddResource("out.json", schema))
			compiled, err := comp.Compile("out.json")
			require.NoError(t, err)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(got))
			require.NoError(t, err)
			assert.NoError(t, compiled.Validate(inst))
		})
	}
}

func TestOutputSchemaRefusesNonStructs(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { outputSchema[[]string]() }, "a tool that declares one is a bug, found when the tool is made")
	_, err := structured("x", []string{"a"})
	assert.ErrorContains(t, err, "is not a struct", "a result is an error, never a panic on the request path")
}

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
			compiled, err := compileSchema(tool.Name+" output", raw)
			require.NoError(t, err)
			schemas[tool.Name] = compiled
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
