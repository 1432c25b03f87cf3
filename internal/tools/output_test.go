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
		return structured("2 files", res), nil
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
	assert.Panics(t, func() { outputSchema[[]string]() })
}
