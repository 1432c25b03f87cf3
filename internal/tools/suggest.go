package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/textedit"
	"github.com/agentbox/agentbox/internal/workspace"
)

const (
	suggestMax     = 5    // similar names offered for a missing file
	suggestScanMax = 5000 // directory entries compared at most
	listMax        = 40   // entries shown for a directory given as a file
)

// explain adds to a missing-file error what the model can try instead:
// names in the same directory that look like the one it asked for, or the
// nearest directory that does exist.
func (t *Toolset) explain(name string, err error) error {
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	rel, rerr := t.ws.Rel(name)
	if rerr != nil {
		return err
	}
	dir, base := filepath.Split(rel)
	dir = filepath.Clean(dir)
	entries, derr := t.ws.ReadDir(dir)
	if derr != nil {
		// Walk up to the nearest directory that exists.
		for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
			if fi, err := t.ws.Stat(d); err == nil && fi.IsDir() {
				return fmt.Errorf("%s: does not exist: its directory %s does not exist either (the nearest that does is %s). Use Glob to find the file",
					name, workspace.Display(dir), displayDir(d))
			}
			if d == "." {
				break
			}
		}
		return fmt.Errorf("%s: does not exist", name)
	}
	if similar := similarNames(base, entries); len(similar) > 0 {
		for i, s := range similar {
			similar[i] = workspace.Display(filepath.Join(dir, s))
		}
		return fmt.Errorf("%s: does not exist. Did you mean %s?", name, strings.Join(similar, " or "))
	}
	return fmt.Errorf("%s: does not exist (paths are relative to the workspace root). Use Glob with pattern %q to search for it", name, "**/"+base)
}

func displayDir(d string) string {
	if d == "." {
		return "the workspace root"
	}
	return workspace.Display(d) + "/"
}

// similarNames returns entry names close to base: the same letters in
// another case, a small typo, or the same stem with another extension.
func similarNames(base string, entries []fs.DirEntry) []string {
	type scored struct {
		name  string
		score int
	}
	var found []scored
	lower := strings.ToLower(base)
	stem := strings.TrimSuffix(lower, filepath.Ext(lower))
	budget := 1
	switch n := len([]rune(base)); {
	case n > 12:
		budget = 3
	case n > 4:
		budget = 2
	}
	for i, e := range entries {
		if i == suggestScanMax {
			break
		}
		n := strings.ToLower(e.Name())
		switch d := textedit.Distance(lower, n, budget); {
		case n == lower:
			found = append(found, scored{e.Name(), 0})
		case d <= budget:
			found = append(found, scored{e.Name(), d})
		case stem != "" && strings.TrimSuffix(n, filepath.Ext(n)) == stem:
			found = append(found, scored{e.Name(), budget + 1})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int { return a.score - b.score })
	var names []string
	for _, f := range found[:min(len(found), suggestMax)] {
		names = append(names, f.name)
	}
	return names
}

// dirError explains that a directory was given where a file was expected,
// and shows what is in it.
func (t *Toolset) dirError(name string) error {
	entries, err := t.ws.ReadDir(name)
	if err != nil {
		return &workspace.PathError{Path: name, Err: workspace.ErrIsDir}
	}
	var names []string
	for _, e := range entries[:min(len(entries), listMax)] {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	more := ""
	if len(entries) > listMax {
		more = fmt.Sprintf(", … (%d entries in all)", len(entries))
	}
	if len(names) == 0 {
		return fmt.Errorf("%s: is an empty directory, not a file", name)
	}
	return fmt.Errorf("%s: is a directory, not a file. It holds: %s%s. Read a file inside it, or use Glob to search deeper",
		name, strings.Join(names, ", "), more)
}
