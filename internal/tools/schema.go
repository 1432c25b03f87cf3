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
	return inputSchemaFor[T]("", adjust...)
}

// inputSchemaFor is inputSchema for adjust functions that depend on the
// server's options: variant names the values they use (say "wait≤50"), so
// that a schema made with other values is not the one in schemas_gen.go.
func inputSchemaFor[T any](variant string, adjust ...func(*jsonschema.Schema)) mcp.ToolOption {
	raw := schemaJSON[T]("input"+variant, func() (*jsonschema.Schema, error) {
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

//go:generate go test -run ^TestGeneratedSchemas$ -update

// schemaJSON returns the JSON of the schema build makes for T, a tool's
// input ("kind", with its variant). At start-up it is taken from generatedSchemas
// (schemas_gen.go) as long as T's fields are still those it was generated
// from: reflecting on the argument structs and encoding their schemas cost
// a fifth of a server's start (8.6M of 46M instructions to the answer to
// initialize). A T changed since makes its schema here, as before, and
// TestGeneratedSchemas fails until the file is regenerated with go
// generate ./internal/tools; that test also holds the file equal to what
// build makes, which covers the adjust functions the fingerprint cannot
// see, and the package's tests (verifySchemas) check every schema taken
// from the file against what build makes, which catches an adjust
// function that depends on an option and has no variant.
func schemaJSON[T any](kind string, build func() (*jsonschema.Schema, error)) json.RawMessage {
	typ := reflect.TypeFor[T]()
	key := schemaKey(kind, typ)
	generated, ok := generatedSchemas[key]
	if ok && !computeSchemas.Load() && !verifySchemas {
		return json.RawMessage(generated)
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
	} else if ok && generated != string(raw) {
		panic(fmt.Sprintf("%s schema of %v differs from schemas_gen.go's: run go generate ./internal/tools, and if an adjust function depends on the options, give inputSchemaFor a variant", kind, typ))
	}
	return raw
}

var (
	// computeSchemas makes schemaJSON build every schema and record it in
	// computedSchemas (TestGeneratedSchemas).
	computeSchemas  atomic.Bool
	computedSchemas sync.Map // key -> JSON

	// verifySchemas makes schemaJSON build every schema and panic if
	// schemas_gen.go holds another under its key. Set in TestMain only.
	verifySchemas bool
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
