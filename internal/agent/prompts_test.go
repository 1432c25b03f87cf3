package agent

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/agent/pyproject"
)

// TestPromptList pins each built-in prompt as prompts/list shows it: name,
// title, description and arguments.
func TestPromptList(t *testing.T) {
	t.Parallel()
	defs := builtin(t)
	c, _ := serve(t, t.TempDir(), defs)
	res, err := c.ListPrompts(t.Context(), mcp.ListPromptsRequest{})
	require.NoError(t, err)
	require.Len(t, res.Prompts, len(defs))
	for _, p := range res.Prompts {
		golden(t, filepath.Join("testdata", "prompts", p.Name+".json"), indentJSON(t, p))
	}
	assert.Equal(t, "python-specialist", res.Prompts[0].Name)
}

func TestPromptGet(t *testing.T) {
	t.Parallel()
	defs := builtin(t)
	body := defs[0].Body

	t.Run("without arguments returns the instructions and the Workspace section only", func(t *testing.T) {
		t.Parallel()
		c, _ := serve(t, t.TempDir(), defs)
		roles, texts := messageTexts(t, get(t, c, "python-specialist", nil))
		require.Equal(t, []string{"user"}, roles)
		assert.True(t, strings.HasPrefix(texts[0], body+"\n\n## Workspace\n"))
	})

	t.Run("a blank task adds no message", func(t *testing.T) {
		t.Parallel()
		c, _ := serve(t, t.TempDir(), defs)
		roles, _ := messageTexts(t, get(t, c, "python-specialist", map[string]string{"task": "  \n"}))
		assert.Equal(t, []string{"user"}, roles)
	})

	t.Run("sees the workspace as it is when asked, not as it was", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		c, _ := serve(t, dir, defs)
		_, texts := messageTexts(t, get(t, c, "python-specialist", nil))
		assert.Contains(t, texts[0], "- Framework: none detected.")
		writeFiles(t, dir, map[string]string{"requirements.txt": "flask\n"})
		_, texts = messageTexts(t, get(t, c, "python-specialist", nil))
		assert.Contains(t, texts[0], "- Framework: Flask\n  - requirements.txt:1 depends on flask\n")
	})

	t.Run("a framework that names none is ignored", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"requirements.txt": "fastapi\n"})
		c, _ := serve(t, dir, defs)
		_, texts := messageTexts(t, get(t, c, "python-specialist", map[string]string{"task": "Add", "framework": "an"}))
		assert.NotContains(t, texts[0], "Requested framework")
		_, texts = messageTexts(t, get(t, c, "python-specialist", map[string]string{"framework": " flask "}))
		assert.Contains(t, texts[0], "\nRequested framework: Flask, but the workspace uses FastAPI (evidence below).")
	})

	t.Run("from Claude Code, which fills the arguments with the typed words one by one, takes none", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"requirements.txt": "fastapi\n"})
		c, _ := serveTo(t, dir, defs, "claude-code")
		for _, args := range []map[string]string{
			{"task": "Add", "framework": "an"},
			{"task": "Port", "framework": "Django"},
		} {
			roles, texts := messageTexts(t, get(t, c, "python-specialist", args))
			require.Equal(t, []string{"user"}, roles, "no message for a task cut to its first word")
			assert.NotContains(t, texts[0], "Requested framework")
			assert.True(t, strings.HasSuffix(texts[0], ".\n\nYour task is what the user typed after the command that brought you these instructions.\n"), texts[0])
		}
	})

	t.Run("an unknown argument is a protocol error that names it", func(t *testing.T) {
		t.Parallel()
		c, _ := serve(t, t.TempDir(), defs)
		var req mcp.GetPromptRequest
		req.Params.Name = "python-specialist"
		req.Params.Arguments = map[string]string{"tsak": "x", "lang": "go"}
		_, err := c.GetPrompt(t.Context(), req)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `prompt python-specialist has no argument "lang", "tsak"; its arguments are task and framework (both optional)`)
	})

	t.Run("an unknown prompt is a protocol error", func(t *testing.T) {
		t.Parallel()
		c, _ := serve(t, t.TempDir(), defs)
		var req mcp.GetPromptRequest
		req.Params.Name = "java-specialist"
		_, err := c.GetPrompt(t.Context(), req)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "java-specialist")
	})
}

func complete(t *testing.T, c *client.Client, prompt, arg, value string) ([]string, error) {
	t.Helper()
	var req mcp.CompleteRequest
	req.Params.Ref = mcp.PromptReference{Type: "ref/prompt", Name: prompt}
	req.Params.Argument = mcp.CompleteArgument{Name: arg, Value: value}
	res, err := c.Complete(t.Context(), req)
	if err != nil {
		return nil, err
	}
	return res.Completion.Values, nil
}

func TestComplete(t *testing.T) {
	t.Parallel()
	generic := &Definition{Name: "reviewer", Description: "Reviews code", Body: "Review it."}
	defs := append(builtin(t), generic)
	c, _ := serve(t, t.TempDir(), defs)

	for _, tc := range []struct {
		name, prompt, arg, value string
		want                     []string
	}{
		{"offers the frameworks the specialist knows", "python-specialist", "framework", "", []string{"FastAPI", "Django", "Flask"}},
		{"filters by what was typed", "python-specialist", "framework", "f", []string{"FastAPI", "Flask"}},
		{"ignores case", "python-specialist", "framework", "DJ", []string{"Django"}},
		{"offers nothing that does not match", "python-specialist", "framework", "rails", []string{}},
		{"offers nothing for the task", "python-specialist", "task", "", []string{}},
		{"offers every known framework to a definition that names none", "reviewer", "framework", "", []string{"FastAPI", "Django", "Flask", "Starlette", "Litestar", "Quart", "Sanic", "Falcon", "Pyramid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := complete(t, c, tc.prompt, tc.arg, tc.value)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	t.Run("an unknown prompt is an error", func(t *testing.T) {
		_, err := complete(t, c, "nope", "framework", "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `no prompt named "nope"`)
	})
}

func TestKnownFrameworks(t *testing.T) {
	t.Parallel()
	d := &Definition{Description: "Builds FLASK apps.", Body: "Use fastapi (not djangoish, not pyramid_x) — or Sanic."}
	assert.Equal(t, []string{"FastAPI", "Flask", "Sanic"}, knownFrameworks(d), "whole words, any case, in detection's order")
	d = &Definition{Description: "A Python expert.", Body: "Writes tests first."}
	assert.Equal(t, pyproject.Frameworks(), knownFrameworks(d), "naming none offers them all")
	assert.Equal(t, []string{"Quart"}, knownFrameworks(&Definition{Body: "Quart"}), "a word at the very end")
}
