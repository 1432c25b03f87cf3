package check

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

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
