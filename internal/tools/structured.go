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
//
// It is called when the tool is made, at start-up: a T that has no schema
// is a bug, and it panics, as inputSchema does.
func outputSchema[T any]() mcp.ToolOption {
	s, err := schemaOf[T]()
	if err != nil {
		panic(err)
	}
	raw, err := json.Marshal(s)
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
// tool's outputSchema[T]. Its error means the server is broken (our own
// types always marshal), and handlers return it as theirs.
func structured[T any](text string, v T) (*mcp.CallToolResult, error) {
	s, err := schemaOf[T]()
	if err != nil {
		return nil, err
	}
	x, err := conform(v, s)
	if err != nil {
		return nil, fmt.Errorf("structured result: %w", err)
	}
	return mcp.NewToolResultStructured(x, text), nil
}

// schemas caches schemaOf by type.
var schemas sync.Map // reflect.Type -> *jsonschema.Schema

// schemaOf returns T's JSON schema, with nullable arrays made plain arrays.
func schemaOf[T any]() (*jsonschema.Schema, error) {
	typ := reflect.TypeFor[T]()
	if s, ok := schemas.Load(typ); ok {
		return s.(*jsonschema.Schema), nil
	}
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("output schema: %v is not a struct", typ)
	}
	s, err := jsonschema.For[T](nil)
	if err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	walkSchema(s, func(s *jsonschema.Schema) {
		if len(s.Types) == 2 && s.Types[0] == "null" && s.Types[1] == "array" {
			s.Type, s.Types = "array", nil
		}
	})
	s2, _ := schemas.LoadOrStore(typ, s)
	return s2.(*jsonschema.Schema), nil
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
func conform(v any, s *jsonschema.Schema) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var x any
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	return fill(x, s), nil
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
