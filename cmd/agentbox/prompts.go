package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
)

// promptsCmd lists the prompts a client sees, with their arguments.
func promptsCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "prompts", &cfg)
	args, code := parse(e, fs, args, "")
	if code >= 0 {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "agentbox prompts: unexpected argument %q\n", args[0])
		return 2
	}
	srv, c, code := openSession(ctx, e, &cfg, "agentbox-prompts")
	if c == nil {
		return code
	}
	defer srv.Close()
	defer c.Close()
	list, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox prompts:", err)
		return 1
	}
	for i, p := range list.Prompts {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%s\n    %s\n", p.Name, p.Description)
		for _, a := range p.Arguments {
			req := ""
			if a.Required {
				req = ", required"
			}
			fmt.Fprintf(e.stdout, "    --arg %s=... (%s%s)\n", a.Name, a.Description, req)
		}
	}
	return 0
}

// argList collects repeated --arg key=value flags.
type argList map[string]string

func (a argList) String() string { return "" }
func (a argList) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	a[k] = v
	return nil
}

// promptCmd prints a rendered prompt, its messages one after another, so it
// can be piped into any model's command line.
func promptCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "prompt", &cfg)
	arguments := argList{}
	fs.Var(arguments, "arg", "a prompt argument as `key=value` (repeatable), e.g. --arg task='add a /health endpoint'")
	args, code := parse(e, fs, args, "NAME [--arg key=value ...]")
	if code >= 0 {
		return code
	}
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, "agentbox prompt: name one prompt (agentbox prompts lists them)")
		return 2
	}
	srv, c, code := openSession(ctx, e, &cfg, "agentbox-prompt")
	if c == nil {
		return code
	}
	defer srv.Close()
	defer c.Close()
	var req mcp.GetPromptRequest
	req.Params.Name, req.Params.Arguments = args[0], arguments
	res, err := c.GetPrompt(ctx, req)
	if err != nil {
		fmt.Fprintf(e.stderr, "agentbox prompt: %v\n", err)
		return 2
	}
	for i, m := range res.Messages {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		if t, ok := m.Content.(mcp.TextContent); ok {
			fmt.Fprintln(e.stdout, strings.TrimRight(t.Text, "\n"))
		} else {
			fmt.Fprintf(e.stdout, "[%s message of another kind]\n", m.Role)
		}
	}
	return 0
}
