// Package pyproject finds the Python projects in a workspace and what they
// use: frameworks and the evidence for them, libraries, Python version
// hints, package managers, test set-up and where each kind of code lives.
//
// Detect looks at a bounded part of the tree (see scan.go) through an fs.FS
// the caller confines to the workspace, never fails, and returns facts
// ready to show, each with the file and line it was read from. Writing
// them up for a model is the caller's job (internal/agent's Workspace
// section).
package pyproject

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentbox/agentbox/internal/lazyre"
)

// framework is a Python web framework detection recognises.
type framework struct {
	name   string // as people write it
	pkg    string // its distribution name, normalized
	module string // its top-level import
}

// frameworks are the frameworks detection knows, in the order reports list
// them.
var frameworks = []framework{
	{"FastAPI", "fastapi", "fastapi"},
	{"Django", "django", "django"},
	{"Flask", "flask", "flask"},
	{"Starlette", "starlette", "starlette"},
	{"Litestar", "litestar", "litestar"},
	{"Quart", "quart", "quart"},
	{"Sanic", "sanic", "sanic"},
	{"Falcon", "falcon", "falcon"},
	{"Pyramid", "pyramid", "pyramid"},
}

// libraries are the dependencies worth naming beside the framework: they
// decide how models, validation, data access and serving are written.
var libraries = []string{
	"pydantic", "pydantic-settings", "sqlalchemy", "sqlmodel", "alembic",
	"djangorestframework", "django-ninja", "flask-sqlalchemy", "marshmallow",
	"strawberry-graphql", "graphene", "celery", "uvicorn", "gunicorn",
	"httpx", "asyncpg", "psycopg", "psycopg2", "psycopg2-binary", "redis",
}

// Report is what detection found in a workspace.
type Report struct {
	// Projects are the Python projects found: the root, and directories
	// up to two levels down with a project file. When there is none, the
	// root alone, searched for imports.
	Projects []*Project
	// Cut says why the look stopped early; "" when it saw all it meant to.
	Cut string
}

// Project is one Python project and what was found in it. Paths are
// workspace-relative slash paths; every text is ready to show.
type Project struct {
	Dir        string   // "." for the workspace root
	Files      []string // the project files that made it a project
	Frameworks []Detected
	Libraries  []Requirement // the ones worth naming beside the framework
	Python     []Hint        // version hints: "requires-python >=3.11"
	Managers   []Hint        // package manager names and evidence, in the order found
	Tests      Tests
	Entry      []string // where the app object or settings are
	DjangoApps []string // directories with an apps.py, slash-terminated
	Layout     []Layout

	deps []Requirement
}

// Detected is a framework and the evidence for it.
type Detected struct {
	Name     string
	Evidence []string
}

// Hint is a fact and where it was read (file or file:line).
type Hint struct {
	Text  string
	Where string
}

// Tests is what was found about a project's tests.
type Tests struct {
	Configs   []TestConfig  // pytest configuration sections
	Deps      []Requirement // pytest and its plugins
	Conftests []string
	Others    []Hint // tox, nox
}

// TestConfig is one pytest configuration section.
type TestConfig struct {
	Where    string // file:line
	Section  string // as written: "[tool.pytest.ini_options]"
	Settings []string
}

// Layout is where one kind of code lives ("models", "routers", "tests"...).
type Layout struct {
	Kind  string
	Paths []string // at most a few
	More  int      // paths not listed
}

// Frameworks returns the names of the frameworks detection recognises, in
// the order reports list them.
func Frameworks() []string {
	names := make([]string, len(frameworks))
	for i, f := range frameworks {
		names[i] = f.name
	}
	return names
}

// projectFiles make a directory a Python project.
var projectFiles = []string{"pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "manage.py"}

var requirementsRE = lazyre.New(`^requirements.*\.(txt|in)$`)

// Detect looks at the workspace in fsys, within the limits in scan.go, and
// reports the Python projects, frameworks and tooling it finds. It never
// fails: what it cannot read it does not report.
func Detect(ctx context.Context, fsys fs.FS) *Report {
	return report(ctx, walk(ctx, fsys))
}

// report analyzes the projects of a walked tree.
func report(ctx context.Context, t *tree) *Report {
	var roots []string
	for _, p := range t.order {
		d := t.dirs[p]
		if d.depth <= 2 && len(projectMarkers(d)) > 0 {
			roots = append(roots, p)
		}
	}
	if len(roots) == 0 {
		roots = []string{"."}
	}
	r := &Report{}
	for _, root := range roots {
		r.Projects = append(r.Projects, analyze(ctx, t, root, roots))
	}
	r.Cut = t.cut
	return r
}

// projectMarkers returns the project files in d.
func projectMarkers(d *dirInfo) []string {
	var found []string
	for _, name := range projectFiles {
		if d.has(name) {
			found = append(found, d.join(name))
		}
	}
	for _, name := range d.files {
		if requirementsRE.MatchString(name) {
			found = append(found, d.join(name))
		}
	}
	return found
}

// owned lists the directories of project root, nearest first: those below
// it that no deeper project claims.
func owned(t *tree, root string, roots []string) []*dirInfo {
	under := func(p, base string) bool { return base == "." || p == base || strings.HasPrefix(p, base+"/") }
	var out []*dirInfo
	for _, p := range t.order {
		if !under(p, root) {
			continue
		}
		claimed := slices.ContainsFunc(roots, func(other string) bool {
			return other != root && under(other, root) && under(p, other)
		})
		if !claimed {
			out = append(out, t.dirs[p])
		}
	}
	return out
}

// analyze reads one project's files.
func analyze(ctx context.Context, t *tree, root string, roots []string) *Project {
	d := t.dir(root)
	if d == nil { // the root could not be listed
		d = &dirInfo{path: root}
	}
	p := &Project{Dir: root, Files: projectMarkers(d)}
	a := &analysis{ctx: ctx, t: t, p: p, d: d}
	a.pyproject()
	a.setupCfg()
	a.setupPy()
	a.pipfile()
	a.requirements()
	a.iniTests("pytest.ini")
	a.iniTests("tox.ini")
	a.pythonFiles()
	a.lockFiles()
	a.djangoManage()
	dirs := owned(t, root, roots)
	a.layout(dirs)
	a.imports(dirs)
	a.frameworks()
	return p
}

type analysis struct {
	ctx      context.Context
	t        *tree
	p        *Project
	d        *dirInfo
	importEv map[string][]string // imported module -> evidence
	manage   string              // evidence from manage.py
}

func (a *analysis) read(name string, max int) (string, bool) {
	if !a.d.has(name) {
		return "", false
	}
	data := a.t.read(a.ctx, a.d.join(name), max)
	if data == nil {
		return "", false
	}
	return strings.ReplaceAll(string(data), "\r\n", "\n"), true
}

func (a *analysis) manager(name, evidence string) {
	for i, m := range a.p.Managers {
		if m.Text == name {
			a.p.Managers[i].Where += ", " + evidence
			return
		}
	}
	a.p.Managers = append(a.p.Managers, Hint{name, evidence})
}

const maxEvidence = 3 // evidence lines shown for one framework

// frameworks decides the project's frameworks from its dependencies,
// manage.py and imports, and picks out the libraries and test tools.
func (a *analysis) frameworks() {
	for _, f := range frameworks {
		var ev []string
		for _, r := range a.p.deps {
			if r.Name == f.pkg && len(ev) < maxEvidence {
				ev = append(ev, fmt.Sprintf("%s depends on %s", r.Where(), r.Spec))
			}
		}
		if f.name == "Django" && a.manage != "" && len(ev) < maxEvidence {
			ev = append(ev, a.manage+" is Django's command-line entry point")
		}
		for _, imp := range a.importEv[f.module] {
			if len(ev) < maxEvidence {
				ev = append(ev, imp)
			}
		}
		if len(ev) > 0 {
			a.p.Frameworks = append(a.p.Frameworks, Detected{Name: f.name, Evidence: ev})
		}
	}
	// FastAPI is built on Starlette: naming both would mislead.
	if slices.ContainsFunc(a.p.Frameworks, func(d Detected) bool { return d.Name == "FastAPI" }) {
		a.p.Frameworks = slices.DeleteFunc(a.p.Frameworks, func(d Detected) bool { return d.Name == "Starlette" })
	}
	seen := map[string]bool{}
	for _, r := range a.p.deps {
		switch {
		case seen[r.Name]:
		case slices.Contains(libraries, r.Name) && len(a.p.Libraries) < 12:
			a.p.Libraries = append(a.p.Libraries, r)
		case r.Name == "pytest" || strings.HasPrefix(r.Name, "pytest-"):
			a.p.Tests.Deps = append(a.p.Tests.Deps, r)
		}
		seen[r.Name] = true
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// posString is file:line, or file when line is 0.
func posString(file string, line int) string {
	if line == 0 {
		return file
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// cut shortens s to at most n bytes (on a rune boundary), marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - 3
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// plural returns "1 file" or "3 files" (and "3 directories", "3 entries").
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}
