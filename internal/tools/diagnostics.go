package tools

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/sourcegraph/conc"

	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

//go:embed diagnostics.md
var diagnosticsDoc string

// diagnosticsArgs is the Diagnostics tool's input.
type diagnosticsArgs struct {
	Path  string `json:"path,omitempty" jsonschema:"The file or directory to check: relative to the workspace root, or absolute inside it (default: the workspace root)"`
	GoVet bool   `json:"go_vet,omitempty" jsonschema:"Also run go vet on the Go packages (slower): likely bugs, not only build errors"`
}

const (
	diagTimeout    = 60 * time.Second // one Diagnostics call, all checkers together
	diagMaxShown   = 200              // problems one result lists
	diagMaxPyFiles = 1000             // Python files one call checks
	diagMaxModules = 20               // Go modules one call checks
	diagMaxEntries = 200_000          // files and directories the walk looks at
)

// diagSkipDirs are directories that hold other people's code or generated
// files: virtual environments, caches, installed packages.
var diagSkipDirs = map[string]bool{
	".venv": true, "venv": true, "node_modules": true, "__pycache__": true, "site-packages": true,
	".tox": true, ".nox": true, ".mypy_cache": true, ".ruff_cache": true, ".pytest_cache": true,
}

func diagnosticsTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Diagnostics", append([]mcp.ToolOption{
		mcp.WithDescription(describe(diagnosticsDoc, map[string]any{
			"MaxShown":   diagMaxShown,
			"MaxPyFiles": diagMaxPyFiles,
			"MaxModules": diagMaxModules,
			"Timeout":    seconds(diagTimeout),
		})),
		inputSchema[diagnosticsArgs](),
		mcp.WithToolTitle("Check code for errors"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args diagnosticsArgs) (*mcp.CallToolResult, error) {
			return t.diagnostics(ctx, args), nil
		})}
}

// diagTargets is what one Diagnostics call checks.
type diagTargets struct {
	goFile   string   // a Go file whose package to check
	goDirs   []string // workspace-relative directories to check ./... in
	goOrphan []string // directories of Go files in no module
	pyFiles  []string // workspace-relative slash paths
	pyMore   int      // Python files left out over diagMaxPyFiles
	cut      string   // why the walk stopped early
}

func (t *Toolset) diagnostics(ctx context.Context, args diagnosticsArgs) *mcp.CallToolResult {
	name := args.Path
	if name == "" {
		name = "."
	}
	rel, err := t.ws.Rel(name)
	if err != nil {
		return failed(err)
	}
	fi, err := t.ws.Stat(name)
	if err != nil {
		return failed(t.explain(name, err))
	}
	ctx, cancel := context.WithTimeout(ctx, diagTimeout)
	defer cancel()
	disp := workspace.Display(rel)
	var tg diagTargets
	switch {
	case fi.IsDir():
		tg, err = t.diagWalk(ctx, disp)
		if err != nil {
			return failedf("%s: %v", name, err)
		}
	case checkLanguage(disp) == "go":
		tg.goFile = disp
	case checkLanguage(disp) == "python":
		tg.pyFiles = []string{disp}
	default:
		return failedf("%s: is not a Go or Python file; Diagnostics checks .go files (with their package) and .py files, or every such file under a directory", name)
	}

	var wg conc.WaitGroup
	var goRep, pyRep report
	var goPkgs int
	wg.Go(func() { goRep, goPkgs = t.checks.diagGo(ctx, tg, args.GoVet) })
	wg.Go(func() { pyRep = t.checks.diagPython(ctx, tg.pyFiles) })
	wg.Wait()
	return mcp.NewToolResultText(diagText(name, tg, goPkgs, goRep, pyRep, ctx.Err() != nil))
}

// diagWalk finds the Go modules and Python files under dir.
func (t *Toolset) diagWalk(ctx context.Context, dir string) (diagTargets, error) {
	var mu sync.Mutex
	goDirs, mods := map[string]bool{}, map[string]bool{}
	var py []string
	opts := walk.Options{
		Start:      dir,
		Global:     t.excludes.Rules(),
		MaxEntries: diagMaxEntries,
		Filter: func(rel string, isDir bool) walk.Decision {
			if isDir && diagSkipDirs[path.Base(rel)] {
				return walk.Exclude
			}
			return walk.Pass
		},
	}
	st, err := walk.Walk(ctx, t.ws.Root(), opts, func(e *walk.Entry) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Name() == "go.mod":
			mods[path.Dir(e.Path)] = true
		case checkLanguage(e.Name()) == "go":
			goDirs[path.Dir(e.Path)] = true
		case checkLanguage(e.Name()) == "python":
			py = append(py, e.Path)
		}
		return nil
	})
	var tg diagTargets
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		tg.cut = "the search for files ran out of time"
	case err != nil:
		return tg, err
	case st.Truncated:
		tg.cut = fmt.Sprintf("the search for files stopped after %d entries", diagMaxEntries)
	}
	slices.Sort(py)
	if len(py) > diagMaxPyFiles {
		tg.pyFiles, tg.pyMore = py[:diagMaxPyFiles], len(py)-diagMaxPyFiles
	} else {
		tg.pyFiles = py
	}

	// Each directory of Go files is checked from its module's root when
	// that is under dir (nested modules are their own), else from dir.
	outer := t.checks.modRoot(dir)
	targets := map[string]bool{}
	for d := range goDirs {
		root := ""
		for r := d; ; r = path.Dir(r) {
			if mods[r] {
				root = r
				break
			}
			if r == dir || r == "." {
				break
			}
		}
		switch {
		case root != "":
			targets[root] = true
		case outer != "":
			targets[dir] = true
		default:
			tg.goOrphan = append(tg.goOrphan, d)
		}
	}
	tg.goDirs = slices.Sorted(func(yield func(string) bool) {
		for d := range targets {
			if !yield(d) {
				return
			}
		}
	})
	slices.Sort(tg.goOrphan)
	return tg, nil
}

// diagGo type-checks (and vets) the Go targets and says how many packages
// it checked.
func (c *checker) diagGo(ctx context.Context, tg diagTargets, vet bool) (report, int) {
	var r report
	if len(tg.goOrphan) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("Go files outside any module were not checked (%s; no go.mod): pass one of its files as path to check it alone", strings.Join(headOf(tg.goOrphan, 3), ", ")))
	}
	if tg.goFile != "" {
		fr := c.checkGoFile(ctx, tg.goFile, true)
		if fr.skipped != "" {
			r.notes = append(r.notes, "Go: "+fr.skipped)
			return r, 0
		}
		r.checkers, r.findings = fr.checkers, fr.findings
		if strings.HasPrefix(fr.scope, "checked alone") {
			r.notes = append(r.notes, tg.goFile+" is in no Go module (no go.mod), so it was checked alone")
		} else if vet {
			dir := path.Dir(tg.goFile)
			r = c.vet(ctx, r, dir, []string{"."})
		}
		return r, 1
	}
	if len(tg.goDirs) == 0 {
		return r, 0
	}
	dirs := tg.goDirs
	if len(dirs) > diagMaxModules {
		r.notes = append(r.notes, fmt.Sprintf("only the first %d of %d Go modules were checked", diagMaxModules, len(dirs)))
		dirs = dirs[:diagMaxModules]
	}
	r.checkers = append(r.checkers, "go types")
	pkgs := map[string]bool{}
	for _, dir := range dirs {
		if ctx.Err() != nil {
			r.notes = append(r.notes, "Go packages under "+dir+" were not checked: out of time")
			continue
		}
		host := filepath.Join(c.ws.Dir(), filepath.FromSlash(dir))
		loaded, err := c.loadGo(ctx, host, c.goEnv(ctx, c.modRoot(dir)), true, "./...")
		if err != nil {
			r.notes = append(r.notes, "Go packages under "+dir+" were not checked: "+c.goLoadError(err))
			continue
		}
		for _, p := range loaded {
			if !strings.HasSuffix(p.ID, ".test") && !strings.Contains(p.ID, " [") {
				pkgs[p.PkgPath] = true
			}
			r.findings = append(r.findings, c.goFindings(p, host)...)
		}
		if vet {
			r = c.vet(ctx, r, dir, []string{"./..."})
		}
	}
	r.findings = dropRebuilt(r.findings)
	return r, len(pkgs)
}

// vet adds go vet's findings on patterns in dir to r.
func (c *checker) vet(ctx context.Context, r report, dir string, patterns []string) report {
	host := filepath.Join(c.ws.Dir(), filepath.FromSlash(dir))
	found, err := c.vetFindings(ctx, host, c.goEnv(ctx, c.modRoot(dir)), patterns)
	if err != nil {
		r.notes = append(r.notes, "go vet under "+dir+": "+runError(err, ctx))
		return r
	}
	if !slices.Contains(r.checkers, "go vet") {
		r.checkers = append(r.checkers, "go vet")
	}
	r.findings = append(r.findings, found...)
	return r
}

// diagPython compiles and lints the Python files.
func (c *checker) diagPython(ctx context.Context, files []string) report {
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

// diagText words a Diagnostics result.
func diagText(name string, tg diagTargets, goPkgs int, goRep, pyRep report, late bool) string {
	found := slices.Concat(goRep.findings, pyRep.findings)
	slices.SortFunc(found, byPosition)
	found = slices.Compact(found)
	files := map[string]bool{}
	for _, f := range found {
		files[f.file] = true
	}

	var what []string
	if goPkgs > 0 {
		what = append(what, fmt.Sprintf("%s (%s)", plural(goPkgs, "Go package"), strings.Join(goRep.checkers, ", ")))
	}
	if len(tg.pyFiles) > 0 && len(pyRep.checkers) > 0 {
		what = append(what, fmt.Sprintf("%s (%s)", plural(len(tg.pyFiles), "Python file"), strings.Join(pyRep.checkers, ", ")))
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
	notes := slices.Concat(goRep.notes, pyRep.notes)
	if tg.pyMore > 0 {
		notes = append(notes, fmt.Sprintf("%d more Python files were not checked (at most %d per call): check a smaller path", tg.pyMore, diagMaxPyFiles))
	}
	if tg.cut != "" {
		notes = append(notes, tg.cut+", so some files were not checked")
	}
	if late {
		notes = append(notes, fmt.Sprintf("the checks stopped at the %s limit, so some were not run", seconds(diagTimeout)))
	}
	if len(what) == 0 && len(notes) == 0 {
		notes = append(notes, "there are no .go or .py files here")
	}
	for _, n := range notes {
		b.WriteString("\nNote: " + n + ".")
	}
	prev := "\x00"
	for i, f := range found {
		if i == diagMaxShown {
			fmt.Fprintf(&b, "\n\n(%d more problems not shown: check a smaller path to see them.)", len(found)-diagMaxShown)
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

func headOf(s []string, n int) []string { return s[:min(len(s), n)] }
