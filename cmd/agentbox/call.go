package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/agentbox/agentbox/internal/server"
)

// callCmd runs one tool call and prints its result: exit status 0 on
// success, 1 when the result is an error, 2 on bad usage.
func callCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "call", &cfg)
	args, code := parse(e, fs, args, "TOOL [JSON]")
	if code >= 0 {
		return code
	}
	if len(args) < 1 || len(args) > 2 {
		fmt.Fprintln(e.stderr, "agentbox call: want TOOL and, optionally, its JSON arguments (else they are read from stdin)")
		return 2
	}
	tool := args[0]
	var raw []byte
	if len(args) == 2 && args[1] != "-" {
		raw = []byte(args[1])
	} else {
		b, err := io.ReadAll(e.stdin)
		if err != nil {
			fmt.Fprintln(e.stderr, "agentbox call: reading arguments:", err)
			return 2
		}
		raw = b
	}
	var arguments map[string]any
	if s := strings.TrimSpace(string(raw)); s != "" {
		if err := json.Unmarshal([]byte(s), &arguments); err != nil {
			fmt.Fprintf(e.stderr, "agentbox call: arguments must be a JSON object: %v\n", err)
			return 2
		}
	}
	srv, c, code := openSession(ctx, e, &cfg, "agentbox-call")
	if c == nil {
		return code
	}
	defer srv.Close()
	defer c.Close()
	res, err := callTool(ctx, c, tool, arguments)
	if err != nil {
		fmt.Fprintf(e.stderr, "agentbox call: %v\n", err)
		return 2
	}
	fmt.Fprintln(e.stdout, resultText(res))
	if res.IsError {
		return 1
	}
	return 0
}

// openSession starts the configured server and an in-process client on it.
// On failure it returns a nil client and the exit status.
func openSession(ctx context.Context, e *env, cfg *config, name string) (*server.Server, *client.Client, int) {
	log := cfg.logger(e)
	srv, err := cfg.start(log)
	if err != nil {
		return nil, nil, startFailed(e, log, err)
	}
	c, err := srv.Connect(ctx, name)
	if err != nil {
		srv.Close()
		log.Error("cannot connect", "err", err)
		return nil, nil, 1
	}
	return srv, c, 0
}

// startFailed reports why the server did not start and returns the exit
// status: 2 for a workspace agentbox will not pick by itself (one line,
// for whoever reads the client's log), 1 for anything else.
func startFailed(e *env, log *slog.Logger, err error) int {
	var r *refusal
	if errors.As(err, &r) {
		fmt.Fprintln(e.stderr, "agentbox:", r)
		return 2
	}
	log.Error("cannot start", "err", err)
	return 1
}

// errUnknownTool is a call to a tool the server does not serve.
var errUnknownTool = errors.New("unknown tool")

// callTool calls a tool; a protocol error (an unknown tool, a broken
// server) is an error, a tool's own failure is a result with IsError.
func callTool(ctx context.Context, c *client.Client, tool string, arguments map[string]any) (*mcp.CallToolResult, error) {
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range list.Tools {
		if t.Name == tool {
			var req mcp.CallToolRequest
			req.Params.Name, req.Params.Arguments = tool, arguments
			return c.CallTool(ctx, req)
		}
		names = append(names, t.Name)
	}
	return nil, fmt.Errorf("%w %q; the tools are %s", errUnknownTool, tool, strings.Join(names, ", "))
}

// resultText is a result as a terminal shows it: text as is, images as a
// short note.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case mcp.TextContent:
			parts = append(parts, c.Text)
		case mcp.ImageContent:
			size := base64.StdEncoding.DecodedLen(len(c.Data))
			parts = append(parts, fmt.Sprintf("[image: %s, %d bytes]", c.MIMEType, size))
		default:
			b, _ := json.Marshal(c)
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, "\n")
}
