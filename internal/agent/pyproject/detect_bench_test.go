package pyproject

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"
)

// BenchmarkDetect measures one prompts/get's look at the workspace: on the
// FastAPI fixture, and on a large tree where the limits do the work.
func BenchmarkDetect(b *testing.B) {
	b.Run("fastapi", func(b *testing.B) {
		ar, err := txtar.ParseFile("../testdata/workspace/fastapi.txtar") // internal/agent's rendering fixture
		require.NoError(b, err)
		files := map[string]string{}
		for _, f := range ar.Files {
			if f.Name[0] != '@' {
				files[f.Name] = string(f.Data)
			}
		}
		benchDetect(b, files)
	})
	b.Run("large", func(b *testing.B) {
		files := map[string]string{"pyproject.toml": "[project]\ndependencies = [\"django\"]\n", "manage.py": ""}
		for i := range 2000 {
			files["apps/app"+strconv.Itoa(i%200)+"/sub"+strconv.Itoa(i/200)+"/models.py"] = "from django.db import models\n"
		}
		benchDetect(b, files)
	})
}

func benchDetect(b *testing.B, files map[string]string) {
	dir := b.TempDir()
	writeFiles(b, dir, files)
	fsys := openFS(b, dir)
	b.ReportAllocs()
	for b.Loop() {
		Detect(b.Context(), fsys)
	}
}
