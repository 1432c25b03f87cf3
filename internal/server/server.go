// Package server wires agentbox together: a workspace, the tools on it and
// an MCP server that serves them over stdio or Streamable HTTP. Nothing here
// reads flags or the environment; cmd/agentbox fills a Config.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/checkpoint"
	"github.com/agentbox/agentbox/internal/notify"
	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/tools"
	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

// Config is everything a server needs to start.
type Config struct {
	Workspace string       // the only directory the tools may touch
	Version   string       // reported in serverInfo
	Logger    *slog.Logger // where the server logs; never stdout
	Audit     io.Writer    // if set, one JSON line per tool call goes here
	// AuditRequired refuses tool calls (an error result; nothing runs)
	// while the audit log cannot be written.
	AuditRequired bool
	// GitExcludesFile is the user's global git excludes file, which Glob
	// and Grep honour; "" for none.
	GitExcludesFile string

	// PromptsDir holds agent definitions (*.md) that add to the built-in
	// prompts and override them by name; "" for none. The workspace's
	// .claude/agents override both.
	PromptsDir string
	// Diagnostics makes Write and Edit check each .go and .py file they
	// write and add the problems found to their result.
	Diagnostics bool
	// DiagnosticsTimeout is how long Write and Edit wait for their check
	// (what it finds later comes with the session's next result); 0 means
	// check.DefaultTimeout.
	DiagnosticsTimeout time.Duration
	// CheckEnv is the whole environment of checker commands (go, python3,
	// ruff, mypy): an allow-list from check.Env, never the server's.
	CheckEnv []string

	// Agent makes the server run as the named definition: only the tools
	// its tools: header lists are exposed, and its body goes into the
	// instructions. "" for none.
	Agent string

	// Sandbox confines Bash's commands (its Workspace and Logger are filled
	// in here); nil serves no Bash.
	Sandbox *sandbox.Config
	// ForegroundLimit is how long a Bash call waits for its command before
	// it goes on in the background; 0 waits for the command's timeout.
	ForegroundLimit time.Duration
	// PythonEnv finds the workspace's Python virtual environment, which
	// Bash's commands and the Python checks run with activated.
	PythonEnv pyenv.Finder

	// Checkpoints records every change Write, Edit and Bash make in the
	// journal at Checkpoints.Dir, and serves Changes and Undo (Live, Logger
	// and, unless set, Excludes are filled in here); nil records nothing.
	// A journal that cannot be opened is logged, and the server runs
	// without.
	Checkpoints *checkpoint.Options
}

// Server is one agentbox server: its workspace, tools and MCP wiring.
type Server struct {
	mcp     *mcpserver.MCPServer
	ws      *workspace.Workspace
	tools   *tools.Toolset
	log     *slog.Logger // stderr, and the client of the tool call logged in
	stderr  *slog.Logger // stderr only
	version string
	closers []func()
	sandbox *sandbox.Sandbox // Bash's; nil for none
	serving atomic.Bool      // ServeStdio or ServeHTTP has begun
	// addTools adds the tools to mcp, once: on the first request past the
	// handshake, or when MCP is called.
	addTools func()

	endedSession func(id string) // tests: called after a session's state is dropped
}

// New opens the workspace and builds the MCP server on it.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AuditRequired && cfg.Audit == nil {
		return nil, errors.New("an audit log is required, but none is given")
	}
	ws, err := workspace.Open(cfg.Workspace)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	log := slog.New(tee{cfg.Logger.Handler(), notify.NewLogHandler("agentbox")})
	topts := tools.Options{GitExcludesFile: cfg.GitExcludesFile, Logger: log, ForegroundLimit: cfg.ForegroundLimit, PythonEnv: cfg.PythonEnv}
	// With a sandbox, the tools run checker commands (python3, go vet, ruff,
	// mypy) inside it, with CheckEnv as their whole environment.
	topts.Checks = check.Options{AfterWrite: cfg.Diagnostics, Timeout: cfg.DiagnosticsTimeout, Env: cfg.CheckEnv}
	var closers []func()
	if topts.Journal = openJournal(cfg, ws); topts.Journal != nil {
		// Closed after the tools: the sessions' last commands record their
		// checkpoints as they end.
		closers = append(closers, func() { topts.Journal.Close() })
	}
	if cfg.Sandbox != nil {
		sc := *cfg.Sandbox
		sc.Workspace, sc.Logger = ws.Dir(), cfg.Logger
		if topts.Sandbox, err = newSandbox(sc); err != nil {
			for _, f := range closers {
				f()
			}
			ws.Close()
			return nil, err
		}
		closers = append(closers, func() { topts.Sandbox.Close() })
	}
	s := &Server{
		ws:      ws,
		tools:   tools.New(ws, topts),
		log:     log,
		stderr:  cfg.Logger,
		version: cfg.Version,
		closers: closers,
		sandbox: topts.Sandbox,
	}
	agents, err := newAgents(cfg, ws, s.tools.Names(), cfg.Logger)
	if err != nil {
		s.Close()
		return nil, err
	}

	hooks := &mcpserver.Hooks{}
	// The tools are built and added on the first request past the
	// handshake: Bash's description waits for the sandbox's probe, and
	// building every tool's schema is work initialize does not need. The
	// journal's first snapshot starts then too, if it has not.
	s.addTools = sync.OnceFunc(func() {
		if topts.Journal != nil {
			topts.Journal.Prime()
		}
		s.mcp.AddTools(pickTools(s.tools.All(), agents.tools)...)
	})
	hooks.AddBeforeAny(func(_ context.Context, _ any, method mcp.MCPMethod, _ any) {
		if method != mcp.MethodInitialize && method != mcp.MethodPing {
			s.addTools()
		}
	})
	hooks.AddOnUnregisterSession(func(_ context.Context, cs mcpserver.ClientSession) {
		s.tools.EndSession(cs.SessionID())
		s.log.Debug("session ended", "session", cs.SessionID())
		if s.endedSession != nil {
			s.endedSession(cs.SessionID())
		}
	})
	// The instructions say what python3 is in Bash: where it is and the
	// environment at once, its version once known. Learning the version
	// runs python3, in the sandbox and in the background: the first tool
	// call of a serving server starts it (never waiting for it), a prompt
	// waits for it. Not the handshake: the probe is a sandbox launcher,
	// bash and, behind a pyenv shim, some thirty processes more, and on two
	// cores it slowed the answers to initialize and tools/list by a fifth,
	// when it could not have ended in time for the first instructions
	// anyway. In-process uses (call, run, tests) do not start it.
	base := instructions(ws.Dir())
	withAgent := agents.instructions(base)
	if py := s.tools.Python(); py != nil {
		agents.prompts.SetPython(func(ctx context.Context) string { return py.Wait(ctx).Sentence() })
		now := func() string {
			return base + "\n" + py.Known().Sentence() + strings.TrimPrefix(withAgent, base)
		}
		var probing atomic.Bool
		hooks.AddAfterCallTool(func(context.Context, any, *mcp.CallToolRequest, any) {
			if s.serving.Load() && !probing.Swap(true) {
				py.Now()
			}
		})
		hooks.AddAfterInitialize(func(_ context.Context, _ any, _ *mcp.InitializeRequest, res *mcp.InitializeResult) {
			res.Instructions = now()
		})
		hooks.AddAfterDiscover(func(_ context.Context, _ any, _ *mcp.DiscoverRequest, res *mcp.DiscoverResult) {
			res.Instructions = now()
		})
	}
	hooks.AddAfterCallTool(func(_ context.Context, _ any, req *mcp.CallToolRequest, res any) {
		if r, ok := res.(*mcp.CallToolResult); ok && r.IsError {
			s.log.Debug("tool call failed", "tool", req.Params.Name, "result", firstText(r))
		}
	})

	opts := []mcpserver.ServerOption{
		mcpserver.WithInstructions(withAgent),
		// The tool list is fixed for the life of the server: no listChanged.
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithLogging(),
		mcpserver.WithCompletions(),
		mcpserver.WithHooks(hooks),
		// One line per request and per tool call, on stderr at debug level.
		mcpserver.WithLogger(slog.New(debugOnly{cfg.Logger.Handler()})),
	}
	// Middleware runs in the order added, outermost first: the audit sees
	// each call as the client does, panics included.
	if cfg.Audit != nil {
		a := &auditor{w: cfg.Audit, required: cfg.AuditRequired, log: cfg.Logger, now: time.Now}
		opts = append(opts, mcpserver.WithToolHandlerMiddleware(a.middleware))
	}
	opts = append(opts,
		mcpserver.WithRecovery(),
		// Each tool call gets its notify record: progress and log messages
		// go to its client before its result, and never after.
		mcpserver.WithToolHandlerMiddleware(notify.Middleware),
	)
	opts = append(opts, agents.options()...)
	s.mcp = mcpserver.NewMCPServer("agentbox", cfg.Version, opts...)
	// Once the client has its answer to initialize, the checkpoint
	// journal's first snapshot starts, and the sandbox's probe and the
	// tools' schemas are made, in the background, for the tools/list that
	// comes next.
	s.mcp.AddNotificationHandler(string(mcp.MethodNotificationInitialized), func(context.Context, mcp.JSONRPCNotification) {
		go s.addTools()
	})
	s.mcp.AddPrompts(agents.prompts.All()...)
	return s, nil
}

// newSandbox sets up Bash's sandbox. Under --sandbox=auto or off it returns
// at once and the probe waits (sandbox.Begin): it runs in the background
// once the client has sent notifications/initialized, so the handshake
// neither waits for it nor shares the CPU with it; tools/list (Bash's
// description states its layers) and the first command wait for it.
// Under --sandbox=require, or with strict read confinement, it probes
// before serving, so a server missing a layer refuses to start, before any
// client talks to it.
func newSandbox(sc sandbox.Config) (*sandbox.Sandbox, error) {
	if sc.Mode == sandbox.Require || sc.Reads == sandbox.ReadStrict {
		return sandbox.New(sc)
	}
	return sandbox.Begin(sc), nil
}

// openJournal opens the workspace's checkpoint journal, or returns nil when
// checkpoints are off or it cannot be opened. It returns at once: the first
// snapshot of the workspace runs in the background.
func openJournal(cfg Config, ws *workspace.Workspace) *checkpoint.Journal {
	if cfg.Checkpoints == nil {
		return nil
	}
	opts := *cfg.Checkpoints
	// The first snapshot walks the whole workspace: it starts once the
	// client has its answer to initialize (see addTools in New).
	opts.Live, opts.Logger, opts.DeferPrime = true, cfg.Logger, true
	if opts.Excludes == nil {
		opts.Excludes = walk.NewGlobalExcludes(cfg.GitExcludesFile)
	}
	j, err := checkpoint.Open(ws.RestoreRoot(), ws.RealDir(), opts)
	if err != nil {
		cfg.Logger.Warn("checkpoints are off: the journal cannot be opened, so changes cannot be undone", "dir", opts.Dir, "err", err)
		return nil
	}
	cfg.Logger.Info("recording checkpoints", "journal", j.Dir())
	return j
}

// instructions is what the server tells the model about itself at
// initialization.
func instructions(dir string) string {
	return "agentbox gives you file and code tools confined to one workspace: " + dir + ".\n" +
		"Paths are relative to that directory; absolute paths inside it work too. Nothing outside it can be read or written, and symlinks that lead out are refused.\n" +
		"Results name files by workspace-relative paths you can pass straight back.\n" +
		"Read a file (any part) before you Write or Edit it; a file changed on disk since your last Read must be read again."
}

// MCP returns the underlying MCP server, for in-process clients and tests.
// Its tools are all there.
func (s *Server) MCP() *mcpserver.MCPServer {
	s.addTools()
	return s.mcp
}

// Logger returns the server's logger: stderr, and for records logged with a
// tool call's context, that call's client too (notify.LogHandler).
func (s *Server) Logger() *slog.Logger { return s.log }

// Workspace returns the server's workspace.
func (s *Server) Workspace() *workspace.Workspace { return s.ws }

// Close ends every session (stopping what they run) and releases the
// workspace.
func (s *Server) Close() error {
	s.tools.Close()
	for _, f := range s.closers {
		f()
	}
	return s.ws.Close()
}

// OnClose registers f to run when the server closes, after its sessions end.
func (s *Server) OnClose(f func()) { s.closers = append(s.closers, f) }

func firstText(r *mcp.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}
