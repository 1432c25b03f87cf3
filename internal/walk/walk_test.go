package walk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tree writes files (name → content) under dir; a content starting with
// "-> " makes a symlink to the rest.
func tree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			require.NoError(t, os.Symlink(target, p))
			continue
		}
		if strings.HasSuffix(name, "/") {
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

// list walks and returns the sorted paths visited.
func list(t *testing.T, root *os.Root, opts Options) ([]string, Stats) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	st, err := Walk(t.Context(), root, opts, func(e *Entry) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.Path)
		return nil
	})
	require.NoError(t, err)
	sort.Strings(got)
	return got, st
}

func TestWalkIgnoreRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		".git/HEAD":               "ref: refs/heads/main\n",
		".git/info/exclude":       "excluded.txt\n",
		".gitignore":              "*.log\n!keep.log\nbuild/\n/rootonly.txt\nnode_modules\n",
		".hidden":                 "h\n",
		".config/settings.json":   "{}\n",
		"a.go":                    "package a\n",
		"debug.log":               "x\n",
		"keep.log":                "x\n",
		"excluded.txt":            "x\n",
		"rootonly.txt":            "x\n",
		"build/out.bin":           "x\n",
		"node_modules/m/index.js": "x\n",
		"src/rootonly.txt":        "kept: the pattern is anchored to the top\n",
		"src/.gitignore":          "gen_*.go\n!gen_keep.go\n",
		"src/gen_a.go":            "x\n",
		"src/gen_keep.go":         "x\n",
		"src/deep/gen_b.go":       "x\n",
		"src/deep/.gitignore":     "!gen_b.go\n", // a deeper file re-includes
		"src/deep/x.log":          "x\n",
		"docs/.ignore":            "*.md\n!README.md\n",
		"docs/.gitignore":         "!*.md\n", // .ignore outranks .gitignore
		"docs/a.md":               "x\n",
		"docs/README.md":          "x\n",
		"vendor/.svn/entries":     "x\n",
		"vendor/.hg/store":        "x\n",
		"vendor/lib.go":           "x\n",
		"global.tmp":              "x\n",
		"nested/.git/HEAD":        "x\n",
		"nested/app.log":          "the parent's *.log stops at the nested repository\n",
		"nested/.gitignore":       "*.tmp\n",
		"nested/x.tmp":            "x\n",
	})
	root := openRoot(t, dir)
	global := ParseRules([]byte("*.tmp\n"))

	got, st := list(t, root, Options{Global: global})
	assert.Equal(t, []string{
		".config/settings.json", ".gitignore", ".hidden", "a.go", "docs/.gitignore", "docs/.ignore",
		"docs/README.md", "keep.log", "nested/.gitignore", "nested/app.log",
		"src/.gitignore", "src/deep/.gitignore", "src/deep/gen_b.go", "src/gen_keep.go", "src/rootonly.txt",
		"vendor/lib.go",
	}, got)
	assert.Equal(t, int64(10), st.Ignored)
	assert.Empty(t, st.Errors)

	t.Run("NoIgnore lists ignored files but never VCS directories", func(t *testing.T) {
		got, _ := list(t, root, Options{NoIgnore: true, Global: global})
		assert.Contains(t, got, "build/out.bin")
		assert.Contains(t, got, "debug.log")
		assert.Contains(t, got, "global.tmp")
		for _, p := range got {
			assert.NotRegexp(t, `(^|/)\.(git|svn|hg)/`, p)
		}
	})
	t.Run("a start below the root keeps the rules above it", func(t *testing.T) {
		got, _ := list(t, root, Options{Start: "src/deep", Global: global})
		assert.Equal(t, []string{"src/deep/.gitignore", "src/deep/gen_b.go"}, got)
	})
	t.Run("an ignored start directory is walked when asked for", func(t *testing.T) {
		got, _ := list(t, root, Options{Start: "build"})
		assert.Equal(t, []string{"build/out.bin"}, got)
	})
	t.Run("Filter decides before the ignore rules", func(t *testing.T) {
		got, _ := list(t, root, Options{Filter: func(rel string, isDir bool) Decision {
			switch {
			case isDir && rel == "src":
				return Exclude
			case strings.HasSuffix(rel, ".log"):
				return Include
			}
			return Pass
		}})
		assert.Contains(t, got, "debug.log")
		assert.NotContains(t, got, "src/gen_keep.go")
		assert.NotContains(t, got, "build/out.bin") // the directory stays ignored
	})
}

func TestWalkSymlinks(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	tree(t, outside, map[string]string{"secret.txt": "secret\n", "d/f.txt": "x\n"})
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		"real/file.txt":  "x\n",
		"link.txt":       "-> real/file.txt",
		"linkdir":        "-> real",
		"out.txt":        "-> " + filepath.Join(outside, "secret.txt"),
		"outdir":         "-> " + outside,
		"rel-out.txt":    "-> ../../../../../../../../" + filepath.Join(outside, "secret.txt"),
		"dangling.txt":   "-> nowhere",
		"loop":           "-> loop",
		"real/up.txt":    "-> ../real/file.txt",
		"real/escape.go": "-> ../../x",
	})
	root := openRoot(t, dir)
	got, st := list(t, root, Options{})
	assert.Equal(t, []string{"link.txt", "real/file.txt", "real/up.txt"}, got)
	assert.Empty(t, st.Errors)

	// A link's content is its target's, read through the workspace.
	_, err := Walk(t.Context(), root, Options{}, func(e *Entry) error {
		f, info, err := e.Open()
		require.NoError(t, err)
		defer f.Close()
		assert.Equal(t, int64(2), info.Size())
		b, err := io.ReadAll(f)
		require.NoError(t, err)
		assert.Equal(t, "x\n", string(b), e.Path)
		fi, err := e.Info()
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular())
		return nil
	})
	require.NoError(t, err)
}

func TestWalkStopsAndCaps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 30 {
		files[fmt.Sprintf("d%02d/f%02d.txt", i%5, i)] = "x"
	}
	tree(t, dir, files)
	root := openRoot(t, dir)

	t.Run("at the entry cap", func(t *testing.T) {
		got, st := list(t, root, Options{MaxEntries: 10})
		assert.True(t, st.Truncated)
		assert.Less(t, len(got), 10)
	})
	t.Run("when visit says stop", func(t *testing.T) {
		var mu sync.Mutex
		n := 0
		_, err := Walk(t.Context(), root, Options{Workers: 1}, func(e *Entry) error {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n == 3 {
				return ErrStop
			}
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 3, n)
	})
	t.Run("when visit fails", func(t *testing.T) {
		boom := fmt.Errorf("boom")
		_, err := Walk(t.Context(), root, Options{}, func(e *Entry) error { return boom })
		assert.ErrorIs(t, err, boom)
	})
	t.Run("when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var once sync.Once
		_, err := Walk(ctx, root, Options{}, func(e *Entry) error {
			once.Do(cancel)
			return nil
		})
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("in name order with one worker", func(t *testing.T) {
		var got []string
		_, err := Walk(t.Context(), root, Options{Workers: 1}, func(e *Entry) error {
			got = append(got, e.Path)
			return nil
		})
		require.NoError(t, err)
		assert.True(t, slices.IsSorted(got), "%v", got)
		assert.Len(t, got, 30)
	})
}

func TestWalkReportsAndGoesOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]string{"a.txt": "x", "b/1.txt": "x", "c/2.txt": "x"})
	root := openRoot(t, dir)
	// With one worker the root's files come first: removing b/ then makes
	// its read fail, as in a tree being deleted under the walk.
	var got []string
	st, err := Walk(t.Context(), root, Options{Workers: 1}, func(e *Entry) error {
		got = append(got, e.Path)
		if e.Path == "a.txt" {
			require.NoError(t, os.RemoveAll(filepath.Join(dir, "b")))
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.txt", "c/2.txt"}, got)
	require.Equal(t, 1, st.ErrorCount)
	assert.Equal(t, "open b: no such file or directory", st.Errors[0].Error())
}

func TestWalkStartErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]string{"f.txt": "x"})
	root := openRoot(t, dir)
	_, st := list(t, root, Options{Start: "missing"})
	require.Equal(t, 1, st.ErrorCount)
	assert.Equal(t, "open missing: no such file or directory", st.Errors[0].Error())
}

// TestWalkMatchesGit checks the ignore rules against git itself: the files
// the walk lists must be exactly those git reports as untracked and not
// ignored.
func TestWalkMatchesGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		".gitignore":              "*.o\n/out/\ndoc/**/*.tmp\n**/cache\n!important.o\nlogs/*\n!logs/keep/\n[Bb]uild*/\n*~\n\\#*#\nfoo/**/bar\n",
		"main.c":                  "x",
		"main.o":                  "x",
		"important.o":             "x",
		"out/bin":                 "x",
		"src/out/kept.c":          "x",
		"doc/a/b/x.tmp":           "x",
		"doc/x.tmp":               "x",
		"doc/readme":              "x",
		"a/cache/x":               "x",
		"cache":                   "x",
		"logs/today.log":          "x",
		"logs/keep/a.log":         "x",
		"Build-debug/x":           "x",
		"build_release/y":         "x",
		"builds.txt":              "x",
		"notes.txt~":              "x",
		"#autosave#":              "x",
		"foo/bar":                 "x",
		"foo/x/y/bar":             "x",
		"foo/barn":                "x",
		"sub/.gitignore":          "*.c\n!keep.c\n/local\n",
		"sub/a.c":                 "x",
		"sub/keep.c":              "x",
		"sub/local":               "x",
		"sub/deeper/local":        "x",
		"sub/deeper/b.c":          "x",
		"sub/deeper/.gitignore":   "!b.c\n",
		"space dir/file name.txt": "x",
		"weird/[x].txt":           "x",
		"weird/.gitignore":        "\\[x\\].txt\n",
		"global-ignored.swp":      "x",
		"info-excluded.txt":       "x",
		"sub/info-excluded.txt":   "x",
		"x/y/z/deep.o":            "x",
		"unicode/é.txt":           "x",
		"unicode/.gitignore":      "?.txt\n",
		"trail/.gitignore":        "spaced  \n",
		"trail/spaced":            "x",
		"neg/.gitignore":          "*\n!*/\n!*.keep\n",
		"neg/a.keep":              "x",
		"neg/b.drop":              "x",
		"neg/inner/c.keep":        "x",
		"neg/inner/d.drop":        "x",
		"dironly/.gitignore":      "thing/\n",
		"dironly/thing":           "a file named thing stays",
		"dironly/sub/thing/x":     "x",
	})
	global := filepath.Join(t.TempDir(), "global-ignore")
	require.NoError(t, os.WriteFile(global, []byte("*.swp\n"), 0o644))
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	git("init", "-q")
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".git", "info", "exclude"), []byte("info-excluded.txt\n"), 0o644))
	out := git("-c", "core.excludesFile="+global, "-c", "core.quotePath=false", "ls-files", "--others", "--exclude-standard", "-z")
	want := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
	sort.Strings(want)

	data, err := os.ReadFile(global)
	require.NoError(t, err)
	got, _ := list(t, openRoot(t, dir), Options{Global: ParseRules(data)})
	assert.Equal(t, want, got)
}

func TestWalkNotice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]string{
		".gitignore":          "build/\n*.log\n",
		"a/b/c.go":            "x",
		"a/x.log":             "x",
		"build/out.bin":       "x",
		"empty/":              "",
		".git/config":         "x",
		"a/node/keep/kept.go": "x",
	})
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	var mu sync.Mutex
	var got []string
	_, err := Walk(t.Context(), openRoot(t, dir), Options{Notice: func(p string, isDir, ignored bool) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s dir=%v ignored=%v", p, isDir, ignored))
	}}, func(*Entry) error { return nil })
	require.NoError(t, err)
	sort.Strings(got)
	assert.Equal(t, []string{
		"a dir=true ignored=false",
		"a/b dir=true ignored=false",
		"a/node dir=true ignored=false",
		"a/node/keep dir=true ignored=false",
		"a/x.log dir=false ignored=true",
		"build dir=true ignored=true",
		"empty dir=true ignored=false",
	}, got, "kept directories and ignored entries are noticed; .git never")
}

// TestEntryInfo checks an entry's info and time against os.Lstat's (for a
// link, os.Stat's of its target), down to the mode bits and Sys, which the
// checkpoint journal reads.
func TestEntryInfo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tree(t, dir, map[string]string{"a/plain.txt": "hello\n", "a/run.sh": "#!/bin/sh\n", "a/link.txt": "-> plain.txt", "b/f": "1234"})
	require.NoError(t, os.Chmod(filepath.Join(dir, "a/run.sh"), 0o4751))
	require.NoError(t, os.Chmod(filepath.Join(dir, "a/plain.txt"), 0o2640))
	mt := time.Date(2021, 3, 4, 5, 6, 7, 891, time.UTC)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "a/plain.txt"), mt, mt))
	root := openRoot(t, dir)
	var mu sync.Mutex
	seen := 0
	_, err := Walk(t.Context(), root, Options{}, func(e *Entry) error {
		want, err := os.Lstat(filepath.Join(dir, e.Path))
		if e.Link {
			want, err = os.Stat(filepath.Join(dir, e.Path))
		}
		require.NoError(t, err)
		fi, err := e.Info()
		require.NoError(t, err)
		mtime, err := e.ModTime()
		require.NoError(t, err)
		mu.Lock()
		defer mu.Unlock()
		seen++
		assert.Equal(t, want.Mode(), fi.Mode(), e.Path)
		assert.Equal(t, want.Size(), fi.Size(), e.Path)
		assert.True(t, want.ModTime().Equal(fi.ModTime()), e.Path)
		assert.True(t, want.ModTime().Equal(mtime), e.Path)
		assert.IsType(t, want.Sys(), fi.Sys(), e.Path)
		if e.Path == "a/plain.txt" || e.Path == "a/link.txt" {
			assert.True(t, mtime.Equal(mt), e.Path)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 4, seen)
}

// TestWalkClosesDirectories checks that every directory descriptor a walk
// opens is closed, whether the walk ends, stops, hits the cap or is
// cancelled. Not parallel: it counts the process's descriptors.
func TestWalkClosesDirectories(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("d%d/e%d/f%03d.txt", i%7, i%3, i)] = "x"
	}
	tree(t, dir, files)
	root := openRoot(t, dir)
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		require.NoError(t, err)
		return len(entries)
	}
	var mu sync.Mutex
	n := 0
	walks := map[string]func() error{
		"whole": func() error {
			_, err := Walk(t.Context(), root, Options{}, func(e *Entry) error { return nil })
			return err
		},
		"stopped": func() error {
			_, err := Walk(t.Context(), root, Options{}, func(e *Entry) error {
				mu.Lock()
				defer mu.Unlock()
				if n++; n%50 == 0 {
					return ErrStop
				}
				return nil
			})
			return err
		},
		"capped": func() error {
			_, err := Walk(t.Context(), root, Options{MaxEntries: 20}, func(e *Entry) error { return nil })
			return err
		},
		"cancelled": func() error {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var once sync.Once
			_, err := Walk(ctx, root, Options{}, func(e *Entry) error {
				once.Do(cancel)
				return nil
			})
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	for name, walk := range walks {
		before := fds() // per walk, so a leak is blamed on the walk that leaked
		for range 5 {
			require.NoError(t, walk(), name)
		}
		assert.Equal(t, before, fds(), name)
	}
}
