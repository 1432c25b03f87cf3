package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentbox/agentbox/prompts"
)

// dirSource writes files into a fresh directory and returns it as a source
// labelled label.
func dirSource(t *testing.T, label string, files map[string]string) Source {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return Source{Label: label, FS: os.DirFS(dir)}
}

// fileErrors returns the messages of a Load error, one per broken file.
func fileErrors(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var msgs []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FileError
		require.True(t, errors.As(e, &fe), "not a FileError: %v", e)
		msgs = append(msgs, e.Error())
	}
	return msgs
}

const goodDef = `---
name: reviewer
description: Reviews Go code for correctness
tools: Read, Grep, Glob
model: opus
color: blue
---

# Code Reviewer

Review the change.
`

func TestLoad(t *testing.T) {
	t.Parallel()

	t.Run("reads a good file", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(dirSource(t, "agents", map[string]string{"reviewer.md": goodDef}))
		require.NoError(t, err)
		require.Len(t, defs, 1)
		d := defs[0]
		assert.Equal(t, "reviewer", d.Name)
		assert.Equal(t, "Reviews Go code for correctness", d.Description)
		assert.Equal(t, []string{"Read", "Grep", "Glob"}, d.Tools)
		assert.Equal(t, "opus", d.Model)
		assert.Equal(t, "# Code Reviewer\n\nReview the change.", d.Body)
		assert.Equal(t, "Code Reviewer", d.Title())
		assert.Equal(t, "agents/reviewer.md", d.File)
		assert.Equal(t, 2, d.NameLine)
		assert.Empty(t, d.Overrides)
	})

	t.Run("loads the built-in python specialist", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(Source{Label: "prompts", FS: prompts.FS})
		require.NoError(t, err)
		require.Len(t, defs, 1)
		d := defs[0]
		assert.Equal(t, "python-specialist", d.Name)
		assert.Equal(t, "Python backend development expert with FastAPI, Django, Flask, and async programming", d.Description)
		assert.Equal(t, []string{"Read", "Write", "Edit", "Bash", "Grep", "Glob"}, d.Tools)
		assert.Equal(t, "Python Backend Specialist", d.Title())
		assert.True(t, strings.HasPrefix(d.Body, "# Python Backend Specialist\n\nYou are an expert in Python backend development"))
		assert.True(t, strings.HasSuffix(d.Body, "follows Python best practices and PEP 8 style guide."))
	})

	t.Run("reads the header forms other clients write", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(dirSource(t, "agents", map[string]string{
			"quoted.md":  "\ufeff---\r\nname: \"quoted\"\r\ndescription: 'It''s quoted'\r\ntools: [Read, \"Grep\"]\r\n---\r\nBody\r\n",
			"lists.md":   "---\n# a comment\nname: lists\ndescription: >\n  Folded over\n  two lines\ntools:\n  - Read\n  - Glob\n---\nBody\n",
			"notools.md": "---\nname: notools\ndescription: Uses every tool\n---\nBody\n",
		}))
		require.NoError(t, err)
		require.Len(t, defs, 3)
		assert.Equal(t, "lists", defs[0].Name)
		assert.Equal(t, "Folded over two lines", defs[0].Description)
		assert.Equal(t, []string{"Read", "Glob"}, defs[0].Tools)
		assert.Equal(t, "notools", defs[1].Name)
		assert.Nil(t, defs[1].Tools, "no tools: line means every tool")
		assert.Equal(t, "quoted", defs[2].Name)
		assert.Equal(t, "It's quoted", defs[2].Description)
		assert.Equal(t, []string{"Read", "Grep"}, defs[2].Tools)
		assert.Equal(t, "Body", defs[2].Body)
	})

	t.Run("reports broken files with file and line and loads the rest", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(dirSource(t, "agents", map[string]string{
			"good.md":       goodDef,
			"noname.md":     "---\ndescription: x\n---\nBody\n",
			"nodesc.md":     "---\nname: nodesc\n---\nBody\n",
			"badline.md":    "---\nname: badline\ndescription: x\nthis is not a key\n---\nBody\n",
			"noheader.md":   "# Just markdown\n",
			"unclosed.md":   "---\nname: unclosed\ndescription: x\n",
			"badname.md":    "---\nname: has spaces\ndescription: x\n---\nBody\n",
			"twice.md":      "---\nname: twice\nname: again\ndescription: x\n---\nBody\n",
			"nobody.md":     "---\nname: nobody\ndescription: x\n---\n\n",
			"stray.md":      "---\n  indented: x\nname: stray\ndescription: x\n---\nBody\n",
			"notes.txt":     "not a definition",
			".hidden.md":    "not read",
			"sub/nested.md": goodDef,
		}))
		require.Len(t, defs, 1)
		assert.Equal(t, "reviewer", defs[0].Name)
		assert.Equal(t, []string{
			`agents/badline.md:4: header line "this is not a key" is not "key: value"`,
			`agents/badname.md:2: name "has spaces" is not usable as a prompt name: use letters, digits, '-', '_' or '.', starting with a letter or digit, at most 64 characters`,
			`agents/nobody.md:5: the definition has no body: write the agent's instructions after the header`,
			`agents/nodesc.md:1: the header has no description: add a line like "description: what this agent is for"`,
			`agents/noheader.md:1: no header: the file must start with a "---" line, then name: and description: lines, then "---"`,
			`agents/noname.md:1: the header has no name: add a line like "name: my-agent"`,
			`agents/stray.md:2: indented line "indented: x" belongs to no key: indent only the lines that continue a key with no value on its own line`,
			`agents/twice.md:3: key "name" appears twice in the header`,
			`agents/unclosed.md:1: the header opened here is never closed: add a "---" line after its last key`,
		}, fileErrors(t, err))
	})

	t.Run("refuses a second file with a name already taken", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(dirSource(t, "agents", map[string]string{
			"a.md": goodDef,
			"b.md": "---\ndescription: another\nname: reviewer\n---\nBody\n",
		}))
		require.Len(t, defs, 1)
		assert.Equal(t, "agents/a.md", defs[0].File)
		assert.Equal(t, []string{
			`agents/b.md:3: name "reviewer" is already taken by agents/a.md:2; give one of them another name`,
		}, fileErrors(t, err))
	})

	t.Run("later sources override earlier ones by name", func(t *testing.T) {
		t.Parallel()
		def := func(desc string) string {
			return "---\nname: reviewer\ndescription: " + desc + "\n---\nBody\n"
		}
		embedded := dirSource(t, "prompts", map[string]string{"reviewer.md": def("embedded"), "only-embedded.md": strings.Replace(def("e"), "reviewer", "only-embedded", 1)})
		flagDir := dirSource(t, "/etc/agents", map[string]string{"reviewer.md": def("from --prompts")})
		workspace := dirSource(t, ".claude/agents", map[string]string{"mine.md": def("from the workspace")})

		defs, err := Load(embedded, flagDir, workspace)
		require.NoError(t, err)
		require.Len(t, defs, 2)
		assert.Equal(t, "only-embedded", defs[0].Name)
		assert.Equal(t, "from the workspace", defs[1].Description)
		assert.Equal(t, ".claude/agents/mine.md", defs[1].File)
		assert.Equal(t, "/etc/agents/reviewer.md", defs[1].Overrides)

		defs, err = Load(embedded, flagDir)
		require.NoError(t, err)
		assert.Equal(t, "from --prompts", defs[1].Description)
		assert.Equal(t, "prompts/reviewer.md", defs[1].Overrides)
	})

	t.Run("a missing directory contributes nothing", func(t *testing.T) {
		t.Parallel()
		defs, err := Load(Source{Label: ".claude/agents", FS: os.DirFS(filepath.Join(t.TempDir(), "missing"))})
		require.NoError(t, err)
		assert.Empty(t, defs)
	})

	t.Run("skips what is not a small regular file without blocking", func(t *testing.T) {
		t.Parallel()
		src := dirSource(t, "agents", map[string]string{
			"good.md": goodDef,
			"huge.md": "---\nname: huge\ndescription: x\n---\n" + strings.Repeat("x", maxDefinitionSize),
		})
		defs, err := Load(src)
		require.Len(t, defs, 1)
		assert.Equal(t, []string{
			`agents/huge.md: too large (262178 bytes; a definition may have at most 262144)`,
		}, fileErrors(t, err))
	})
}
