package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// goEnv is the go command's environment for a check of the module rooted
// at modRoot (workspace-relative; "" when its go.mod is not in the
// workspace), with work the go.work it uses ("off" for none): the
// checker process's environment (goProcEnv) and the module's settings.
//
//   - GOFLAGS=-mod=readonly: go.mod and go.sum are never rewritten by a
//     check (-mod=mod would let it edit them behind the model's back);
//     -mod=vendor when the module vendors its dependencies.
//   - GOWORK: the workspace's own go.work, or off: one outside the
//     workspace would build code from outside it (see goWork).
func (c *Checker) goEnv(ctx context.Context, modRoot, work string) []string {
	mod := "-mod=readonly"
	if modRoot != "" {
		if _, err := c.ws.Stat(path.Join(modRoot, "vendor/modules.txt")); err == nil {
			mod = "-mod=vendor"
		}
	}
	return withEnv(c.goProcEnv(ctx), "GOFLAGS="+mod, "GOWORK="+work)
}

// goProcEnv is the checker process's environment, and what its go
// commands share: the checkers' allow-list, the module cache pinned, a
// private build cache, and settings that keep a check offline, local and
// read-only.
//
//   - GOCACHE: the checks' private build cache, never the user's (see
//     gocheck/cacheprog.go: it reads through to the user's, whose
//     entries the user's own builds would link, but never writes it).
//   - GOPROXY=off: a missing dependency is reported, never downloaded.
//   - GOTOOLCHAIN=local: a go line newer than the installed Go is reported,
//     not answered by downloading a toolchain.
//   - GOPACKAGESDRIVER=off: no driver program found on PATH runs instead.
//   - GOENV=off: no settings from the user's go env file (GOFLAGS there
//     could name a -toolexec program).
//   - PATH starts with the C compilers' wrappers (see ccWrappers).
func (c *Checker) goProcEnv(ctx context.Context) []string {
	g, err := c.goSetup()
	if err != nil {
		return c.opts.Env
	}
	var settings []string
	userCache := ""
	for _, kv := range c.goCacheDirs(ctx) {
		if v, ok := strings.CutPrefix(kv, "GOCACHE="); ok {
			userCache = v
			continue
		}
		settings = append(settings, kv)
	}
	path := g.bin2
	if p := sandbox.EnvValue(c.opts.Env, "PATH"); p != "" {
		path += string(filepath.ListSeparator) + p
	}
	settings = append(settings, "PATH="+path, "GOCACHE="+g.cache, "TMPDIR="+g.tmp,
		"GOPROXY=off", "GOTOOLCHAIN=local", "GOPACKAGESDRIVER=off", "GOENV=off", "GOFLAGS=-mod=readonly", "GOWORK=off")
	if prog, ok := goCacheProg(g.bin, g.cache, userCache); ok {
		settings = append(settings, "GOCACHEPROG="+prog)
	}
	return withEnv(c.opts.Env, settings...)
}

// goCacheProg is GOCACHEPROG for the checks' build cache: this binary in
// gocheck's cache mode, with the private cache over the user's. The go
// command splits it on spaces, honouring quotes; a path it cannot quote
// leaves the private cache alone (ok false).
func goCacheProg(bin, private, user string) (string, bool) {
	var parts []string
	for _, a := range append([]string{bin}, gocheck.Args(gocheck.CacheMode, private, user)...) {
		switch {
		case a == "":
			a = "''"
		case !strings.ContainsAny(a, " \t\n'\""):
		case !strings.Contains(a, "'"):
			a = "'" + a + "'"
		case !strings.Contains(a, `"`):
			a = `"` + a + `"`
		default:
			return "", false
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " "), true
}

// goCacheDirs pins the module cache (and GOPATH) to the user's own, the
// ones `go env` reports in the checkers' environment: with GOPROXY=off it
// is the only place dependencies can come from, and it is read only.
// GOCACHE= is the user's build cache, which the checks' own reads through
// (see goProcEnv). Asked once; until the go command answers, nothing is
// pinned.
func (c *Checker) goCacheDirs(ctx context.Context) []string {
	c.mu.Lock()
	dirs := c.goDirs
	c.mu.Unlock()
	if dirs != nil {
		return dirs
	}
	goCmd, err := sandbox.LookPath("go", c.opts.Env)
	if err != nil {
		return nil
	}
	out, err := c.goRun(ctx, command{Path: goCmd, Args: []string{"env", "GOCACHE", "GOMODCACHE", "GOPATH"}, Dir: c.ws.Dir(),
		Env: withEnv(c.opts.Env, "GOTOOLCHAIN=local", "GOFLAGS=")})
	if err != nil || out.ExitCode != 0 {
		return nil
	}
	lines := strings.Split(strings.TrimSpace(string(out.Stdout)), "\n")
	if len(lines) != 3 {
		return nil
	}
	dirs = []string{}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if v := strings.TrimSpace(lines[i]); v != "" {
			dirs = append(dirs, k+"="+v)
		}
	}
	c.mu.Lock()
	c.goDirs = dirs
	c.mu.Unlock()
	return dirs
}

// modRoot returns the workspace-relative directory of the go.mod that
// governs dir, or "" when there is none in the workspace.
func (c *Checker) modRoot(dir string) string {
	for d := dir; ; d = path.Dir(d) {
		if fi, err := c.ws.Stat(path.Join(d, "go.mod")); err == nil && fi.Mode().IsRegular() {
			return d
		}
		if d == "." || d == "/" {
			return ""
		}
	}
}

// errGoOutside is a load that reached packages outside the workspace.
type errGoOutside struct{ pkgs []string }

func (e *errGoOutside) Error() string {
	return fmt.Sprintf("it would build code outside the workspace (%s), through a symbolic link, a go.work or a replace directive; checks build only the workspace's packages, the standard library and the module cache", strings.Join(e.pkgs[:min(len(e.pkgs), 3)], ", "))
}

// loadGo has the checker process load patterns in dir (a host path), as
// go/packages does. reuse lets it answer from its last load of the same
// (see gocheck/warm.go).
func (c *Checker) loadGo(ctx context.Context, dir string, env []string, tests, reuse bool, patterns ...string) ([]gocheck.Package, error) {
	return c.goPackages(ctx, gocheck.Request{Dir: dir, Env: env, Patterns: patterns, Tests: tests, Reuse: reuse})
}

// goPackages answers req with the checker process, confined to the
// workspace (see gocheck.Request.Root).
func (c *Checker) goPackages(ctx context.Context, req gocheck.Request) ([]gocheck.Package, error) {
	req.Root = c.ws.Dir()
	resp, err := c.goLoad(ctx, req)
	switch {
	case err != nil:
		return nil, err
	case resp.Err != "":
		return nil, errors.New(resp.Err)
	case len(resp.Outside) > 0:
		return nil, &errGoOutside{resp.Outside}
	}
	return resp.Packages, nil
}

// checkGoFile type-checks the package that holds the Go file rel (with its
// test files when tests is set or rel is one) and reports the problems in
// all its files. Outside a module, the file is checked alone, as
// `go run file.go` builds it. reuse lets the checker process answer from
// its last load of the package (an after-write check; see
// gocheck/warm.go).
//
// Before any go command runs, the file's directory is looked at through
// the workspace (goDoor): a symbolic link there that leads out, a go.work
// or replace directive that points out, stop the check with a word on
// them. A file the server parses itself (for syntax errors, which need no
// go command) is read through the workspace too.
func (c *Checker) checkGoFile(ctx context.Context, rel string, tests, reuse bool) report {
	disp := workspace.Display(rel)
	abs := filepath.Join(c.ws.Dir(), rel)
	dir := filepath.Dir(abs)
	if r, ok := c.goDoor(path.Dir(disp)); !ok {
		return r
	}
	if r, ok := c.goSyntax(disp); !ok {
		return r
	}
	modRoot := c.modRoot(path.Dir(disp))
	work, refused := c.goWork(path.Dir(disp), modRoot)
	if refused != "" {
		return report{skipped: refused}
	}
	env := c.goEnv(ctx, modRoot, work)
	tests = tests || strings.HasSuffix(rel, "_test.go")
	scope := ""
	pkgs, err := c.loadGo(ctx, dir, env, tests, reuse, ".")
	if err == nil && len(pkgs) == 0 {
		// Outside a module "." is no package (go.mod file not found);
		// a file named on the command line still is.
		pkgs, err = c.loadGo(ctx, dir, env, tests, false, "./"+filepath.Base(abs))
		scope = "checked alone: no go.mod"
	}
	if err != nil {
		return report{skipped: c.goLoadError(err)}
	}
	pkg, ignored := c.packageOf(pkgs, disp)
	switch {
	case ignored:
		return report{skipped: fmt.Sprintf("%s is left out of the build on %s/%s by its build constraints", disp, runtime.GOOS, runtime.GOARCH)}
	case pkg == nil:
		// No package has the file: what went wrong is in the packages'
		// errors (no Go files, a package clause that differs, ...).
		r := report{checkers: []string{"go list"}}
		for _, p := range pkgs {
			r.findings = append(r.findings, c.goFindings(p, dir)...)
		}
		if len(r.findings) == 0 {
			r.skipped = "go list found no package that holds " + disp
		}
		return r
	}
	if scope == "" {
		scope = "package " + pkg.PkgPath
	}
	found := c.goFindings(*pkg, dir)
	if tests {
		// The external test package (package x_test) is checked too.
		for _, p := range pkgs {
			if p.ID != pkg.ID && strings.HasSuffix(p.Name, "_test") && strings.HasSuffix(p.ID, ".test]") {
				found = append(found, c.goFindings(p, dir)...)
			}
		}
	}
	return report{checkers: []string{"go types"}, scope: scope, findings: dropRebuilt(found)}
}

// packageOf picks the loaded package that compiles the file disp (with
// tests, the test variant), or says the file is left out by build
// constraints.
func (c *Checker) packageOf(pkgs []gocheck.Package, disp string) (*gocheck.Package, bool) {
	var found *gocheck.Package
	ignored := false
	for i, p := range pkgs {
		for _, f := range p.GoFiles {
			if c.display(f) == disp && (found == nil || len(p.GoFiles) > len(found.GoFiles)) {
				found = &pkgs[i] // the test variant lists more files than the plain one
			}
		}
		for _, f := range p.IgnoredFiles {
			if c.display(f) == disp {
				ignored = true
			}
		}
	}
	return found, found == nil && ignored
}

// display turns a host path the go command reported into the
// workspace-relative path results show, or "" when it is outside.
func (c *Checker) display(host string) string {
	if !filepath.IsAbs(host) {
		return ""
	}
	rel, err := c.ws.Rel(host)
	if err != nil || rel == "." {
		return ""
	}
	return workspace.Display(rel)
}

// goFindings turns a package's errors into findings. dir is where the go
// command ran, which relative positions are relative to.
func (c *Checker) goFindings(pkg gocheck.Package, dir string) []finding {
	// With cgo, the type check cannot import "C" when cgo failed: cgo's
	// own words (in the compiler's output) say why.
	cgoFailed := slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import C ")
	}) && slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ")
	})
	typed := !cgoFailed && slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.TypeError || e.Kind == packages.ParseError
	})
	var out []finding
	// A dependency that could not be loaded (not downloaded, not in
	// go.mod) is explained by the go command at the import; the type
	// check's "could not import" for it says less.
	broken := map[string]bool{}
	for _, ipath := range slices.Sorted(maps.Keys(pkg.ImportErrors)) {
		for _, e := range pkg.ImportErrors[ipath] {
			broken[ipath] = true
			f := c.goFinding(e.Pos, dir, e.Msg, "go list")
			if !strings.Contains(f.msg, ipath) {
				f.msg = ipath + ": " + f.msg
			}
			out = append(out, f)
		}
	}
	for _, e := range pkg.Errors {
		if cgoFailed && e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import C ") {
			continue
		}
		if e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import ") {
			if ipath, _, _ := strings.Cut(strings.TrimPrefix(e.Msg, "could not import "), " "); broken[ipath] {
				continue
			}
		}
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			// The compiler's own output (go list -export builds the
			// package): the same errors the type check found, or, when
			// it found none, the only word on them.
			if !typed {
				out = append(out, c.compilerFindings(e.Msg, dir)...)
			}
			continue
		}
		f := c.goFinding(e.Pos, dir, e.Msg, goChecker(e.Kind))
		if e.Kind == packages.ParseError && slices.ContainsFunc(out, func(g finding) bool {
			return g.checker == f.checker && g.file == f.file && g.line == f.line
		}) {
			continue // the parser's first complaint on a line is the one that counts
		}
		out = append(out, f)
	}
	return out
}

// goFinding is the finding of a go command's message msg at pos. A
// message about a file outside the workspace is not shown: it could quote
// that file (the assembler's and cgo's errors on an #include quote the
// included file's lines), and the checks never show what is outside.
func (c *Checker) goFinding(pos, dir, msg, checker string) finding {
	f := finding{checker: checker}
	var outside string
	f.file, f.line, f.col, outside = c.goPlace(pos, dir)
	if outside != "" {
		f.msg = outsideMsg(outside)
		return f
	}
	f.msg = c.cleanMsg(msg) + missingModuleHint(msg)
	return f
}

// outsideMsg stands for a message about the file host, outside the
// workspace.
func outsideMsg(host string) string {
	return fmt.Sprintf("a problem in %s, which is outside the workspace (checks do not show what is outside it)", host)
}

// dropRebuilt drops the compiler's findings that repeat a type checker's
// at the same place: go list -export builds every package it lists, and a
// package's build errors can arrive on another package (its test main).
func dropRebuilt(found []finding) []finding {
	type place struct {
		file      string
		line, col int
	}
	typed := map[place]bool{}
	for _, f := range found {
		if f.checker == "go types" || f.checker == "go parser" {
			typed[place{f.file, f.line, f.col}] = true
		}
	}
	return slices.DeleteFunc(found, func(f finding) bool {
		return f.checker == "go build" && typed[place{f.file, f.line, f.col}]
	})
}

// goChecker names the checker of a go/packages error.
func goChecker(k packages.ErrorKind) string {
	switch k {
	case packages.ParseError:
		return "go parser"
	case packages.TypeError:
		return "go types"
	}
	return "go list"
}

// goPlace splits a go command position ("file:line:col", "file:line",
// "file", "-" or ""). outside is the file's host path when it is outside
// the workspace; file is then "".
func (c *Checker) goPlace(pos, dir string) (file string, line, col int, outside string) {
	if pos == "" || pos == "-" {
		return "", 0, 0, ""
	}
	rest := pos
	var nums []int
	for range 2 {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		nums = append([]int{n}, nums...)
		rest = rest[:i]
	}
	if !filepath.IsAbs(rest) {
		rest = filepath.Join(dir, rest)
	}
	file = c.display(rest)
	if file == "" {
		return "", 0, 0, filepath.Clean(rest)
	}
	if len(nums) > 0 {
		line = nums[0]
	}
	if len(nums) > 1 {
		col = nums[1]
	}
	return file, line, col, ""
}

// compilerFindings reads the compiler's "# pkg\n./f.go:1:2: msg" output
// (or the assembler's, or cgo's). A line about a file outside the
// workspace is not shown, nor are the source lines gcc quotes under its
// messages ("    3 | text"), which may be an included file's.
func (c *Checker) compilerFindings(msg, dir string) []finding {
	var out []finding
	for _, line := range strings.Split(msg, "\n") {
		if line == "" || strings.HasPrefix(line, "# ") || gccExcerpt.MatchString(line) {
			continue
		}
		f, ok := parseLine(line, "go build")
		if !ok {
			out = append(out, finding{msg: c.cleanMsg(line), checker: "go build"})
			continue
		}
		pos := filepath.FromSlash(f.file)
		if f.line > 0 {
			pos += ":" + strconv.Itoa(f.line)
		}
		g := c.goFinding(pos, dir, f.msg, "go build")
		g.col = f.col
		if g.file == "" {
			g.col = 0
		}
		out = append(out, g)
	}
	return out
}

// gccExcerpt matches the lines of source gcc quotes under a message, and
// the marker line under them.
var gccExcerpt = regexp.MustCompile(`^\s*\d*\s*\|`)

// cleanMsg keeps the workspace's host path out of a message and makes it
// one line.
func (c *Checker) cleanMsg(msg string) string {
	for _, d := range []string{c.ws.Dir(), c.ws.RealDir()} {
		if d != "" {
			msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "")
		}
	}
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n\t", " ")
	return strings.ReplaceAll(msg, "\n", "; ")
}

// missingModuleHint explains the go command's words for a dependency that
// is not downloaded, since checks never download.
func missingModuleHint(msg string) string {
	if strings.Contains(msg, "GOPROXY=off") || strings.Contains(msg, "missing go.sum entry") || strings.Contains(msg, "not in the module cache") {
		return " [the dependency is not downloaded, and checks never download (GOPROXY=off): run `go mod download` (or `go mod tidy`), then check again]"
	}
	return ""
}

// goLoadError words an error of go/packages itself: no go command, a
// go.mod it cannot use, a deadline.
func (c *Checker) goLoadError(err error) string {
	var outside *errGoOutside
	msg := err.Error()
	if i := strings.Index(msg, "stderr: "); i >= 0 {
		msg = msg[i+len("stderr: "):]
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the go command did not finish in time"
	case errors.As(err, &outside), errors.Is(err, errGoCheckerEnded):
		return err.Error()
	case strings.Contains(msg, "executable file not found"):
		return "go is not installed (not found on PATH)"
	}
	return "go list: " + c.cleanMsg(msg)
}

// vetFindings runs go vet on patterns in dir and reads its JSON.
func (c *Checker) vetFindings(ctx context.Context, dir string, env []string, patterns []string) ([]finding, error) {
	goCmd, err := sandbox.LookPath("go", env)
	if err != nil {
		return nil, err
	}
	out, err := c.goRun(ctx, command{Path: goCmd, Args: append([]string{"vet", "-json"}, patterns...), Dir: dir, Env: env})
	if err != nil {
		return nil, err
	}
	return c.parseVet(append(out.Stdout, out.Stderr...), dir), nil
}

// vetDiag is one finding in go vet -json's output.
type vetDiag struct {
	Posn    string `json:"posn"`
	Message string `json:"message"`
}

// parseVet reads go vet -json output: a JSON object per package, mapping
// analyzer names to findings (or to {"error": ...}), between "# pkg" lines.
func (c *Checker) parseVet(b []byte, dir string) []finding {
	var clean bytes.Buffer
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && (t[0] == '{' || t[0] == '}' || t[0] == '"' || t[0] == '[' || t[0] == ']') {
			clean.Write(line)
		}
	}
	var out []finding
	dec := json.NewDecoder(&clean)
	for {
		var pkgs map[string]map[string]json.RawMessage
		if dec.Decode(&pkgs) != nil {
			break // the end, or output that is not vet's: keep what was read
		}
		for _, analyzers := range pkgs {
			for name, raw := range analyzers {
				var diags []vetDiag
				if json.Unmarshal(raw, &diags) != nil {
					continue // {"error": ...}: type errors, which the type check reports
				}
				for _, d := range diags {
					out = append(out, c.goFinding(d.Posn, dir, d.Message, "go vet "+name))
				}
			}
		}
	}
	return out
}
