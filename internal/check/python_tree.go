package check

import (
	"context"
	"fmt"
	"slices"
)

// MaxPythonFiles is how many Python files one Diagnostics call checks.
const MaxPythonFiles = 1000

// pythonTree is Python's part of a Diagnostics check: every Python file
// under a directory, up to MaxPythonFiles, or the one file asked about.
type pythonTree struct {
	c     *Checker
	files []string
}

func newPythonTree(c *Checker, _ string) tree { return &pythonTree{c: c} }

func (p *pythonTree) see(rel string) { p.files = append(p.files, rel) }

func (p *pythonTree) file(rel string) { p.files = []string{rel} }

// check compiles and lints the files, and counts them when it could.
func (p *pythonTree) check(ctx context.Context, _ treeOptions) report {
	files := p.files
	slices.Sort(files)
	more := max(len(files)-MaxPythonFiles, 0)
	files = files[:len(files)-more]
	r := p.c.lintPython(ctx, files)
	if len(files) > 0 && len(r.checkers) > 0 {
		r.checked = len(files)
	}
	if more > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%d more Python files were not checked (at most %d per call): check a smaller path", more, MaxPythonFiles))
	}
	return r
}

// lintPython compiles and lints the Python files.
func (c *Checker) lintPython(ctx context.Context, files []string) report {
	if len(files) == 0 {
		return report{}
	}
	r := c.checkPython(ctx, files, true)
	if r.skipped != "" {
		r.notes = append(r.notes, "Python files were not checked: "+r.skipped)
		r.skipped = ""
		return r
	}
	for _, lint := range []struct {
		name string
		run  func(context.Context, string, []string) ([]finding, error)
	}{{"ruff", c.ruff}, {"mypy", c.mypy}} {
		exe, err := c.pyTool(lint.name)
		if err != nil {
			r.notes = append(r.notes, lint.name+" is not installed")
			continue
		}
		found, err := lint.run(ctx, exe, files)
		if err != nil {
			r.notes = append(r.notes, lint.name+": "+runError(err, ctx))
			continue
		}
		r.checkers = append(r.checkers, lint.name)
		r.findings = append(r.findings, found...)
	}
	return r
}
