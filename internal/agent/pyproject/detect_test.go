package pyproject

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDetect checks what a small FastAPI project reports, field by field,
// as the Workspace section reads it.
func TestDetect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"pyproject.toml":    "[project]\nrequires-python = \">=3.11\"\ndependencies = [\"fastapi>=0.115\", \"sqlalchemy\"]\n[dependency-groups]\ndev = [\"pytest>=8\"]\n[tool.pytest.ini_options]\naddopts = \"-q\"\n",
		"uv.lock":           "",
		"app/main.py":       "from fastapi import FastAPI\n\napp = FastAPI()\n",
		"app/models.py":     "",
		"tests/conftest.py": "",
	})
	r := detect(t, dir)
	assert.Empty(t, r.Cut)
	require.Len(t, r.Projects, 1)
	p := r.Projects[0]
	assert.Equal(t, ".", p.Dir)
	assert.Equal(t, []string{"pyproject.toml"}, p.Files)
	assert.Equal(t, []Detected{{Name: "FastAPI", Evidence: []string{
		"pyproject.toml:3 depends on fastapi>=0.115",
		"app/main.py:1 `from fastapi import FastAPI`",
	}}}, p.Frameworks)
	assert.Equal(t, []Requirement{{Name: "sqlalchemy", Spec: "sqlalchemy", File: "pyproject.toml", Line: 3}}, p.Libraries)
	assert.Equal(t, []Hint{{Text: "requires-python >=3.11", Where: "pyproject.toml:2"}}, p.Python)
	assert.Equal(t, []Hint{{Text: "pip", Where: "pyproject.toml [project]"}, {Text: "uv", Where: "uv.lock"}}, p.Managers)
	assert.Equal(t, Tests{
		Configs:   []TestConfig{{Where: "pyproject.toml:7", Section: "[tool.pytest.ini_options]", Settings: []string{"addopts = -q"}}},
		Deps:      []Requirement{{Name: "pytest", Spec: "pytest>=8", File: "pyproject.toml", Line: 5}},
		Conftests: []string{"tests/conftest.py"},
	}, p.Tests)
	assert.Equal(t, []string{"app/main.py:3 `app = FastAPI()` (ASGI app app.main:app)"}, p.Entry)
	assert.Equal(t, []Layout{{Kind: "models", Paths: []string{"app/models.py"}}, {Kind: "tests", Paths: []string{"tests/"}}}, p.Layout)
}

func TestFrameworks(t *testing.T) {
	t.Parallel()
	names := Frameworks()
	assert.Equal(t, "FastAPI", names[0])
	assert.Contains(t, names, "Django")
	names[0] = "changed"
	assert.Equal(t, "FastAPI", Frameworks()[0], "callers get a copy")
}

// TestCut shows a shortened text never ends in half a character.
func TestCut(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", cut("short", 10))
	assert.Equal(t, "abcdefg...", cut("abcdefghijkl", 10))
	// "é" is two bytes: keeping 7 would split the fourth, so 6 are kept.
	assert.Equal(t, "ééé...", cut("éééééé", 10))
	assert.Equal(t, "éééé...", cut("éééééé", 11))
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
		tr := walk(t.Context(), openFS(t, dir))
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
		fsys := openFS(t, t.TempDir())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		r := Detect(ctx, fsys)
		assert.Equal(t, "the request's deadline came", r.Cut)
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

// openFS opens dir as the server does: an os.Root's FS, which refuses
// names that lead out of it.
func openFS(t testing.TB, dir string) fs.FS {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	return root.FS()
}

func detect(t *testing.T, dir string) *Report {
	t.Helper()
	return Detect(t.Context(), openFS(t, dir))
}

// writeFiles puts files (slash paths) into dir, which has none of them.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(content), Mode: 0o644}
	}
	require.NoError(t, os.CopyFS(dir, fsys))
}
