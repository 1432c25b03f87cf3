// Package conformance holds the fixtures the official MCP conformance suite
// (npm @modelcontextprotocol/conformance) calls by name: tools such as
// test_simple_text and test_tool_with_progress, prompts, and test://
// resources. They are added to an agentbox server.Server only by the
// test-only binary in internal/cmd/conformance-server, never to the
// product, so the suite judges the product's own wiring (transport,
// progress, logging, cancellation) with the fixtures on top.
package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/notify"
)

// Register adds every fixture to s. log is the server's logger, whose
// records logged in a tool call reach that call's client.
func Register(s *mcpserver.MCPServer, log *slog.Logger) {
	mcpserver.WithResourceCapabilities(true, false)(s)
	mcpserver.WithPromptCapabilities(false)(s)
	mcpserver.WithPromptCompletionProvider(completions{})(s)
	s.AddTools(tools(log)...)
	addResources(s)
	addPrompts(s)
}

// pngPixel is a 1×1 PNG.
const pngPixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// wavSilence is a short mono 8 kHz 16-bit WAV file of silence, base64.
func wavSilence() string {
	const samples, rate = 80, 8000
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + samples*2))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate * 2))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(samples * 2))
	b.Write(make([]byte, samples*2))
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func tool(name, description string, opts ...mcp.ToolOption) mcp.Tool {
	return mcp.NewTool(name, append([]mcp.ToolOption{
		mcp.WithDescription(description),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	}, opts...)...)
}

// rawInputSchema sets a tool's input schema verbatim (mcp.NewTool's default
// schema would clash with it when the tool is listed).
func rawInputSchema(schema string) mcp.ToolOption {
	return func(t *mcp.Tool) {
		t.InputSchema = mcp.ToolInputSchema{}
		t.RawInputSchema = json.RawMessage(schema)
	}
}

func result(content ...mcp.Content) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: content}
}

func tools(log *slog.Logger) []mcpserver.ServerTool {
	embedded := func(uri string) mcp.Content {
		return mcp.NewEmbeddedResource(mcp.TextResourceContents{URI: uri, MIMEType: "text/plain", Text: "This is an embedded resource content."})
	}
	return []mcpserver.ServerTool{
		{Tool: tool("test_simple_text", "Returns simple text content"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return mcp.NewToolResultText("This is a simple text response for testing."), nil
			}},
		{Tool: tool("test_image_content", "Returns image content"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return result(mcp.NewImageContent(pngPixel, "image/png")), nil
			}},
		{Tool: tool("test_audio_content", "Returns audio content"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return result(mcp.NewAudioContent(wavSilence(), "audio/wav")), nil
			}},
		{Tool: tool("test_embedded_resource", "Returns an embedded resource"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return result(embedded("test://embedded-resource")), nil
			}},
		{Tool: tool("test_multiple_content_types", "Returns text, image and resource content"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return result(
					mcp.NewTextContent("Multiple content types test:"),
					mcp.NewImageContent(pngPixel, "image/png"),
					embedded("test://mixed-content-resource"),
				), nil
			}},
		{Tool: tool("test_tool_with_logging", "Logs three messages while it runs"),
			Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				log.InfoContext(ctx, "Tool execution started")
				log.InfoContext(ctx, "Tool processing data")
				log.InfoContext(ctx, "Tool execution completed")
				return mcp.NewToolResultText("Tool with logging executed successfully"), nil
			}},
		{Tool: tool("test_tool_with_progress", "Reports progress three times"),
			Handler: func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				for _, p := range []float64{0, 50, 100} {
					notify.Progress(ctx, p, 100, fmt.Sprintf("%.0f%% done", p))
				}
				return mcp.NewToolResultText("Progress tool completed"), nil
			}},
		{Tool: tool("test_error_handling", "Always fails"),
			Handler: func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return mcp.NewToolResultError("This tool intentionally returns an error for testing"), nil
			}},
		{Tool: tool("test_sampling", "Asks the client's model", mcp.WithString("prompt", mcp.Required(), mcp.Description("what to ask"))),
			Handler: sampling},
		{Tool: tool("test_elicitation", "Asks the user", mcp.WithString("message", mcp.Required(), mcp.Description("what to ask"))),
			Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return elicit(req, req.GetString("message", "Please provide your information"),
					`{"type":"object","properties":{"username":{"type":"string","description":"User's response"},"email":{"type":"string","description":"User's email address"}},"required":["username","email"]}`)
			}},
		{Tool: tool("test_elicitation_sep1034_defaults", "Asks the user, with defaults (SEP-1034)"),
			Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return elicit(req, "Please review and update the form fields with defaults", `{"type":"object","properties":{`+
					`"name":{"type":"string","description":"User name","default":"John Doe"},`+
					`"age":{"type":"integer","description":"User age","default":30},`+
					`"score":{"type":"number","description":"User score","default":95.5},`+
					`"status":{"type":"string","description":"User status","enum":["active","inactive","pending"],"default":"active"},`+
					`"verified":{"type":"boolean","description":"Verification status","default":true}},"required":[]}`)
			}},
		{Tool: tool("test_elicitation_sep1330_enums", "Asks the user to pick from enums (SEP-1330)"),
			Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return elicit(req, "Please select options from the enum fields", `{"type":"object","properties":{`+
					`"untitledSingle":{"type":"string","description":"Select one option","enum":["option1","option2","option3"]},`+
					`"titledSingle":{"type":"string","description":"Select one option with titles","oneOf":[{"const":"value1","title":"First Option"},{"const":"value2","title":"Second Option"},{"const":"value3","title":"Third Option"}]},`+
					`"legacyEnum":{"type":"string","description":"Select one option (legacy)","enum":["opt1","opt2","opt3"],"enumNames":["Option One","Option Two","Option Three"]},`+
					`"untitledMulti":{"type":"array","description":"Select multiple options","minItems":1,"maxItems":3,"items":{"type":"string","enum":["option1","option2","option3"]}},`+
					`"titledMulti":{"type":"array","description":"Select multiple options with titles","minItems":1,"maxItems":3,"items":{"anyOf":[{"const":"value1","title":"First Choice"},{"const":"value2","title":"Second Choice"},{"const":"value3","title":"Third Choice"}]}}},"required":[]}`)
			}},
		{Tool: tool("json_schema_2020_12_tool", "Takes a JSON Schema 2020-12 input schema (SEP-1613)",
			rawInputSchema(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",`+
				`"$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},`+
				`"properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false}`)),
			Handler: func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				b, _ := json.Marshal(req.Params.Arguments)
				return mcp.NewToolResultText("JSON Schema 2020-12 tool called with: " + string(b)), nil
			}},
	}
}

// sampling asks the client's model for a completion of the prompt argument.
func sampling(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	if r := mcpserver.SamplingResponse(req.Params.InputResponses, "sample"); r != nil {
		text := ""
		if t, ok := r.Content.(mcp.TextContent); ok {
			text = t.Text
		}
		return mcp.NewToolResultText("LLM response: " + text), nil
	}
	return mcpserver.NewInputRequestBuilder("").Sample("sample", mcp.CreateMessageParams{
		Messages:  []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.NewTextContent(req.GetString("prompt", ""))}},
		MaxTokens: 100,
	}).ToolResult(), nil
}

// elicit asks the client to have the user fill in schema, and reports the
// answer.
func elicit(req mcp.CallToolRequest, message, schema string) (*mcp.CallToolResult, error) {
	if r := mcpserver.ElicitationResponse(req.Params.InputResponses, "form"); r != nil {
		b, _ := json.Marshal(r.Content)
		return mcp.NewToolResultText(fmt.Sprintf("User response: action=%s, content=%s", r.Action, b)), nil
	}
	return mcpserver.NewInputRequestBuilder("").Elicit("form", mcp.ElicitationParams{
		Message:         message,
		RequestedSchema: json.RawMessage(schema),
	}).ToolResult(), nil
}

func addResources(s *mcpserver.MCPServer) {
	text := func(uri, mime, body string) mcpserver.ResourceHandlerFunc {
		return func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: mime, Text: body}}, nil
		}
	}
	s.AddResource(mcp.NewResource("test://static-text", "Static text resource", mcp.WithMIMEType("text/plain"),
		mcp.WithResourceDescription("A static text resource for testing")),
		text("test://static-text", "text/plain", "This is the content of the static text resource."))
	s.AddResource(mcp.NewResource("test://static-binary", "Static binary resource", mcp.WithMIMEType("image/png"),
		mcp.WithResourceDescription("A static binary resource (image) for testing")),
		func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.BlobResourceContents{URI: "test://static-binary", MIMEType: "image/png", Blob: pngPixel}}, nil
		})
	s.AddResource(mcp.NewResource("test://watched-resource", "Watched resource", mcp.WithMIMEType("text/plain"),
		mcp.WithResourceDescription("A resource to subscribe to")),
		text("test://watched-resource", "text/plain", "Watched resource content"))
	s.AddResource(mcp.NewResource("test://example-resource", "Example resource", mcp.WithMIMEType("text/plain"),
		mcp.WithResourceDescription("A resource prompts embed")),
		text("test://example-resource", "text/plain", "Example resource content"))
	s.AddResourceTemplate(mcp.NewResourceTemplate("test://template/{id}/data", "Resource template",
		mcp.WithTemplateMIMEType("application/json"), mcp.WithTemplateDescription("A resource template with an id parameter")),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id := strings.TrimSuffix(strings.TrimPrefix(req.Params.URI, "test://template/"), "/data")
			b, _ := json.Marshal(map[string]string{"id": id, "templateTest": "true", "data": "Data for ID: " + id})
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}, nil
		})
}

func addPrompts(s *mcpserver.MCPServer) {
	s.AddPrompt(mcp.NewPrompt("test_simple_prompt", mcp.WithPromptDescription("A simple prompt without arguments")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return mcp.NewGetPromptResult("A simple prompt", []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent("This is a simple prompt for testing.")),
			}), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_arguments", mcp.WithPromptDescription("A prompt with required arguments"),
		mcp.WithArgument("arg1", mcp.RequiredArgument(), mcp.ArgumentDescription("First test argument")),
		mcp.WithArgument("arg2", mcp.RequiredArgument(), mcp.ArgumentDescription("Second test argument"))),
		func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			a := req.Params.Arguments
			return mcp.NewGetPromptResult("A prompt with arguments", []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"]))),
			}), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_embedded_resource", mcp.WithPromptDescription("A prompt that embeds a resource"),
		mcp.WithArgument("resourceUri", mcp.RequiredArgument(), mcp.ArgumentDescription("URI of the resource to embed"))),
		func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			uri := req.Params.Arguments["resourceUri"]
			return mcp.NewGetPromptResult("A prompt with an embedded resource", []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewEmbeddedResource(mcp.TextResourceContents{URI: uri, MIMEType: "text/plain", Text: "Embedded resource content for testing."})),
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent("Please process the embedded resource above.")),
			}), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_image", mcp.WithPromptDescription("A prompt with image content")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return mcp.NewGetPromptResult("A prompt with an image", []mcp.PromptMessage{
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewImageContent(pngPixel, "image/png")),
				mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent("Please analyze the image above.")),
			}), nil
		})
}

// completions suggests values for test_prompt_with_arguments.
type completions struct{}

func (completions) CompletePromptArgument(_ context.Context, prompt string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	values := []string{}
	if prompt == "test_prompt_with_arguments" {
		for _, v := range []string{"paris", "park", "party", "test", "testValue1", "testValue2"} {
			if strings.HasPrefix(v, arg.Value) {
				values = append(values, v)
			}
		}
	}
	return &mcp.Completion{Values: values, Total: len(values)}, nil
}
