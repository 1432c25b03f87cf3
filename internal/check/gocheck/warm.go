package gocheck

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/go/packages"
)

// A re-check answers a load from what the same load found before: the
// loaded packages' Go files are parsed again and type-checked against the
// types of their imports that the load read from export data, without the
// go command. It is what makes the check after each edit of a file cheap:
// the dependencies (the standard library, modules, the workspace's other
// packages) are not loaded again.
//
// A re-check is only done when it would find what a new load would:
//   - every package loaded is plain Go: no cgo, no assembly or other
//     files the compiler would build, no //go:embed, and the load had no
//     error of the go command (those come from building, which a re-check
//     does not do);
//   - the files of each package's directory are the same names, its
//     ignored files are unchanged, and each Go file still has the package
//     name and build constraints it had;
//   - every import of the files is one the load resolved;
//   - go.mod, go.sum, go.work, vendor/modules.txt, and every file of the
//     workspace's packages they depend on are unchanged (compared by
//     size and modification time).
//
// Otherwise the state is dropped and the load is done again. After
// maxReuse re-checks it is dropped anyway, since each one adds its files
// to the kept token.FileSet.
const maxReuse = 200

// maxWarm is how many loads the checker keeps for re-checks.
const maxWarm = 8

// warmCache keeps the last loads that asked for re-checks, by warmKey.
type warmCache struct {
	mu    sync.Mutex
	loads map[string]*warmLoad
	order []string // least recently used first
}

func newWarmCache() *warmCache { return &warmCache{loads: map[string]*warmLoad{}} }

// warmKey says which loads are the same.
func warmKey(req Request) string {
	return strings.Join([]string{req.Dir, strings.Join(req.Patterns, "\x00"), strconv.FormatBool(req.Tests), strconv.FormatBool(req.NoFiles), strings.Join(req.Env, "\x00")}, "\x01")
}

// warmLoad is what one load left for re-checks.
type warmLoad struct {
	mu     sync.Mutex
	fset   *token.FileSet
	roots  []*warmPackage // in dependency order
	stamps []stamp        // files whose change means loading again
	dirs   []dirNames     // directories whose file names must stay the same
	uses   int
}

// warmPackage is one package a load returned.
type warmPackage struct {
	wire Package // the answer, whose Errors a re-check replaces
	// echo: a package a re-check does not type-check (a test's generated
	// main package), answered as loaded.
	echo      bool
	pkgPath   string
	name      string
	files     []string       // the Go files type-checked
	headers   []string       // each file's package clause and build constraints
	imports   map[string]any // import path -> *types.Package, or the ID of another root
	sizes     types.Sizes    // may be nil
	goVersion string         // "go1.22", or ""
}

// stamp is a file's size and modification time, or its absence.
type stamp struct {
	path    string
	size    int64
	modTime time.Time
	missing bool
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{path: path, missing: true}
	}
	return stamp{path: path, size: fi.Size(), modTime: fi.ModTime()}
}

func (s stamp) same() bool { return stampOf(s.path) == s }

// dirNames is the names of the files the go command would look at in a
// directory: all but those it ignores (starting with "." or "_"), which is
// also where atomic writes keep their temporary files.
type dirNames struct {
	dir   string
	names []string
}

func namesIn(dir string) dirNames {
	entries, _ := os.ReadDir(dir)
	d := dirNames{dir: dir}
	for _, e := range entries {
		if n := e.Name(); !strings.HasPrefix(n, ".") && !strings.HasPrefix(n, "_") && !e.IsDir() {
			d.names = append(d.names, n)
		}
	}
	return d
}

func (d dirNames) same() bool { return slices.Equal(namesIn(d.dir).names, d.names) }

// remember keeps what pkgs (the answer wire) need for re-checks, when
// they can be re-checked.
func (c *warmCache) remember(key string, req Request, start loadStart, fset *token.FileSet, pkgs []*packages.Package, wire []Package) {
	w, ok := newWarmLoad(req, start, fset, pkgs, wire)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
	if !ok {
		delete(c.loads, key)
		return
	}
	c.loads[key] = w
	c.order = append(c.order, key)
	if len(c.order) > maxWarm {
		delete(c.loads, c.order[0])
		c.order = c.order[1:]
	}
}

// recheck answers from the load kept for key, if it still may.
func (c *warmCache) recheck(key string) (Response, bool) {
	c.mu.Lock()
	w := c.loads[key]
	c.mu.Unlock()
	if w == nil {
		return Response{}, false
	}
	resp, ok, keep := w.recheck()
	if !keep {
		c.mu.Lock()
		if c.loads[key] == w {
			delete(c.loads, key)
			c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
		}
		c.mu.Unlock()
	}
	return resp, ok
}

// loadStart is what was true when a load began: the files a re-check
// compares must not have changed since, or the load may have seen them
// otherwise than they are.
type loadStart struct {
	at    time.Time
	names dirNames // the load's directory
}

// mtimeSlack is how far behind the clock a file's modification time may
// be: the kernel stamps files from a coarse clock.
const mtimeSlack = 20 * time.Millisecond

// newWarmLoad keeps what a re-check of pkgs needs, or says they cannot be
// re-checked. start is when the load began.
func newWarmLoad(req Request, start loadStart, fset *token.FileSet, pkgs []*packages.Package, wire []Package) (*warmLoad, bool) {
	w := &warmLoad{fset: fset}
	roots := map[string]bool{}
	for _, p := range pkgs {
		roots[p.ID] = true
	}
	seenDir := map[string]bool{}
	changed := false // a file or directory changed while loading
	since := start.at.Add(-mtimeSlack)
	addDir := func(dir string) {
		if seenDir[dir] {
			return
		}
		seenDir[dir] = true
		names := namesIn(dir)
		if dir == start.names.dir {
			// Written to by the very write being checked: its names then
			// and now must be the same.
			changed = changed || !slices.Equal(names.names, start.names.names)
		} else if fi, err := os.Stat(dir); err != nil || fi.ModTime().After(since) {
			changed = true
		}
		w.dirs = append(w.dirs, names)
	}
	for i, p := range pkgs {
		for _, e := range p.Errors {
			// The compiler's own errors ("# pkg" and its output: go list
			// -export builds the package) are the type check's again, for
			// a package of plain Go; other errors of the go command are
			// not, and a re-check would not find them.
			if e.Kind == packages.UnknownError || e.Kind == packages.ListError && !strings.HasPrefix(e.Msg, "# ") {
				return nil, false
			}
		}
		wp := &warmPackage{wire: wire[i], pkgPath: p.PkgPath, name: p.Name}
		if p.Name == "main" && strings.HasSuffix(p.ID, ".test") {
			// The test's generated main package: the package under test's
			// errors, if any, are that package's own.
			wp.echo = true
			wp.wire.Errors = nil
			w.roots = append(w.roots, wp)
			continue
		}
		if p.Module == nil || p.Types == nil || len(p.GoFiles) == 0 || len(p.OtherFiles) > 0 || len(p.EmbedPatterns) > 0 ||
			!slices.Equal(p.GoFiles, p.CompiledGoFiles) {
			return nil, false
		}
		wp.files = p.GoFiles
		wp.sizes = p.TypesSizes
		if p.Module.GoVersion != "" {
			wp.goVersion = "go" + p.Module.GoVersion
		}
		wp.imports = map[string]any{}
		for ipath, ip := range p.Imports {
			switch {
			case roots[ip.ID]:
				wp.imports[ipath] = ip.ID
			case ip.Types != nil && ip.Types.Complete() && len(ip.Errors) == 0:
				wp.imports[ipath] = ip.Types
			default:
				return nil, false
			}
		}
		for _, f := range p.Syntax {
			wp.headers = append(wp.headers, header(f))
		}
		if len(wp.headers) != len(wp.files) {
			return nil, false
		}
		for _, f := range p.IgnoredFiles {
			w.stamps = append(w.stamps, stampOf(f))
		}
		addDir(filepath.Dir(p.GoFiles[0]))
		w.stamps = append(w.stamps, moduleStamps(p.Module, req.Env)...)
		w.roots = append(w.roots, wp)
	}
	w.roots = dependencyOrder(w.roots)
	// The workspace's packages among the dependencies: a change to them
	// changes the types the package sees.
	seen := map[string]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if seen[p.ID] {
			return
		}
		seen[p.ID] = true
		if !roots[p.ID] && p.Module != nil && (p.Module.Main || p.Module.Replace != nil && p.Module.Replace.Version == "") {
			for _, f := range slices.Concat(p.GoFiles, p.IgnoredFiles, p.OtherFiles) {
				w.stamps = append(w.stamps, stampOf(f))
			}
			if len(p.GoFiles) > 0 {
				addDir(filepath.Dir(p.GoFiles[0]))
			}
		}
		for _, ip := range p.Imports {
			visit(ip)
		}
	}
	for _, p := range pkgs {
		visit(p)
	}
	for _, st := range w.stamps {
		changed = changed || !st.missing && st.modTime.After(since)
	}
	return w, len(w.roots) > 0 && !changed
}

// dependencyOrder puts each root after the roots it imports (a package's
// external tests after the package) and the test main last.
func dependencyOrder(roots []*warmPackage) []*warmPackage {
	var out, echo []*warmPackage
	placed := map[string]bool{}
	for len(out)+len(echo) < len(roots) {
		progress := false
		for _, wp := range roots {
			if placed[wp.wire.ID] {
				continue
			}
			ready := true
			for _, v := range wp.imports {
				if id, ok := v.(string); ok && !placed[id] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			placed[wp.wire.ID], progress = true, true
			if wp.echo {
				echo = append(echo, wp)
			} else {
				out = append(out, wp)
			}
		}
		if !progress {
			return nil // a cycle: the go command would have said so
		}
	}
	return append(out, echo...)
}

// moduleStamps are the files that decide how a module's packages load.
func moduleStamps(m *packages.Module, env []string) []stamp {
	var out []stamp
	if m.GoMod != "" {
		dir := filepath.Dir(m.GoMod)
		out = append(out, stampOf(m.GoMod), stampOf(filepath.Join(dir, "go.sum")), stampOf(filepath.Join(dir, "vendor", "modules.txt")))
	}
	for _, kv := range env {
		if work, ok := strings.CutPrefix(kv, "GOWORK="); ok && work != "off" && work != "" {
			out = append(out, stampOf(work), stampOf(work+".sum"))
		}
	}
	return out
}

// header is what of a file decides which package it is in and whether it
// is built: its package name and the comments before the package clause
// (build constraints are among them).
func header(f *ast.File) string {
	var b strings.Builder
	b.WriteString(f.Name.Name)
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:build") || strings.HasPrefix(c.Text, "// +build") {
				b.WriteString("\n" + c.Text)
			}
		}
	}
	return b.String()
}

// embeds reports whether f has a //go:embed directive, which the go
// command checks and a re-check would not.
func embeds(f *ast.File) bool {
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.HasPrefix(c.Text, "//go:embed") {
				return true
			}
		}
	}
	return false
}

// errStale says a kept load no longer answers for the files.
var errStale = errors.New("stale")

// recheck re-checks w's packages. keep is false when w is no longer of
// use.
func (w *warmLoad) recheck() (resp Response, ok, keep bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.stamps {
		if !s.same() {
			return Response{}, false, false
		}
	}
	for _, d := range w.dirs {
		if !d.same() {
			return Response{}, false, false
		}
	}
	checked := map[string]*types.Package{}
	for _, wp := range w.roots {
		if wp.echo {
			resp.Packages = append(resp.Packages, wp.wire)
			continue
		}
		p, errs, err := w.typeCheck(wp, checked)
		if err != nil {
			return Response{}, false, false
		}
		checked[wp.wire.ID] = p
		out := wp.wire
		out.Errors = capErrors(errs)
		resp.Packages = append(resp.Packages, out)
	}
	w.uses++
	resp.Reused = true
	return resp, true, w.uses < maxReuse
}

// typeCheck parses wp's files again and type-checks them, as go/packages
// does. checked holds the roots already checked, by ID.
func (w *warmLoad) typeCheck(wp *warmPackage, checked map[string]*types.Package) (*types.Package, []packages.Error, error) {
	var errs []packages.Error
	files := make([]*ast.File, 0, len(wp.files))
	for i, name := range wp.files {
		f, err := parser.ParseFile(w.fset, name, nil, parser.AllErrors|parser.ParseComments)
		if f == nil {
			return nil, nil, errStale // unreadable: let the go command say why
		}
		if header(f) != wp.headers[i] || embeds(f) {
			return nil, nil, errStale
		}
		for _, imp := range f.Imports {
			ipath, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				continue // a parse error, reported below
			}
			if _, ok := wp.imports[ipath]; !ok && ipath != "unsafe" {
				return nil, nil, errStale // a new import: load it
			}
		}
		var list scanner.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				errs = append(errs, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
			}
		} else if err != nil {
			errs = append(errs, packages.Error{Pos: name + ":1", Msg: err.Error(), Kind: packages.ParseError})
		}
		files = append(files, f)
	}
	importer := importerFunc(func(path string) (*types.Package, error) {
		if path == "unsafe" {
			return types.Unsafe, nil
		}
		switch v := wp.imports[path].(type) {
		case *types.Package:
			return v, nil
		case string:
			if p := checked[v]; p != nil {
				return p, nil
			}
		}
		return nil, fmt.Errorf("no metadata for %s", path)
	})
	tc := &types.Config{
		Importer:  importer,
		Sizes:     wp.sizes,
		GoVersion: wp.goVersion,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) {
				errs = append(errs, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
			}
		},
	}
	pkg := types.NewPackage(wp.pkgPath, wp.name)
	_ = types.NewChecker(tc, w.fset, pkg, nil).Files(files)
	return pkg, errs, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
