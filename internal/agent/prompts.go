package agent

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/agent/pyproject"
)

// Prompts serves definitions as MCP prompts on one workspace: prompts/list
// shows each by name, description and arguments; prompts/get returns its
// body with a Workspace section detected at that moment, then the user's
// task; completion/complete offers the frameworks for the framework
// argument.
type Prompts struct {
	defs   []*Definition
	byName map[string]*Definition
	ws     fs.FS    // the workspace, read when a prompt is requested
	tools  []string // the tools the server exposes, in tools/list order
	python func(context.Context) string
}

// SetPython makes the Workspace section of a requested prompt say what
// python3 is in Bash: what f returns, a sentence, waiting for it while ctx
// lasts. The server's instructions say it already, so the section of an
// agent the server runs as does not.
func (p *Prompts) SetPython(f func(ctx context.Context) string) { p.python = f }

// Prompt arguments. Both are optional, so a client can offer the prompt in
// one click.
const (
	argTask      = "task"
	argFramework = "framework"
)

// claudeCode is the name Claude Code gives itself in initialize. As a
// client of prompts (2.1.332) it runs one as the command
// /mcp__SERVER__PROMPT followed by free text, shows the model that text
// as typed, then fills the prompt's arguments with its words, one word
// each, quotes and all, and drops the words past the last argument:
// "/mcp__agentbox__python-specialist Add an endpoint that lists orders"
// gives task "Add" and framework "an". So agentbox takes no arguments
// from Claude Code, and the model reads the user's words whole.
const claudeCode = "claude-code"

// typedAsWords reports whether the client that asked fills prompt
// arguments with the words of a typed line, as Claude Code does.
func typedAsWords(ctx context.Context) bool {
	s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	return ok && s.GetClientInfo().Name == claudeCode
}

// detectTimeout bounds detection for one request; it is also bounded by
// the number of directories and files it reads.
const detectTimeout = 5 * time.Second

// NewPrompts returns the prompts for defs on the workspace ws (an fs.FS
// confined to it, such as workspace.Workspace.FS). tools are the names of the
// tools the server exposes, which the Workspace section lists.
func NewPrompts(defs []*Definition, ws fs.FS, tools []string) *Prompts {
	p := &Prompts{defs: defs, byName: map[string]*Definition{}, ws: ws, tools: tools}
	for _, d := range defs {
		p.byName[d.Name] = d
	}
	return p
}

// All returns the prompts for server.AddPrompts.
func (p *Prompts) All() []server.ServerPrompt {
	all := make([]server.ServerPrompt, 0, len(p.defs))
	for _, d := range p.defs {
		all = append(all, server.ServerPrompt{Prompt: p.prompt(d), Handler: p.handler(d)})
	}
	return all
}

// prompt is d as prompts/list shows it.
func (p *Prompts) prompt(d *Definition) mcp.Prompt {
	opts := []mcp.PromptOption{
		mcp.WithPromptDescription(d.Description),
		mcp.WithArgument(argTask, mcp.ArgumentDescription(
			"What to build or change, in your words. It is sent as your message after the agent's instructions and the Workspace section; leave it empty to give the task afterwards.")),
		mcp.WithArgument(argFramework, mcp.ArgumentDescription(fmt.Sprintf(
			"The framework to work in: %s. A name that is no Python web framework agentbox knows is ignored. Leave it empty to go by what the workspace uses, detected when the prompt is requested.",
			joinOr(knownFrameworks(d))))),
	}
	if t := d.Title(); t != "" {
		opts = append(opts, mcp.WithPromptTitle(t))
	}
	return mcp.NewPrompt(d.Name, opts...)
}

// handler answers prompts/get for d.
func (p *Prompts) handler(d *Definition) server.PromptHandlerFunc {
	return func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		var unknown []string
		for k := range req.Params.Arguments {
			if k != argTask && k != argFramework {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			return nil, fmt.Errorf("prompt %s has no argument %s; its arguments are %s and %s (both optional)",
				d.Name, strings.Join(quoteAll(unknown), ", "), argTask, argFramework)
		}
		task := strings.TrimSpace(req.Params.Arguments[argTask])
		framework := frameworkNamed(req.Params.Arguments[argFramework])
		after := ""
		if typedAsWords(ctx) {
			task, framework = "", ""
			after = "\nYour task is what the user typed after the command that brought you these instructions.\n"
		}

		text := d.Body + "\n\n" + p.workspace(ctx, d, framework, "when the prompt was requested", true) + after
		messages := []mcp.PromptMessage{mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(text))}
		if task != "" {
			messages = append(messages, mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(task)))
		}
		return mcp.NewGetPromptResult(d.Description, messages), nil
	}
}

// Instructions are d's body and the Workspace section as detected now, for
// a server that runs as d to put in its instructions.
func (p *Prompts) Instructions(ctx context.Context, d *Definition) string {
	return d.Body + "\n\n" + p.workspace(ctx, d, "", "when the server started", false)
}

// workspace detects the workspace now and writes its section for d, with
// the framework the user asked for ("" for none), and with what python3
// is when python is set.
func (p *Prompts) workspace(ctx context.Context, d *Definition, framework, when string, python bool) string {
	ctx, cancel := context.WithTimeout(ctx, detectTimeout)
	defer cancel()
	v := workspaceView{
		when:      when,
		report:    pyproject.Detect(ctx, p.ws),
		framework: framework,
		exposed:   p.tools,
		wanted:    d.Tools,
	}
	if python && p.python != nil {
		v.python = p.python(ctx)
	}
	return v.render()
}

// CompletePromptArgument offers values for a prompt's framework argument:
// the frameworks the definition knows whose names start with what the user
// typed (case does not matter). task has no completions.
func (p *Prompts) CompletePromptArgument(_ context.Context, name string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	d := p.byName[name]
	if d == nil {
		return nil, fmt.Errorf("no prompt named %q", name)
	}
	values := []string{}
	if arg.Name == argFramework {
		typed := strings.ToLower(strings.TrimSpace(arg.Value))
		for _, f := range knownFrameworks(d) {
			if strings.HasPrefix(strings.ToLower(f), typed) {
				values = append(values, f)
			}
		}
	}
	return &mcp.Completion{Values: values, Total: len(values)}, nil
}

// frameworkNamed returns the framework s names, spelled as detection
// spells it, or "" when s names none: a word such as "an", as a client
// that splits a sentence into the arguments leaves there, is no request.
func frameworkNamed(s string) string {
	s = strings.TrimSpace(s)
	for _, f := range pyproject.Frameworks() {
		if strings.EqualFold(s, f) {
			return f
		}
	}
	return ""
}

// knownFrameworks are the frameworks a definition knows: those detection
// recognises that its description or body names, as a word of its own in
// any case. A definition that names none is offered all of them.
//
// It reads the text once, word by word. (Lowering a body of 19 KB and
// searching it for each framework cost a twentieth of a server's start,
// and a regexp per framework two thirds.)
func knownFrameworks(d *Definition) []string {
	all := pyproject.Frameworks()
	named := make([]bool, len(all))
	word := func(w string) {
		if len(w) < 4 || len(w) > 16 {
			return // no framework's name is so short or long: most words end here
		}
		for i, f := range all {
			if len(w) == len(f) && strings.EqualFold(w, f) {
				named[i] = true
			}
		}
	}
	for _, text := range []string{d.Description, d.Body} {
		start := -1
		for i := 0; i < len(text); {
			r, size := rune(text[i]), 1
			var inWord bool
			if r < utf8.RuneSelf {
				inWord = 'a' <= r|0x20 && r|0x20 <= 'z' || '0' <= r && r <= '9' || r == '_'
			} else {
				r, size = utf8.DecodeRuneInString(text[i:])
				inWord = isWordRune(r)
			}
			switch {
			case inWord:
				if start < 0 {
					start = i
				}
			case start >= 0:
				word(text[start:i])
				start = -1
			}
			i += size
		}
		if start >= 0 {
			word(text[start:])
		}
	}
	var known []string
	for i, f := range all {
		if named[i] {
			known = append(known, f)
		}
	}
	if len(known) == 0 {
		return all
	}
	return known
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}
