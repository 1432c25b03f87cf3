package check

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

// Limits of one Diagnostics call, which its description states.
const (
	TreeTimeout  = 60 * time.Second // one call, all checkers together
	TreeMaxShown = 200              // problems one result lists
)

// treeMaxEntries is how many files and directories the walk looks at.
const treeMaxEntries = 200_000

// treeSkipDirs are directories that hold other people's code or generated
// files: virtual environments, caches, installed packages.
var treeSkipDirs = map[string]bool{
	".venv": true, "venv": true, "node_modules": true, "__pycache__": true, "site-packages": true,
	".tox": true, ".nox": true, ".mypy_cache": true, ".ruff_cache": true, ".pytest_cache": true,
}

// Request is one Diagnostics check.
type Request struct {
	Name   string      // the file or directory as the client gave it, for the result
	Rel    string      // the same, workspace-relative
	IsDir  bool        // Rel is a directory: check every file of a known language under it
	GoVet  bool        // also run go vet on the Go packages
	Ignore *walk.Rules // the user's global git excludes, which the walk honours like .gitignore
}

// Diagnose checks a file (for Go, its package with its tests) or every
// file of a language it knows under a directory, with every checker of
// the language, and words what they found. It stops after TreeTimeout,
// saying what it did not check. Its error, for a file of no language
// check knows or a walk that failed, is phrased to follow the path.
func (c *Checker) Diagnose(ctx context.Context, req Request) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, TreeTimeout)
	defer cancel()
	disp := workspace.Display(req.Rel)
	trees := make([]tree, len(languages))
	for i, l := range languages {
		trees[i] = l.tree(c, disp)
	}
	cut := ""
	if req.IsDir {
		var err error
		if cut, err = c.walkTree(ctx, disp, req.Ignore, trees); err != nil {
			return "", err
		}
	} else {
		i := slices.Index(languages, languageOf(disp))
		if i < 0 {
			return "", errNoLanguage
		}
		trees[i].file(disp)
	}

	reports := make([]report, len(trees))
	var wg conc.WaitGroup
	for i, t := range trees {
		wg.Go(func() { reports[i] = t.check(ctx, treeOptions{goVet: req.GoVet}) })
	}
	wg.Wait()
	return treeText(req.Name, reports, cut, ctx.Err() != nil), nil
}

// errNoLanguage refuses a file of no language check knows.
var errNoLanguage = func() error {
	var names, what []string
	for _, l := range languages {
		names, what = append(names, l.name), append(what, l.what)
	}
	return fmt.Errorf("is not a %s file; Diagnostics checks %s, or every such file under a directory", orList(names), andList(what))
}()

// walkTree shows each tree the files under dir it wants to see. It says
// why it stopped early, if it did.
func (c *Checker) walkTree(ctx context.Context, dir string, ignore *walk.Rules, trees []tree) (string, error) {
	var mu sync.Mutex
	opts := walk.Options{
		Start:      dir,
		Global:     ignore,
		MaxEntries: treeMaxEntries,
		Filter: func(rel string, isDir bool) walk.Decision {
			if isDir && treeSkipDirs[path.Base(rel)] {
				return walk.Exclude
			}
			return walk.Pass
		},
	}
	st, err := walk.Walk(ctx, c.ws.Root(), opts, func(e *walk.Entry) error {
		mu.Lock()
		defer mu.Unlock()
		for i, l := range languages {
			if l.wants(e.Name()) {
				trees[i].see(e.Path)
				break
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the search for files ran out of time", nil
	case err != nil:
		return "", err
	case st.Truncated:
		return fmt.Sprintf("the search for files stopped after %d entries", treeMaxEntries), nil
	}
	return "", nil
}

// treeText words a Diagnostics result from the languages' reports.
func treeText(name string, reports []report, cut string, late bool) string {
	var found []finding
	var notes []string
	for _, r := range reports {
		found = append(found, r.findings...)
		notes = append(notes, r.notes...)
	}
	slices.SortFunc(found, byPosition)
	found = slices.Compact(found)
	files := map[string]bool{}
	for _, f := range found {
		files[f.file] = true
	}

	var what []string
	for i, r := range reports {
		if r.checked > 0 {
			what = append(what, fmt.Sprintf("%s (%s)", plural(r.checked, languages[i].unit), strings.Join(r.checkers, ", ")))
		}
	}
	var b strings.Builder
	switch {
	case len(what) == 0 && name == ".":
		b.WriteString("Nothing was checked in the workspace")
	case len(what) == 0:
		fmt.Fprintf(&b, "Nothing was checked in %s", name)
	case len(found) == 0:
		fmt.Fprintf(&b, "No problems found in %s", strings.Join(what, " and "))
	default:
		fmt.Fprintf(&b, "%s in %s, checking %s", plural(len(found), "problem"), plural(len(files), "file"), strings.Join(what, " and "))
	}
	b.WriteString(".")
	if cut != "" {
		notes = append(notes, cut+", so some files were not checked")
	}
	if late {
		notes = append(notes, fmt.Sprintf("the checks stopped at the %s limit, so some were not run", seconds(TreeTimeout)))
	}
	if len(what) == 0 && len(notes) == 0 {
		var exts []string
		for _, l := range languages {
			exts = append(exts, l.exts[0])
		}
		notes = append(notes, "there are no "+orList(exts)+" files here")
	}
	for _, n := range notes {
		b.WriteString("\nNote: " + n + ".")
	}
	prev := "\x00"
	for i, f := range found {
		if i == TreeMaxShown {
			fmt.Fprintf(&b, "\n\n(%d more problems not shown: check a smaller path to see them.)", len(found)-TreeMaxShown)
			break
		}
		if f.file != prev {
			b.WriteString("\n")
			prev = f.file
		}
		b.WriteString("\n" + f.String())
	}
	return b.String()
}

// seconds writes a duration the way people say it: "60s", not "1m0s".
func seconds(d time.Duration) string { return fmt.Sprintf("%gs", d.Seconds()) }

// plural returns "1 file" or "3 files".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// orList is "a", "a or b", "a, b or c"; andList the same with "and".
func orList(s []string) string  { return list(s, " or ") }
func andList(s []string) string { return list(s, " and ") }

func list(s []string, last string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + last + s[len(s)-1]
}
