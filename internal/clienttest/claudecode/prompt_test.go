//go:build linux

package claudecode

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// task is what the user asks the specialist for, typed after the prompt's
// command as free text, the way Claude Code's users type it (README,
// Specialist prompts).
const task = "Add an endpoint that lists orders"

// TestSpecialistPrompt runs the python-specialist prompt as a Claude Code
// slash command in -p mode, where Claude Code 2.1.332 expands MCP prompts:
// it sends the model a message with the command and its text
// (<command-args>), then the messages of prompts/get, whose arguments it
// fills with the words of that text, one word each (issue 13, gap 3).
func TestSpecialistPrompt(t *testing.T) {
	claudeCode(t)
	t.Parallel()
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			ws := workspace(t)
			s := session{
				workspace: ws,
				prompt:    "/mcp__agentbox__python-specialist " + task,
				marker:    task,
			}
			if transport == "stdio" {
				s.server = stdioServer(t, ws)
			} else {
				var port int
				s.server, port = startHTTP(t, ws)
				s.ports = []int{port}
			}
			tr := run(t, s)
			req, ok := tr.model.firstRequest()
			if !ok {
				t.Fatal("no request")
			}
			// The user messages before the first system one are the
			// command's; Claude Code's reminders come after.
			var texts []string
			for _, m := range req.Messages {
				if m.Role != "user" {
					break
				}
				texts = append(texts, m.texts()...)
			}
			all := strings.Join(texts, "\n\n---\n\n")
			if transport == "stdio" {
				record("prompt: /mcp__agentbox__python-specialist "+task+" (gap 3)", shortenPrompt(texts), tr.dirs)
			}
			checkPrompt(t, texts, all)
		})
	}
}

// checkPrompt checks the messages the model gets from the prompt command.
func checkPrompt(t *testing.T, texts []string, all string) {
	t.Run("gives the model the instructions and the Workspace section", func(t *testing.T) {
		wantContains(t, all, "# Python Backend Specialist", "the definition's instructions")
		wantContains(t, all, "## Workspace", "the Workspace section")
		wantContains(t, all, "- Framework: FastAPI", "the framework the workspace uses")
	})
	t.Run("is run as README's Specialist prompts section shows", func(t *testing.T) {
		readme, err := os.ReadFile("../../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		wantContains(t, string(readme), "`/mcp__agentbox__python-specialist "+task+"`", "README's invocation for Claude Code")
	})
	t.Run("gives the model the task whole", func(t *testing.T) {
		gapCheck(t, 3, func(c checker) {
			wantContains(c, all, task, "the task")
			for _, text := range texts {
				text = strings.TrimSpace(text)
				if text != task && strings.HasPrefix(task, text) {
					c.Errorf("the model should get the task whole; one message is only %q", text)
				}
			}
			wantNot(c, all, "Requested framework:", "a requested framework, since none was named")
		})
	})
}

// shortenPrompt keeps, for -record, the messages with the middle of the
// long instructions left out.
func shortenPrompt(texts []string) string {
	out := make([]string, len(texts))
	for i, text := range texts {
		if start, end := strings.Index(text, "\n## "), strings.Index(text, "## Workspace"); start >= 0 && end > start {
			text = text[:start] + "\n\n[... the definition's instructions ...]\n\n" + text[end:]
		}
		out[i] = text
	}
	return strings.Join(out, "\n\n---- next message ----\n\n")
}

// TestConfinedByConfig starts Claude Code the way `agentbox config
// claude-code` says to and checks what the model is offered: agentbox's
// nine tools and no other, none deferred (issue 13, gap 4). The printed
// JSON objects are used as they are: the one with mcpServers as the MCP
// configuration, any other as settings.
func TestConfinedByConfig(t *testing.T) {
	claudeCode(t)
	t.Parallel()
	ws := workspace(t)
	out, err := exec.Command(agentbox(t), "config", "claude-code", "--workspace", ws).Output()
	if err != nil {
		t.Fatalf("agentbox config claude-code: %v", err)
	}
	s := session{workspace: ws, prompt: "What is in this project?", builtins: true}
	for _, obj := range jsonObjects(out) {
		var v map[string]any
		if json.Unmarshal(obj, &v) != nil {
			continue
		}
		if servers, ok := v["mcpServers"].(map[string]any); ok {
			s.server, _ = servers["agentbox"].(map[string]any)
			continue
		}
		s.settings = filepath.Join(t.TempDir(), "settings.json")
		writeJSON(t, s.settings, v)
	}
	if s.server == nil {
		t.Fatalf("agentbox config claude-code printed no mcpServers entry for agentbox:\n%s", out)
	}
	tr := run(t, s)
	req, _ := tr.model.firstRequest()
	var offered, deferred []string
	for _, tool := range req.Tools {
		if tool.DeferLoading {
			deferred = append(deferred, tool.Name)
		} else {
			offered = append(offered, tool.Name)
		}
	}
	sort.Strings(offered)
	record("tools offered as agentbox config claude-code says (gap 4)",
		"offered: "+strings.Join(offered, " ")+"\ndeferred (name only): "+strings.Join(deferred, " ")+"\n\n"+deferredList(req), tr.dirs)
	gapCheck(t, 4, func(c checker) {
		var others []string
		for _, name := range offered {
			if !strings.HasPrefix(name, toolPrefix) {
				others = append(others, name)
			}
		}
		if len(others) > 0 {
			c.Errorf("the model should be offered agentbox's tools only; it is offered %d of Claude Code's own too: %s", len(others), strings.Join(others, " "))
		}
		if got := len(offered) - len(others); got != len(agentboxTools) {
			c.Errorf("the model should be offered agentbox's %d tools with their schemas; it is offered %d (the others are deferred behind ToolSearch, or missing)", len(agentboxTools), got)
		}
	})
}

// deferredList is the reminder in which Claude Code names the tools it
// offers by name only, if the request has one.
func deferredList(req apiRequest) string {
	for _, m := range req.Messages {
		for _, text := range m.texts() {
			if i := strings.Index(text, "The following deferred tools"); i >= 0 {
				rest := text[i:]
				if j := strings.Index(rest, "\n\n"); j >= 0 {
					rest = rest[:j]
				}
				return rest
			}
		}
	}
	return ""
}

// jsonObjects returns the JSON objects in out that start a line.
func jsonObjects(out []byte) []json.RawMessage {
	var objs []json.RawMessage
	for i := 0; i < len(out); i++ {
		if out[i] != '{' || (i > 0 && out[i-1] != '\n') {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(out[i:]))
		var obj json.RawMessage
		if dec.Decode(&obj) == nil {
			objs = append(objs, obj)
			i += int(dec.InputOffset()) - 1
		}
	}
	return objs
}
