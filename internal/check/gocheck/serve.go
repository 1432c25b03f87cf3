package gocheck

import (
	"bufio"
	"context"
	"encoding/json"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/go/packages"
)

// loadMode is what a check reads of a package: its name and files (to find
// the written file), types from source (NeedSyntax makes go/packages
// type-check the package itself rather than read the compiler's export
// data; dependencies still come from export data, which the build cache
// keeps), and what a later re-check needs to redo that alone: the module's
// Go version, the sizes, the compiled files and the imports' types.
// NeedImports is also what says why a dependency could not be loaded, such
// as one not downloaded.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedSyntax | packages.NeedModule | packages.NeedTypesSizes | packages.NeedEmbedPatterns

// maxLoad bounds one load in the checker. A check that stops waiting for
// its load (its deadline passed, a newer edit superseded it) does not stop
// the load: the go command goes on filling the build cache, so that the
// next check finds the packages built; otherwise a check whose deadline is
// shorter than building a package would never see it built (a first check
// that has to compile the standard library, with --read-confinement
// strict). The sandbox bounds what the load may use meanwhile.
const maxLoad = 5 * time.Minute

// server is the checker's state: one turn per load key, and what it keeps
// for re-checks.
type server struct {
	outMu sync.Mutex
	out   *json.Encoder

	mu    sync.Mutex
	turns map[string]chan struct{} // by warmKey: held by the load of that key in progress

	warm *warmCache
}

// serve answers requests read from in until it ends (the server closed
// its end), and returns the exit status.
func serve(in io.Reader, out io.Writer) int {
	s := &server{out: json.NewEncoder(out), turns: map[string]chan struct{}{}, warm: newWarmCache()}
	dec := json.NewDecoder(bufio.NewReaderSize(in, 64<<10))
	var wg sync.WaitGroup
	for {
		var req Request
		if err := dec.Decode(&req); err != nil {
			break // the server is gone, or wrote something that is not a request
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), maxLoad)
			defer cancel()
			resp := s.load(ctx, req)
			s.outMu.Lock()
			_ = s.out.Encode(resp)
			s.outMu.Unlock()
		})
	}
	wg.Wait()
	return 0
}

// turn waits for the load of key in progress, if any, and returns the
// function that ends this one's turn: two loads of the same packages at
// once would build each package twice.
func (s *server) turn(key string) func() {
	s.mu.Lock()
	ch := s.turns[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		s.turns[key] = ch
	}
	s.mu.Unlock()
	ch <- struct{}{}
	return func() { <-ch }
}

// load answers one load: from what was loaded before when it may, else
// with go/packages.
func (s *server) load(ctx context.Context, req Request) Response {
	key := warmKey(req)
	if req.Reuse {
		if resp, ok := s.warm.recheck(key); ok {
			resp.ID = req.ID
			return resp
		}
	}
	defer s.turn(key)()
	if req.Reuse {
		// The load this one waited for may have left what it needs.
		if resp, ok := s.warm.recheck(key); ok {
			resp.ID = req.ID
			return resp
		}
	}
	start := loadStart{at: time.Now(), names: namesIn(req.Dir)}
	fset := token.NewFileSet()
	pkgs, err := loadWith(ctx, req, fset)
	if err != nil {
		return Response{ID: req.ID, Err: err.Error()}
	}
	if outside := outsideDirs(pkgs, req); len(outside) > 0 {
		return Response{ID: req.ID, Outside: outside}
	}
	resp := Response{ID: req.ID}
	for _, p := range pkgs {
		resp.Packages = append(resp.Packages, wirePackage(p, !req.NoFiles))
	}
	if req.Reuse {
		s.warm.remember(key, req, start, fset, pkgs, resp.Packages)
	}
	return resp
}

// loadWith runs go/packages for req, positions in fset.
func loadWith(ctx context.Context, req Request, fset *token.FileSet) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     req.Dir,
		Env:     req.Env,
		Mode:    loadMode,
		Tests:   req.Tests,
		Fset:    fset,
	}
	return packages.Load(cfg, req.Patterns...)
}

// wirePackage is what an answer says of p.
func wirePackage(p *packages.Package, files bool) Package {
	w := Package{ID: p.ID, Name: p.Name, PkgPath: p.PkgPath, Errors: capErrors(p.Errors)}
	if files {
		w.GoFiles, w.IgnoredFiles = p.GoFiles, p.IgnoredFiles
	}
	for _, ipath := range slices.Sorted(maps.Keys(p.Imports)) {
		var errs []packages.Error
		for _, e := range p.Imports[ipath].Errors {
			// A dependency that loaded but does not build ("# pkg" and
			// the compiler's output) is checked on its own.
			if e.Kind == packages.ListError && !strings.HasPrefix(e.Msg, "# ") {
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
			if w.ImportErrors == nil {
				w.ImportErrors = map[string][]packages.Error{}
			}
			w.ImportErrors[ipath] = capErrors(errs)
		}
	}
	return w
}

func capErrors(errs []packages.Error) []packages.Error {
	return errs[:min(len(errs), maxErrors)]
}

// outsideDirs names the packages of the load (the roots and all they
// import) whose directory is not in the workspace, the module cache or,
// for the standard library, GOROOT: code the checks must not build.
func outsideDirs(roots []*packages.Package, req Request) []string {
	if req.Root == "" {
		return nil
	}
	inside := realDirs(req.Root)
	if mc := envValue(req.Env, "GOMODCACHE"); mc != "" {
		inside = append(inside, realDirs(mc)...)
	}
	var out []string
	seen := map[string]bool{}
	var visit func(p *packages.Package)
	visit = func(p *packages.Package) {
		if seen[p.ID] {
			return
		}
		seen[p.ID] = true
		for _, ip := range p.Imports {
			visit(ip)
		}
		dir := p.Dir
		if dir == "" || p.Module == nil && isStd(p.PkgPath) {
			return
		}
		isInside := func(name string) bool {
			real, err := filepath.EvalSymlinks(name)
			if err != nil {
				real = name
			}
			return slices.ContainsFunc(inside, func(d string) bool { return within(real, d) })
		}
		if !isInside(dir) {
			out = append(out, p.PkgPath+" (in "+dir+")")
			return
		}
		// A package of the workspace whose file is a link out (the
		// module cache holds no links).
		for _, f := range slices.Concat(p.GoFiles, p.OtherFiles, p.IgnoredFiles) {
			if fi, err := os.Lstat(f); err == nil && fi.Mode()&os.ModeSymlink != 0 && !isInside(f) {
				out = append(out, p.PkgPath+" (its file "+f+")")
			}
		}
	}
	for _, p := range roots {
		visit(p)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// realDirs is dir as given and with its symbolic links resolved.
func realDirs(dir string) []string {
	out := []string{filepath.Clean(dir)}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != out[0] {
		out = append(out, real)
	}
	return out
}

// within reports whether path is dir or under it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && (rel == "." || filepath.IsLocal(rel))
}

// isStd reports whether a package path is the standard library's: its
// first element has no dot.
func isStd(pkgPath string) bool {
	first, _, _ := strings.Cut(pkgPath, "/")
	return !strings.Contains(first, ".") && pkgPath != "command-line-arguments"
}

// envValue is the last setting of key in env.
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
