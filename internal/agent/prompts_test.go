package agent

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/internal/workspace"
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

// TestDetectIsBounded shows detection stops within its limits on a
// workspace too big to look at whole, and says so.
func TestDetectIsBounded(t *testing.T) {
	t.Parallel()

	t.Run("stops after so many directories and says so", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for i := range scanMaxDirs + 20 {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "pkgs", "p"+strconv.Itoa(i)), 0o755))
		}
		r := detect(t, dir)
		assert.Equal(t, "it had listed 300 directories", r.Cut)
	})

	t.Run("reads no more than so many files", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		files := map[string]string{}
		for i := range 20 {
			for _, f := range []string{"pyproject.toml", "setup.cfg", "Pipfile", "requirements.txt", "requirements-dev.txt", "main.py", "app.py"} {
				files["svc"+strconv.Itoa(i)+"/"+f] = "fastapi\n"
			}
		}
		writeFiles(t, dir, files)
		tr := walk(t.Context(), openWS(t, dir).FS())
		r := report(t.Context(), tr)
		assert.Len(t, r.Projects, 20)
		assert.Equal(t, scanMaxReads, tr.reads)
		assert.Equal(t, "it had read 80 files", tr.cut)
	})

	t.Run("lists only so many entries of one directory", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for i := range scanMaxEntries + 5 {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), nil, 0o644))
		}
		r := detect(t, dir)
		assert.Equal(t, ". has more than 1000 entries; only the first were looked at", r.Cut)
	})

	t.Run("stops when the request's context ends", func(t *testing.T) {
		t.Parallel()
		ws := openWS(t, t.TempDir())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r := Detect(ctx, ws.FS())
		assert.Equal(t, "the request's deadline came", r.Cut)
	})

	t.Run("skips a FIFO instead of blocking on it", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pyproject.toml"), 0o644))
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "main.py"), 0o644))
		writeFiles(t, dir, map[string]string{"requirements.txt": "django\n"})
		r := detect(t, dir)
		require.Len(t, r.Projects, 1)
		require.Len(t, r.Projects[0].Frameworks, 1)
		assert.Equal(t, "Django", r.Projects[0].Frameworks[0].Name)
	})

	t.Run("does not read through a symlink that leads out", func(t *testing.T) {
		t.Parallel()
		outside := t.TempDir()
		writeFiles(t, outside, map[string]string{"requirements.txt": "fastapi\n", "app/main.py": "import fastapi\n"})
		dir := t.TempDir()
		require.NoError(t, os.Symlink(filepath.Join(outside, "requirements.txt"), filepath.Join(dir, "requirements.txt")))
		require.NoError(t, os.Symlink(filepath.Join(outside, "app"), filepath.Join(dir, "app")))
		r := detect(t, dir)
		require.Len(t, r.Projects, 1)
		assert.Empty(t, r.Projects[0].Frameworks)
	})

	t.Run("does not descend into virtual environments or node_modules", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"myenv/pyvenv.cfg":                       "home = /usr/bin\n",
			"myenv/lib/site/flask/app.py":            "import flask\n",
			"myenv/requirements.txt":                 "flask\n",
			"node_modules/x/requirements.txt":        "flask\n",
			".venv/lib/python3.12/requirements.txt":  "flask\n",
			"web/node_modules/pkg/requirements.txt":  "flask\n",
			"web/src/app.py":                         "print('hi')\n",
			"src/tool/__init__.py":                   "",
			"src/tool/cli.py":                        "import argparse\n",
			"src/tool/vendor/flask_stub/__init__.py": "import flask\n",
		})
		r := detect(t, dir)
		require.Len(t, r.Projects, 1, "the venv's requirements.txt is a marker, but nothing inside is read")
		for _, p := range r.Projects {
			assert.Empty(t, p.Frameworks, "project %s", p.Dir)
		}
	})
}

func openWS(t testing.TB, dir string) *workspace.Workspace {
	t.Helper()
	ws, err := workspace.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func detect(t *testing.T, dir string) *Report {
	t.Helper()
	return Detect(t.Context(), openWS(t, dir).FS())
}
