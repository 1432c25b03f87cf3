package tools

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
)

// inputSchema makes T's JSON schema the tool's input schema. T is the
// argument struct: a field without omitempty is required, its jsonschema tag
// is the property's description, and properties keep the field order.
// adjust adds what a tag cannot say, such as bounds and enums.
func inputSchema[T any](adjust ...func(*jsonschema.Schema)) mcp.ToolOption {
	raw := schemaJSON[T]("input", func() (*jsonschema.Schema, error) {
		s, err := jsonschema.For[T](nil)
		if err != nil {
			return nil, err
		}
		for _, f := range adjust {
			f(s)
		}
		return s, nil
	})
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

// schemaJSON returns the JSON of the schema build makes for T, a tool's
// input or output ("kind"). At start-up it is taken from generatedSchemas
// (schemas_gen.go) as long as T's fields are still those it was generated
// from: reflecting on nine argument structs and encoding their schemas
// cost a fifth of a server's start (8.6M of 46M instructions to the answer
// to initialize). A T changed since makes its schema here, as before, and
// TestGeneratedSchemas fails until the file is regenerated; it also holds
// the file equal to what build makes, which covers the adjust functions
// that the fingerprint cannot see.
func schemaJSON[T any](kind string, build func() (*jsonschema.Schema, error)) json.RawMessage {
	typ := reflect.TypeFor[T]()
	key := schemaKey(kind, typ)
	if raw, ok := generatedSchemas[key]; ok && !computeSchemas.Load() {
		return json.RawMessage(raw)
	}
	s, err := build()
	if err != nil {
		panic(fmt.Sprintf("%s schema of %v: %v", kind, typ, err)) // a bad struct is a bug
	}
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("%s schema of %v: %v", kind, typ, err))
	}
	if computeSchemas.Load() {
		computedSchemas.Store(key, string(raw))
	}
	return raw
}

var (
	// computeSchemas makes schemaJSON build every schema and record it in
	// computedSchemas (TestGeneratedSchemas).
	computeSchemas  atomic.Bool
	computedSchemas sync.Map // key -> JSON
)

// schemaKey names T's schema in generatedSchemas: the kind, T's name and a
// hash of the fields, their types and tags, through nested types.
func schemaKey(kind string, typ reflect.Type) string {
	var b strings.Builder
	fingerprint(&b, typ, map[reflect.Type]bool{})
	h := fnv.New64a()
	h.Write([]byte(b.String()))
	return kind + " " + typ.Name() + " " + strconv.FormatUint(h.Sum64(), 16)
}

func fingerprint(h *strings.Builder, typ reflect.Type, seen map[reflect.Type]bool) {
	h.WriteString(typ.String())
	if seen[typ] {
		return
	}
	seen[typ] = true
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			h.WriteString("{" + f.Name + " " + string(f.Tag) + " ")
			if f.Anonymous {
				h.WriteString("embedded ")
			}
			fingerprint(h, f.Type, seen)
			h.WriteString("}")
		}
	case reflect.Map:
		fingerprint(h, typ.Key(), seen)
		fingerprint(h, typ.Elem(), seen)
	case reflect.Pointer, reflect.Slice, reflect.Array:
		fingerprint(h, typ.Elem(), seen)
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
