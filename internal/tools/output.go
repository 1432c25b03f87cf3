package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// outputSchema declares T as the structure of the tool's results: the
// tool's outputSchema is T's JSON schema, and its handler returns
// structured(text, v) with a T. T must be a struct (the protocol wants an
// object); fields follow inputSchema's rules (no omitempty: always present;
// the jsonschema tag describes the field). Slices are declared as arrays,
// never null: structured sends a nil slice as [].
//
// Clients check structuredContent against the outputSchema (the TypeScript
// SDK rejects a result that does not match), so the two come from one type.
func outputSchema[T any]() mcp.ToolOption {
	raw, err := json.Marshal(schemaOf[T]())
	if err != nil {
		panic(fmt.Sprintf("output schema: %v", err))
	}
	return func(t *mcp.Tool) {
		t.OutputSchema = mcp.ToolOutputSchema{}
		t.RawOutputSchema = raw
	}
}

// structured returns a result that carries v as structuredContent for
// programs, and text, the same facts written for the model, as its content
// (clients that do not read structured content show only the text). Nil
// slices and maps in v are sent as [] and {}, so the content matches the
// tool's outputSchema[T].
func structured[T any](text string, v T) *mcp.CallToolResult {
	return mcp.NewToolResultStructured(conform(v, schemaOf[T]()), text)
}

// schemas caches schemaOf by type.
var schemas sync.Map // reflect.Type -> *jsonschema.Schema

// schemaOf returns T's JSON schema, with nullable arrays made plain arrays.
func schemaOf[T any]() *jsonschema.Schema {
	typ := reflect.TypeFor[T]()
	if s, ok := schemas.Load(typ); ok {
		return s.(*jsonschema.Schema)
	}
	if typ.Kind() != reflect.Struct {
		panic(fmt.Sprintf("output schema: %v is not a struct", typ)) // a bug, caught by any test of the tool
	}
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Sprintf("output schema: %v", err))
	}
	walkSchema(s, func(s *jsonschema.Schema) {
		if len(s.Types) == 2 && s.Types[0] == "null" && s.Types[1] == "array" {
			s.Type, s.Types = "array", nil
		}
	})
	s2, _ := schemas.LoadOrStore(typ, s)
	return s2.(*jsonschema.Schema)
}

// walkSchema calls f on s and every schema inside it.
func walkSchema(s *jsonschema.Schema, f func(*jsonschema.Schema)) {
	if s == nil {
		return
	}
	f(s)
	for _, p := range s.Properties {
		walkSchema(p, f)
	}
	for _, d := range s.Defs {
		walkSchema(d, f)
	}
	walkSchema(s.Items, f)
	walkSchema(s.AdditionalProperties, f)
}

// conform returns v as JSON values (maps, slices, json.Number...) with every
// null that s declares an array or an object replaced by an empty one.
func conform(v any, s *jsonschema.Schema) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("structured result: %v", err)) // our own types always marshal
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		panic(fmt.Sprintf("structured result: %v", err))
	}
	return fill(x, s)
}

func fill(x any, s *jsonschema.Schema) any {
	if s == nil {
		return x
	}
	switch x := x.(type) {
	case nil:
		switch s.Type {
		case "array":
			return []any{}
		case "object":
			return map[string]any{}
		}
	case []any:
		for i := range x {
			x[i] = fill(x[i], s.Items)
		}
	case map[string]any:
		for k, v := range x {
			if p, ok := s.Properties[k]; ok {
				x[k] = fill(v, p)
			} else {
				x[k] = fill(v, s.AdditionalProperties)
			}
		}
	}
	return x
}
