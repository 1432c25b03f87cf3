package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// toolsCmd lists the tools a client sees, with their descriptions and
// input schemas; --json prints tools/list's own JSON.
func toolsCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "tools", &cfg)
	asJSON := fs.Bool("json", false, "print the tools as tools/list returns them, in compact JSON")
	args, code := parse(e, fs, args, "[--json]")
	if code >= 0 {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "agentbox tools: unexpected argument %q\n", args[0])
		return 2
	}
	srv, c, code := openSession(ctx, e, &cfg, "agentbox-tools")
	if c == nil {
		return code
	}
	defer srv.Close()
	defer c.Close()
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox tools:", err)
		return 1
	}
	if *asJSON {
		// Compact, as on the wire: its length is what the list costs a
		// client (issue 13 holds it under 12,000 bytes).
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(list.Tools); err != nil {
			fmt.Fprintln(e.stderr, "agentbox tools:", err)
			return 1
		}
		return 0
	}
	for i, t := range list.Tools {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		kind := "changes files"
		if t.Annotations.ReadOnlyHint != nil && *t.Annotations.ReadOnlyHint {
			kind = "read-only"
		}
		fmt.Fprintf(e.stdout, "%s (%s)\n", t.Name, kind)
		for _, line := range strings.Split(t.Description, "\n") {
			fmt.Fprintf(e.stdout, "    %s\n", line)
		}
		printArguments(e.stdout, t)
	}
	return 0
}

// printArguments lists a tool's arguments in its schema's order.
func printArguments(w io.Writer, t mcp.Tool) {
	raw, _ := json.Marshal(t)
	var shape struct {
		InputSchema mcp.ToolArgumentsSchema `json:"inputSchema"`
	}
	_ = json.Unmarshal(raw, &shape)
	s := shape.InputSchema
	fmt.Fprintln(w, "    Arguments:")
	for _, name := range s.PropertyOrder {
		p, _ := s.Properties[name].(map[string]any)
		kind, _ := p["type"].(string)
		desc, _ := p["description"].(string)
		if slices.Contains(s.Required, name) {
			kind += ", required"
		}
		fmt.Fprintf(w, "      %s (%s): %s\n", name, kind, desc)
	}
}
