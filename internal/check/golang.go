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
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// goLoadMode is all a check reads of a package: its name and files (to find
// the written file), and types from source (NeedSyntax is what makes
// go/packages type-check the package itself rather than read the
// compiler's export data; dependencies still come from export data, which
// the build cache keeps).
// NeedImports (which NeedTypes implies anyway) is asked for to read why a
// dependency could not be loaded, such as one not downloaded.
const goLoadMode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes | packages.NeedSyntax

// goEnv is the go command's environment for a check of the module rooted
// at modRoot (workspace-relative; "" when its go.mod is not in the
// workspace): the checkers' allow-list, the user's Go caches pinned, and
// settings that keep a check offline, local and read-only.
//
//   - GOPROXY=off: a missing dependency is reported, never downloaded.
//   - GOFLAGS=-mod=readonly: go.mod and go.sum are never rewritten by a
//     check (-mod=mod would let it edit them behind the model's back);
//     -mod=vendor when the module vendors its dependencies.
//   - GOTOOLCHAIN=local: a go line newer than the installed Go is reported,
//     not answered by downloading a toolchain.
//   - GOPACKAGESDRIVER=off: no driver program found on PATH runs instead.
func (c *Checker) goEnv(ctx context.Context, modRoot string) []string {
	mod := "-mod=readonly"
	if modRoot != "" {
		if _, err := c.ws.Stat(path.Join(modRoot, "vendor/modules.txt")); err == nil {
			mod = "-mod=vendor"
		}
	}
	settings := append(c.goCacheDirs(ctx), "GOPROXY=off", "GOFLAGS="+mod, "GOTOOLCHAIN=local", "GOPACKAGESDRIVER=off")
	return withEnv(c.opts.Env, settings...)
}

// goCacheDirs pins the build and module caches to the user's own, the
// ones `go env` reports in the checkers' environment: the build cache is
// what keeps a check fast (dependencies' export data is reused, not
// recompiled), it is safe for concurrent use and shared with the user's
// builds, so it is warm from the first check; and with GOPROXY=off the
// user's module cache is the only place dependencies can come from.
// Pinning them keeps them even if a sandbox gives commands another HOME.
// Asked once; until the go command answers, nothing is pinned.
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
	out, err := c.run(ctx, command{Path: goCmd, Args: []string{"env", "GOCACHE", "GOMODCACHE", "GOPATH"}, Dir: c.ws.Dir(),
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

// loadGo runs go/packages in dir.
func (c *Checker) loadGo(ctx context.Context, dir string, env []string, tests bool, patterns ...string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Context: ctx,
		Dir:     dir,
		Env:     env,
		Mode:    goLoadMode,
		Tests:   tests,
	}
	return packages.Load(cfg, patterns...)
}

// checkGoFile type-checks the package that holds the Go file rel (with its
// test files when tests is set or rel is one) and reports the problems in
// all its files. Outside a module, the file is checked alone, as
// `go run file.go` builds it.
func (c *Checker) checkGoFile(ctx context.Context, rel string, tests bool) report {
	disp := workspace.Display(rel)
	abs := filepath.Join(c.ws.Dir(), rel)
	dir := filepath.Dir(abs)
	env := c.goEnv(ctx, c.modRoot(path.Dir(disp)))
	tests = tests || strings.HasSuffix(rel, "_test.go")
	scope := ""
	pkgs, err := c.loadGo(ctx, dir, env, tests, ".")
	if err == nil && len(pkgs) == 0 {
		// Outside a module "." is no package (go.mod file not found);
		// a file named on the command line still is.
		pkgs, err = c.loadGo(ctx, dir, env, tests, "./"+filepath.Base(abs))
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
	found := c.goFindings(pkg, dir)
	if tests {
		// The external test package (package x_test) is checked too.
		for _, p := range pkgs {
			if p != pkg && strings.HasSuffix(p.Name, "_test") && strings.HasSuffix(p.ID, ".test]") {
				found = append(found, c.goFindings(p, dir)...)
			}
		}
	}
	return report{checkers: []string{"go types"}, scope: scope, findings: dropRebuilt(found)}
}

// packageOf picks the loaded package that compiles the file disp (with
// tests, the test variant), or says the file is left out by build
// constraints.
func (c *Checker) packageOf(pkgs []*packages.Package, disp string) (*packages.Package, bool) {
	var found *packages.Package
	ignored := false
	for _, p := range pkgs {
		for _, f := range p.GoFiles {
			if c.display(f) == disp && (found == nil || len(p.GoFiles) > len(found.GoFiles)) {
				found = p // the test variant lists more files than the plain one
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
func (c *Checker) goFindings(pkg *packages.Package, dir string) []finding {
	typed := slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.TypeError || e.Kind == packages.ParseError
	})
	var out []finding
	// A dependency that could not be loaded (not downloaded, not in
	// go.mod) is explained by the go command at the import; the type
	// check's "could not import" for it says less.
	broken := map[string]bool{}
	for _, ipath := range slices.Sorted(maps.Keys(pkg.Imports)) {
		for _, e := range pkg.Imports[ipath].Errors {
			if e.Kind != packages.ListError || strings.HasPrefix(e.Msg, "# ") {
				continue // a dependency that loaded but does not build is checked on its own
			}
			broken[ipath] = true
			f := finding{msg: c.cleanMsg(e.Msg), checker: "go list"}
			if !strings.Contains(f.msg, ipath) {
				f.msg = ipath + ": " + f.msg
			}
			f.file, f.line, f.col = c.goPos(e.Pos, dir)
			f.msg += missingModuleHint(e.Msg)
			out = append(out, f)
		}
	}
	for _, e := range pkg.Errors {
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
		f := finding{msg: c.cleanMsg(e.Msg), checker: goChecker(e.Kind)}
		f.file, f.line, f.col = c.goPos(e.Pos, dir)
		if e.Kind == packages.ParseError && slices.ContainsFunc(out, func(g finding) bool {
			return g.checker == f.checker && g.file == f.file && g.line == f.line
		}) {
			continue // the parser's first complaint on a line is the one that counts
		}
		f.msg += missingModuleHint(e.Msg)
		out = append(out, f)
	}
	return out
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

// goPos splits a go command position ("file:line:col", "file:line",
// "file", "-" or "").
func (c *Checker) goPos(pos, dir string) (file string, line, col int) {
	if pos == "" || pos == "-" {
		return "", 0, 0
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
		return "", 0, 0
	}
	if len(nums) > 0 {
		line = nums[0]
	}
	if len(nums) > 1 {
		col = nums[1]
	}
	return file, line, col
}

// compilerFindings reads the compiler's "# pkg\n./f.go:1:2: msg" output.
func (c *Checker) compilerFindings(msg, dir string) []finding {
	var out []finding
	for _, line := range strings.Split(msg, "\n") {
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		f, ok := parseLine(line, "go build")
		if !ok {
			out = append(out, finding{msg: c.cleanMsg(line), checker: "go build"})
			continue
		}
		f.file, _, _ = c.goPos(filepath.FromSlash(f.file), dir)
		f.msg = c.cleanMsg(f.msg)
		out = append(out, f)
	}
	return out
}

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
	msg := err.Error()
	if i := strings.Index(msg, "stderr: "); i >= 0 {
		msg = msg[i+len("stderr: "):]
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the go command did not finish in time"
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
	out, err := c.run(ctx, command{Path: goCmd, Args: append([]string{"vet", "-json"}, patterns...), Dir: dir, Env: env})
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
					f := finding{msg: c.cleanMsg(d.Message), checker: "go vet " + name}
					f.file, f.line, f.col = c.goPos(d.Posn, dir)
					out = append(out, f)
				}
			}
		}
	}
	return out
}
