package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// validated checks a tool's arguments against its input schema before its
// handler runs, and answers bad arguments with an isError result a model can
// act on: which argument, what was wrong, and what the tool takes. (mcp-go's
// own validation reports Go struct syntax such as "&{Missing:[file_path]}";
// its tests pin that text, so it is a choice, not a bug to report.)
//
// The schema is compiled on the tool's first call, not at start-up, where
// compiling every tool's schema cost a millisecond of each server's spawn;
// TestSchemasCompile compiles them all. A schema that does not compile is
// a bug in the tool's argument struct: the call fails with a Go error (the
// server is broken), it does not panic.
func validated(st server.ServerTool) server.ServerTool {
	raw, name := st.Tool.RawInputSchema, st.Tool.Name
	compile := sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(name, raw) })
	usage := sync.OnceValue(func() string { return usageOf(raw) })
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		schema, err := compile()
		if err != nil {
			return nil, err
		}
		args := req.Params.Arguments
		if args == nil {
			args = map[string]any{}
		}
		// Round-trip through JSON so the validator sees JSON types whatever
		// the transport decoded into.
		b, err := json.Marshal(args)
		if err != nil {
			return failedf("%s: arguments are not a JSON object: %v. It takes %s", name, err, usage()), nil
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return failedf("%s: arguments are not a JSON object: %v. It takes %s", name, err, usage()), nil
		}
		if err := schema.Validate(inst); err != nil {
			return failedf("%s: invalid arguments: %s. It takes %s", name, explainInvalid(err), usage()), nil
		}
		return next(ctx, req)
	}
	return st
}

// compileSchema compiles a tool's input schema.
func compileSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: input schema: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", doc); err != nil {
		return nil, fmt.Errorf("%s: input schema: %w", name, err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		return nil, fmt.Errorf("%s: input schema: %w", name, err)
	}
	return schema, nil
}

var english = message.NewPrinter(language.English)

// explainInvalid lists the leaf failures of a validation error, each with
// the argument it concerns.
func explainInvalid(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var msgs []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		msg := e.ErrorKind.LocalizedString(english)
		if len(e.InstanceLocation) > 0 {
			msg = strings.Join(e.InstanceLocation, ".") + ": " + msg
		}
		msgs = append(msgs, msg)
	}
	walk(ve)
	slices.Sort(msgs)
	return strings.Join(slices.Compact(msgs), "; ")
}

// usageOf summarises an input schema as "file_path (string, required),
// offset (integer)" for error messages, in the schema's property order.
func usageOf(raw json.RawMessage) string {
	var s mcp.ToolArgumentsSchema
	if err := json.Unmarshal(raw, &s); err != nil {
		return "arguments as its input schema says"
	}
	var parts []string
	for _, name := range s.PropertyOrder {
		p, _ := s.Properties[name].(map[string]any)
		kind, _ := p["type"].(string)
		if enum, ok := p["enum"].([]any); ok {
			var vals []string
			for _, e := range enum {
				vals = append(vals, fmt.Sprint(e))
			}
			kind = strings.Join(vals, "|")
		}
		if slices.Contains(s.Required, name) {
			kind += ", required"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", name, kind))
	}
	if len(parts) == 0 {
		return "no arguments"
	}
	return strings.Join(parts, ", ")
}
