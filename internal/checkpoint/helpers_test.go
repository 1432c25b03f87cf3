package checkpoint

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixture is a workspace and its journal, in temporary directories.
type fixture struct {
	t    *testing.T
	ws   string // the workspace's real path
	dir  string // the journal's
	opts Options
	j    *Journal
}

func newFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	return newFixtureWith(t, files, Options{})
}

// newFixtureWith makes a fixture whose journal has opts (Dir and Live
// are set here).
func newFixtureWith(t *testing.T, files map[string]string, opts Options) *fixture {
	t.Helper()
	ws, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	writeTree(t, ws, files)
	f := &fixture{t: t, ws: ws, dir: filepath.Join(t.TempDir(), "journal"), opts: opts}
	f.j = f.open(true)
	<-f.j.Primed()
	return f
}

// open opens another Journal on the fixture's workspace and journal, as
// another process would.
func (f *fixture) open(live bool) *Journal {
	f.t.Helper()
	root, err := os.OpenRoot(f.ws)
	require.NoError(f.t, err)
	opts := f.opts
	opts.Dir, opts.Live = f.dir, live
	j, err := Open(root, f.ws, opts)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { j.Close(); root.Close() })
	return j
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// sh runs a shell command in the workspace, as Bash would, recorded as a
// scan operation, and returns its checkpoint.
func (f *fixture) sh(command string) *Checkpoint {
	f.t.Helper()
	op, err := f.j.BeginScan(f.t.Context(), "Bash", command)
	require.NoError(f.t, err)
	run(f.t, f.ws, command)
	cp, err := op.Done(f.t.Context())
	require.NoError(f.t, err)
	return cp
}

func run(t *testing.T, dir, command string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s: %s", command, out)
}

// write replaces a file as Write would, recorded as a Begin operation.
func (f *fixture) write(name, content string) *Checkpoint {
	f.t.Helper()
	op := f.j.Begin("Write", name, name)
	p := filepath.Join(f.ws, filepath.FromSlash(name))
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
	cp, err := op.Done(f.t.Context())
	require.NoError(f.t, err)
	return cp
}

// snapshot is a tree's every path (but .git) with its type, mode and
// content, for comparing trees.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		require.NoError(t, err)
		switch {
		case fi.IsDir():
			out[rel] = "dir " + fi.Mode().Perm().String()
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "link " + target
		default:
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			out[rel] = "file " + fi.Mode().Perm().String() + " " + string(data)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// kinds lists a checkpoint's changes as "change path" lines.
func kinds(cp *Checkpoint) string {
	if cp == nil {
		return ""
	}
	var lines []string
	for _, fc := range cp.Files {
		lines = append(lines, string(fc.Change)+" "+fc.Path)
	}
	return strings.Join(lines, "\n")
}
