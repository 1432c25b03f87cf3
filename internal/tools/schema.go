package tools

import (
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// inputSchema makes T's JSON schema the tool's input schema. T is the
// argument struct: a field without omitempty is required, its jsonschema tag
// is the property's description, and properties keep the field order.
// adjust adds what a tag cannot say, such as bounds and enums.
func inputSchema[T any](adjust ...func(*jsonschema.Schema)) mcp.ToolOption {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("input schema: %v", err)) // a bad argument struct is a bug
	}
	for _, f := range adjust {
		f(s)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("input schema: %v", err))
	}
	return func(t *mcp.Tool) {
		// mcp.NewTool presets InputSchema, and mcp-go refuses to marshal a
		// tool that has both: tools/list would fail for the whole server.
		// mcp-go's own WithRawInputSchema (v1.2.1) does not clear the
		// preset, so it cannot be used. No upstream issue found; others
		// clear it the same way (https://github.com/neo4j/mcp/pull/298).
		t.InputSchema = mcp.ToolInputSchema{}
		t.RawInputSchema = raw
	}
}

// noRequired drops the empty list of required properties of a tool whose
// arguments are all optional: it says nothing, and tools/list is sent on
// every session's start.
func noRequired(s *jsonschema.Schema) {
	if len(s.Required) == 0 {
		s.Required = nil
	}
}

// atLeast bounds a numeric property from below.
func atLeast(property string, n float64) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.Properties[property].Minimum = &n }
}

// atMost bounds a numeric property from above.
func atMost(property string, n float64) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) { s.Properties[property].Maximum = &n }
}

// oneOf restricts a string property to the given values.
func oneOf(property string, values ...string) func(*jsonschema.Schema) {
	return func(s *jsonschema.Schema) {
		p := s.Properties[property]
		p.Enum = nil
		for _, v := range values {
			p.Enum = append(p.Enum, v)
		}
	}
}
