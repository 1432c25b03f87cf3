package check

import (
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/check/gocheck"
)

// MaxGoModules is how many Go modules one Diagnostics call checks.
const MaxGoModules = 20

// goTree is Go's part of a Diagnostics check: the packages under a
// directory, each checked from its module's root, or the package of one
// file.
type goTree struct {
	c    *Checker
	dir  string          // the directory walked
	mods map[string]bool // directories that hold a go.mod
	dirs map[string]bool // directories that hold .go files
	one  string          // the one file asked about, if it was one
}

func newGoTree(c *Checker, dir string) tree {
	return &goTree{c: c, dir: dir, mods: map[string]bool{}, dirs: map[string]bool{}}
}

func (g *goTree) see(rel string) {
	if path.Base(rel) == "go.mod" {
		g.mods[path.Dir(rel)] = true
	} else {
		g.dirs[path.Dir(rel)] = true
	}
}

func (g *goTree) file(rel string) { g.one = rel }

// targets returns the directories to check ./... in: each directory of Go
// files is checked from its module's root when that is under dir (nested
// modules are their own), else from dir; and the directories of Go files
// in no module.
func (g *goTree) targets() (dirs, orphans []string) {
	dir := g.dir
	outer := g.c.modRoot(dir)
	targets := map[string]bool{}
	for d := range g.dirs {
		root := ""
		for r := d; ; r = path.Dir(r) {
			if g.mods[r] {
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
			orphans = append(orphans, d)
		}
	}
	dirs = slices.Sorted(func(yield func(string) bool) {
		for d := range targets {
			if !yield(d) {
				return
			}
		}
	})
	slices.Sort(orphans)
	return dirs, orphans
}

// check type-checks (and vets) the packages and counts them.
func (g *goTree) check(ctx context.Context, opts treeOptions) report {
	c := g.c
	vet := opts.goVet
	var r report
	if g.one != "" {
		fr := c.checkGoFile(ctx, g.one, true, false)
		if fr.skipped != "" {
			r.notes = append(r.notes, "Go: "+fr.skipped)
			return r
		}
		r.checkers, r.findings, r.checked = fr.checkers, fr.findings, 1
		if strings.HasPrefix(fr.scope, "checked alone") {
			r.notes = append(r.notes, g.one+" is in no Go module (no go.mod), so it was checked alone")
		} else if vet {
			r = c.vet(ctx, r, path.Dir(g.one), "", []string{"."})
		}
		return r
	}
	dirs, orphans := g.targets()
	if len(orphans) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("Go files outside any module were not checked (%s; no go.mod): pass one of its files as path to check it alone", strings.Join(orphans[:min(len(orphans), 3)], ", ")))
	}
	if len(dirs) == 0 {
		return r
	}
	if len(dirs) > MaxGoModules {
		r.notes = append(r.notes, fmt.Sprintf("only the first %d of %d Go modules were checked", MaxGoModules, len(dirs)))
		dirs = dirs[:MaxGoModules]
	}
	r.checkers = append(r.checkers, "go types")
	pkgs := map[string]bool{}
	for _, dir := range dirs {
		if ctx.Err() != nil {
			r.notes = append(r.notes, "Go packages under "+dir+" were not checked: out of time")
			continue
		}
		if links := g.linksOut(dir); len(links) > 0 {
			r.findings = append(r.findings, links...)
			r.notes = append(r.notes, "Go packages under "+dir+" were not checked: symbolic links in them lead outside the workspace, and the go command would follow them")
			continue
		}
		modRoot := c.modRoot(dir)
		work, refused := c.goWork(dir, modRoot)
		if refused != "" {
			r.notes = append(r.notes, "Go packages under "+dir+" were not checked: "+refused)
			continue
		}
		host := filepath.Join(c.ws.Dir(), filepath.FromSlash(dir))
		loaded, err := c.loadGoTree(ctx, host, c.goEnv(ctx, modRoot, work))
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
			r = c.vet(ctx, r, dir, work, []string{"./..."})
		}
	}
	r.findings = dropRebuilt(r.findings)
	r.checked = len(pkgs)
	return r
}

// vet adds go vet's findings on patterns in dir to r. work is the go.work
// the type check used ("" to decide again).
func (c *Checker) vet(ctx context.Context, r report, dir, work string, patterns []string) report {
	host := filepath.Join(c.ws.Dir(), filepath.FromSlash(dir))
	modRoot := c.modRoot(dir)
	if work == "" {
		var refused string
		if work, refused = c.goWork(dir, modRoot); refused != "" {
			r.notes = append(r.notes, "go vet under "+dir+" did not run: "+refused)
			return r
		}
	}
	found, err := c.vetFindings(ctx, host, c.goEnv(ctx, modRoot, work), patterns)
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

// linksOut is what the workspace's door says of the package directories
// under the module directory dir: symbolic links leading out.
func (g *goTree) linksOut(dir string) []finding {
	var out []finding
	for _, d := range slices.Sorted(maps.Keys(g.dirs)) {
		if d == dir || strings.HasPrefix(d, dir+"/") || dir == "." {
			if r, ok := g.c.goDoor(d); !ok {
				out = append(out, r.findings...)
			}
		}
	}
	return dedupe(out)
}

// loadGoTree loads ./... with tests in dir (a host path), for a tree check.
func (c *Checker) loadGoTree(ctx context.Context, dir string, env []string) ([]gocheck.Package, error) {
	return c.goPackages(ctx, gocheck.Request{Dir: dir, Env: env, Patterns: []string{"./..."}, Tests: true, NoFiles: true})
}
