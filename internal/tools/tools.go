// Package tools implements the tools agentbox serves over MCP, all
// confined to one workspace.Workspace:
//
//   - Read, Write and Edit: read a file (text by line, or an image), write
//     one whole, replace a string in one (with internal/textedit). Write
//     and Edit refuse to replace content the session has not read or that
//     changed since, and, when checks are on, add the problems a check of
//     the written file finds (internal/check).
//   - Glob and Grep: find files by name and by content, honouring
//     .gitignore (internal/walk, internal/search).
//   - Diagnostics: report the build errors and likely bugs of a file or a
//     tree (internal/check).
//   - Bash, BashOutput and KillShell: run a command in the sandbox, read a
//     background job's output, stop it (internal/shell on
//     internal/sandbox); offered only when there is a sandbox.
//   - Changes and Undo: list the checkpoints of what Write, Edit and Bash
//     changed, show one as a diff, and restore the workspace to before one
//     (internal/checkpoint); offered only when checkpoints are on. Every
//     Write, Edit and Bash command is recorded (checkpoint.go).
//
// This package is the MCP glue around those engines. Each tool is a trio:
// name.go (argument struct, handler), name.md (the description the model
// reads, a text/template filled from the limits the code enforces) and
// name_test.go; a tool's other concerns are in name_concern.go. Handlers
// turn every failure a model can act on into an isError result naming the
// path it sent; a Go error from a handler means the server itself broke.
//
// A result is text for the model to read, never structuredContent (which
// Claude Code shows the model in place of the text), and at most
// resultMax characters (size.go), which every client passes on whole.
package tools

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/shell"
	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

// Toolset is the tools of one server: the workspace they share and the
// per-session state (what each session has read) they keep.
type Toolset struct {
	ws       *workspace.Workspace
	sessions *sessionSet
	opts     Options
	excludes *walk.GlobalExcludes // Glob and Grep honour the user's global git excludes
	edits    pathLocks            // one Write or Edit of a file at a time
	checks   *check.Checker       // checks after writes, and Diagnostics
	python   *shell.Python        // what python3 is for Bash's commands; nil without Bash

	firstCommand sync.Once // the first command waits a moment for the journal's first snapshot
}

// Options configure the tools beyond their workspace. The zero value is the
// default configuration.
type Options struct {
	// GitExcludesFile is the user's global git excludes file (see
	// walk.ExcludesFile), which Glob and Grep honour like .gitignore; ""
	// for none.
	GitExcludesFile string
	// Logger is where tools log; records logged with a tool call's context
	// also reach that call's client (see notify.LogHandler). nil discards.
	Logger *slog.Logger
	// Checks configure the checks after Write and Edit and the checkers
	// Diagnostics runs. Unless they say how to run checkers, they run in
	// Sandbox.
	Checks check.Options
	// Sandbox runs Bash's commands; without one, Bash, BashOutput and
	// KillShell are not offered.
	Sandbox *sandbox.Sandbox
	// ForegroundLimit is how long a Bash call waits for its command: one
	// still running then goes on in the background and the call returns
	// (clients give up on a call after a minute or so). It also bounds
	// BashOutput's wait. 0 waits until the command's timeout.
	ForegroundLimit time.Duration
	// PythonEnv finds the workspace's Python virtual environment, which
	// Bash's commands and the Python checks run with activated. The zero
	// value finds .venv or venv.
	PythonEnv pyenv.Finder
	// Journal records every change Write, Edit and Bash make as a
	// checkpoint; nil records nothing, and Changes and Undo are not
	// offered. The server opens and closes it.
	Journal *checkpoint.Journal
}

// DefaultForegroundLimit is the ForegroundLimit the server uses unless
// told otherwise: under Claude Desktop's limit of about 60 s per call.
const DefaultForegroundLimit = 50 * time.Second

// New returns the tools for ws.
func New(ws *workspace.Workspace, opts Options) *Toolset {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Checks.Sandbox == nil {
		// Checkers run where Bash's commands do: one from the workspace
		// (a venv's python) must not escape the sandbox through a check.
		opts.Checks.Sandbox = opts.Sandbox
	}
	opts.Checks.Venv = opts.PythonEnv
	t := &Toolset{ws: ws, opts: opts, excludes: walk.NewGlobalExcludes(opts.GitExcludesFile), checks: check.New(ws, opts.Checks)}
	t.sessions = newSessionSet(opts.Sandbox, ws, opts.PythonEnv, t.recordCommand)
	if opts.Sandbox != nil {
		t.python = shell.NewPython(opts.Sandbox, ws, opts.PythonEnv, opts.Logger)
	}
	return t
}

// Python tells what python3 is for Bash's commands; nil when there is no
// Bash.
func (t *Toolset) Python() *shell.Python { return t.python }

// All returns every tool, ready for server.AddTools, in the order tools/list
// shows them.
func (t *Toolset) All() []server.ServerTool {
	all := []server.ServerTool{
		readTool(t),
		writeTool(t),
		editTool(t),
		globTool(t),
		grepTool(t),
		diagnosticsTool(t),
	}
	if t.opts.Sandbox != nil {
		all = append(all, bashTool(t), bashOutputTool(t), killShellTool(t))
	}
	if t.opts.Journal != nil {
		all = append(all, changesTool(t), undoTool(t))
	}
	for i := range all {
		all[i] = bounded(t.withLateChecks(validated(all[i])))
		all[i].Tool.Meta = &mcp.Meta{AdditionalFields: map[string]any{alwaysLoad: true}}
	}
	return all
}

// Names returns the names of All's tools, in its order, without building
// them: Bash's description waits for the sandbox's probe.
func (t *Toolset) Names() []string {
	names := []string{"Read", "Write", "Edit", "Glob", "Grep", "Diagnostics"}
	if t.opts.Sandbox != nil {
		names = append(names, "Bash", "BashOutput", "KillShell")
	}
	if t.opts.Journal != nil {
		names = append(names, "Changes", "Undo")
	}
	return names
}

// alwaysLoad is the _meta key by which Claude Code (2.1.332) offers a
// server's tool to the model with its schema from the first request,
// rather than by name only until the model asks ToolSearch for it. agentbox
// is meant to replace Claude Code's own tools, so all of its are needed
// from the start.
const alwaysLoad = "anthropic/alwaysLoad"

// EndSession forgets the state of a closed client session.
func (t *Toolset) EndSession(id string) {
	t.sessions.end(id)
	t.checks.EndSession(id)
}

// Close ends every session; the server calls it on the way out.
func (t *Toolset) Close() {
	t.sessions.endAll()
	t.checks.Close()
	if t.python != nil {
		t.python.Close()
	}
}

// describe fills a tool's markdown description from the constants the code
// enforces, so the limit the model reads is the limit it meets. A template
// error is a bug caught by the schema golden test.
func describe(doc string, data map[string]any) string {
	tmpl := template.Must(template.New("doc").Option("missingkey=error").Parse(doc))
	var b strings.Builder
	if err := tmpl.Execute(&b, data); err != nil {
		panic(fmt.Sprintf("tool description: %v", err))
	}
	return strings.TrimSpace(b.String())
}

// failed turns an error the model can act on into an isError result.
func failed(err error) *mcp.CallToolResult {
	return mcp.NewToolResultError(err.Error())
}

// failedf is failed with a formatted message.
func failedf(format string, args ...any) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf(format, args...))
}

// annotate sets all four behaviour hints, since a client assumes the unsafe
// value (destructive, open world) for any left unset, as the MCP spec's
// defaults say, and mcp-go sends those defaults.
func annotate(readOnly, destructive, idempotent bool) []mcp.ToolOption {
	return []mcp.ToolOption{
		mcp.WithReadOnlyHintAnnotation(readOnly),
		mcp.WithDestructiveHintAnnotation(destructive),
		mcp.WithIdempotentHintAnnotation(idempotent),
		mcp.WithOpenWorldHintAnnotation(false),
	}
}

// formatSize prints a byte count the way people read it: 812 B, 4.2 KB, 3.1 MB.
func formatSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<10))) + " KB"
	case n < 1<<30:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<20))) + " MB"
	default:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1<<30))) + " GB"
	}
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// plural returns "1 line" or "3 lines".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
