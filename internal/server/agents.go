package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/agent"
	"github.com/agentbox/agentbox/internal/workspace"
	"github.com/agentbox/agentbox/prompts"
)

// workspaceAgents is where a workspace keeps its own agent definitions, as
// Claude Code does.
const workspaceAgents = ".claude/agents"

// agents is the server's agent definitions, served as prompts, and with
// Config.Agent the one it serves as.
type agents struct {
	prompts *agent.Prompts
	as      *agent.Definition // nil unless Config.Agent names one
	tools   []string          // the names of the tools to expose: all, or the agent's
}

// newAgents loads the definitions (built in, then Config.PromptsDir, then
// the workspace's .claude/agents, each overriding the one before by name),
// logging the files it skips, and picks the tools to expose from all, the
// names of every tool.
func newAgents(cfg Config, ws *workspace.Workspace, all []string, log *slog.Logger) (*agents, error) {
	sources := []agent.Source{{Label: "prompts", FS: prompts.FS}}
	if cfg.PromptsDir != "" {
		fi, err := os.Stat(cfg.PromptsDir)
		if err == nil && !fi.IsDir() {
			err = errors.New("not a directory")
		}
		if err != nil {
			return nil, fmt.Errorf("prompts directory: %w", err)
		}
		sources = append(sources, agent.Source{Label: filepath.Clean(cfg.PromptsDir), FS: os.DirFS(cfg.PromptsDir)})
	}
	// The workspace's definitions are read through the workspace, so a
	// symlink there cannot lead out of it.
	wsAgents, err := fs.Sub(ws.FS(), workspaceAgents)
	if err != nil {
		return nil, err
	}
	sources = append(sources, agent.Source{Label: workspaceAgents, FS: wsAgents})

	defs, err := agent.Load(sources...)
	if err != nil {
		var list interface{ Unwrap() []error }
		if errors.As(err, &list) {
			for _, e := range list.Unwrap() {
				log.Warn("skipped an agent definition", "problem", e.Error())
			}
		}
	}
	for _, d := range defs {
		if d.Overrides != "" {
			log.Info("agent definition overrides another of the same name", "name", d.Name, "file", d.File, "overrides", d.Overrides)
		}
	}

	a := &agents{tools: all}
	if cfg.Agent != "" {
		for _, d := range defs {
			if d.Name == cfg.Agent {
				a.as = d
			}
		}
		if a.as == nil {
			names := make([]string, len(defs))
			for i, d := range defs {
				names[i] = d.Name
			}
			return nil, fmt.Errorf("agent %q: no definition has that name; the definitions are: %s", cfg.Agent, strings.Join(names, ", "))
		}
		var unknown []string
		a.tools, unknown = restrictTools(all, a.as.Tools)
		if len(unknown) > 0 {
			log.Warn("the agent's definition lists tools this server does not have; they are left out",
				"agent", a.as.Name, "file", a.as.File, "unknown", strings.Join(unknown, ", "))
		}
		log.Info("serving as an agent", "agent", a.as.Name, "file", a.as.File, "tools", strings.Join(a.tools, ", "))
	}
	a.prompts = agent.NewPrompts(defs, ws.FS(), a.tools)
	return a, nil
}

// restrictTools keeps the tools of all that names lists, in all's order,
// and returns the names it does not know. A nil list keeps every tool.
func restrictTools(all []string, names []string) (kept []string, unknown []string) {
	if names == nil {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		found := false
		for _, t := range all {
			if agent.MatchTool(n, t) {
				want[t], found = true, true
			}
		}
		if !found {
			unknown = append(unknown, n)
		}
	}
	for _, t := range all {
		if want[t] {
			kept = append(kept, t)
		}
	}
	return kept, unknown
}

// pickTools returns the tools of all that names lists, in all's order.
func pickTools(all []mcpserver.ServerTool, names []string) []mcpserver.ServerTool {
	var kept []mcpserver.ServerTool
	for _, t := range all {
		if slices.Contains(names, t.Tool.Name) {
			kept = append(kept, t)
		}
	}
	return kept
}

// options are the MCP server options prompts need.
func (a *agents) options() []mcpserver.ServerOption {
	return []mcpserver.ServerOption{
		mcpserver.WithPromptCapabilities(false),
		mcpserver.WithCompletions(),
		mcpserver.WithPromptCompletionProvider(a.prompts),
	}
}

// instructions adds the agent's instructions, and the workspace as it is
// now, to the server's own: clients that ignore prompts still get the
// specialist.
func (a *agents) instructions(base string) string {
	if a.as == nil {
		return base
	}
	return base + "\n\nThis server runs as the " + a.as.Name + " agent. Follow its instructions:\n\n" +
		a.prompts.Instructions(context.Background(), a.as)
}
