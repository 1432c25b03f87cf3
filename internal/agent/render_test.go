package agent

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"
)

// TestRender asks for the python specialist on each fixture workspace in
// testdata/workspace and compares the messages with the archive's @want
// section. The specialist's body, checked to open the first message, is
// shown there as {{body}}.
func TestRender(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/workspace/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			dir := t.TempDir()
			var args map[string]string
			workspace := map[string]string{}
			for _, f := range ar.Files {
				switch f.Name {
				case "@args":
					require.NoError(t, json.Unmarshal(f.Data, &args), "@args")
				case "@want":
				default:
					workspace[f.Name] = string(f.Data)
				}
			}
			writeFiles(t, dir, workspace)

			defs := builtin(t)
			c, _ := serve(t, dir, defs)
			res := get(t, c, "python-specialist", args)
			require.Equal(t, defs[0].Description, res.Description)
			roles, texts := messageTexts(t, res)
			require.NotEmpty(t, texts)
			require.True(t, strings.HasPrefix(texts[0], defs[0].Body+"\n\n## Workspace\n"),
				"the first message opens with the specialist's body, then the Workspace section")

			var got strings.Builder
			for i, text := range texts {
				if i == 0 {
					text = "{{body}}" + strings.TrimPrefix(text, defs[0].Body)
				}
				got.WriteString("[" + roles[i] + "]\n" + text)
				if !strings.HasSuffix(text, "\n") {
					got.WriteString("\n")
				}
			}
			compareSection(t, file, ar, "@want", got.String())
		})
	}
}

// compareSection checks an archive's section against got, or rewrites it
// with -update.
func compareSection(t *testing.T, file string, ar *txtar.Archive, section, got string) {
	t.Helper()
	for i, f := range ar.Files {
		if f.Name != section {
			continue
		}
		if *update {
			ar.Files[i].Data = []byte(got)
			require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
			return
		}
		require.Equal(t, string(f.Data), got, "%s: %s differs; if the change is intended, run go test ./internal/agent -update", file, section)
		return
	}
	if *update {
		ar.Files = append(ar.Files, txtar.File{Name: section, Data: []byte(got)})
		require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
		return
	}
	t.Fatalf("%s has no %s section; run go test ./internal/agent -update", file, section)
}
