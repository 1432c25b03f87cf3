// Package server wires agentbox together: a workspace, the tools on it and
// an MCP server that serves them over stdio or Streamable HTTP. Nothing here
// reads flags or the environment; cmd/agentbox fills a Config.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/notify"
	"github.com/agentbox/agentbox/internal/tools"
)

// Config is everything a server needs to start.
type Config struct {
	Workspace string       // the only directory the tools may touch
	Version   string       // reported in serverInfo
	Logger    *slog.Logger // where the server logs; never stdout
}

// Server is one agentbox server: its workspace, tools and MCP wiring.
type Server struct {
	mcp    *mcpserver.MCPServer
	ws     *tools.Workspace
	tools  *tools.Toolset
	log    *slog.Logger // stderr, and the client of the tool call logged in
	stderr *slog.Logger // stderr only

	endedSession func(id string) // tests: called after a session's state is dropped
}

// New opens the workspace and builds the MCP server on it.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ws, err := tools.OpenWorkspace(cfg.Workspace)
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	log := slog.New(tee{cfg.Logger.Handler(), notify.NewLogHandler("agentbox")})
	s := &Server{ws: ws, tools: tools.New(ws, tools.Options{Logger: log}), log: log, stderr: cfg.Logger}

	hooks := &mcpserver.Hooks{}
	hooks.AddOnUnregisterSession(func(_ context.Context, cs mcpserver.ClientSession) {
		s.tools.EndSession(cs.SessionID())
		s.log.Debug("session ended", "session", cs.SessionID())
		if s.endedSession != nil {
			s.endedSession(cs.SessionID())
		}
	})
	hooks.AddAfterCallTool(func(_ context.Context, _ any, req *mcp.CallToolRequest, res any) {
		if r, ok := res.(*mcp.CallToolResult); ok && r.IsError {
			s.log.Debug("tool call failed", "tool", req.Params.Name, "result", firstText(r))
		}
	})

	s.mcp = mcpserver.NewMCPServer("agentbox", cfg.Version,
		mcpserver.WithInstructions(instructions(ws.Dir())),
		// The tool list is fixed for the life of the server: no listChanged.
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithLogging(),
		mcpserver.WithCompletions(),
		mcpserver.WithRecovery(),
		mcpserver.WithHooks(hooks),
		// Each tool call gets its notify record: progress and log messages
		// go to its client before its result, and never after.
		mcpserver.WithToolHandlerMiddleware(notify.Middleware),
		// One line per request and per tool call, on stderr at debug level.
		mcpserver.WithLogger(slog.New(debugOnly{cfg.Logger.Handler()})),
	)
	s.mcp.AddTools(s.tools.All()...)
	return s, nil
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
func (s *Server) MCP() *mcpserver.MCPServer { return s.mcp }

// Logger returns the server's logger: stderr, and for records logged with a
// tool call's context, that call's client too (notify.LogHandler).
func (s *Server) Logger() *slog.Logger { return s.log }

// Workspace returns the server's workspace.
func (s *Server) Workspace() *tools.Workspace { return s.ws }

// ServeStdio serves one client over in and out until in closes or ctx is
// done. A closed input or a cancelled context is a clean end, not an error.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(slog.NewLogLogger(s.stderr.Handler(), slog.LevelError))
	mcpserver.WithWorkerPoolSize(8)(stdio)
	lines := &lineWriter{w: out}
	stdio.SetContextFunc(func(ctx context.Context) context.Context {
		return notify.WithSender(ctx, lines.send)
	})
	err := stdio.Listen(ctx, in, lines)
	if errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// Close ends every session (stopping what they run) and releases the
// workspace.
func (s *Server) Close() error {
	s.tools.Close()
	return s.ws.Close()
}

func firstText(r *mcp.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// lineWriter is stdout shared by mcp-go, which writes each message with one
// Write, and the notify.Sender of tool calls, which writes a notification
// line before the call returns, so it precedes the call's result.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lineWriter) send(method string, params any) error {
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	if err != nil {
		return fmt.Errorf("notification %s: %w", method, err)
	}
	_, err = l.Write(append(b, '\n'))
	return err
}
