//go:build linux

package claudecode

import (
	"os"
	"strings"
	"testing"
)

// task is what the user asks the specialist for, typed after the prompt's
// command as free text, the way Claude Code's users type it (README,
// Specialist prompts).
const task = "Add an endpoint that lists orders"

// checkPrompt checks what the model gets from the python-specialist prompt
// run as a Claude Code slash command in -p mode, where Claude Code 2.1.332
// expands MCP prompts: it sends the model a message with the command and
// its text (<command-args>), then the messages of prompts/get, whose
// arguments it fills with the words of that text, one word each (issue 13,
// gap 3).
func checkPrompt(t *testing.T, tr *transcript, transport string) {
	req, ok := tr.model.firstRequest()
	if !ok {
		t.Fatal("no request")
	}
	// The user messages before the first system one are the command's;
	// Claude Code's reminders come after.
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
