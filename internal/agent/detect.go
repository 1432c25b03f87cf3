package agent

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
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
// workspace-relative slash paths.
type Project struct {
	Dir        string   // "." for the workspace root
	Files      []string // the project files that made it a project
	Frameworks []Detected
	Libraries  []requirement
	Python     []hint
	Managers   []hint // name and evidence, most specific first
	Tests      testInfo
	Entry      []string // where the app object or settings are
	DjangoApps []string
	Layout     []layoutPaths

	deps []requirement
}

// Detected is a framework and the evidence for it.
type Detected struct {
	Name     string
	Evidence []string
}

// hint is a fact and where it was read.
type hint struct {
	text  string
	where string
}

type testInfo struct {
	configs   []testConfig
	deps      []requirement // pytest and its plugins
	conftests []string
	others    []hint // tox, nox
}

type testConfig struct {
	where    string // file:line
	section  string
	settings []string
}

type layoutPaths struct {
	kind  string
	paths []string
	more  int
}

// projectFiles make a directory a Python project.
var projectFiles = []string{"pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "manage.py"}

var requirementsRE = regexp.MustCompile(`^requirements.*\.(txt|in)$`)

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
		if m.text == name {
			a.p.Managers[i].where += ", " + evidence
			return
		}
	}
	a.p.Managers = append(a.p.Managers, hint{name, evidence})
}

func (a *analysis) pyproject() {
	text, ok := a.read("pyproject.toml", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("pyproject.toml")
	at := func(line int) string { return posString(file, line) }
	hasProject := false
	toolSeen := map[string]bool{}
	var pytest *testConfig
	for _, e := range scanTOML(text) {
		table, key := e.table, e.key
		switch {
		case table == "project" && key == "dependencies",
			table == "project.optional-dependencies",
			table == "dependency-groups",
			table == "tool.uv" && (key == "dev-dependencies" || key == "constraint-dependencies"),
			table == "tool.pdm.dev-dependencies":
			for _, s := range e.strs {
				if name, ok := parseRequirement(s.s); ok {
					a.p.deps = append(a.p.deps, requirement{name, cleanSpec(s.s), file, s.line})
				}
			}
		case isPoetryDeps(table):
			name := normalizeName(key)
			if name == "python" {
				a.p.Python = append(a.p.Python, hint{"python " + e.value(), at(e.line)})
				continue
			}
			spec := key
			if len(e.strs) == 1 && e.strs[0].s != "*" {
				spec += " " + e.strs[0].s
			}
			a.p.deps = append(a.p.deps, requirement{name, cut(spec, 60), file, e.line})
		case table == "project" && key == "requires-python":
			a.p.Python = append(a.p.Python, hint{"requires-python " + e.value(), at(e.line)})
		case table == "tool.ruff" && key == "target-version", table == "tool.black" && key == "target-version":
			a.p.Python = append(a.p.Python, hint{strings.TrimPrefix(table, "tool.") + " target-version " + e.value(), at(e.line)})
		case table == "tool.mypy" && key == "python_version":
			a.p.Python = append(a.p.Python, hint{"mypy python_version " + e.value(), at(e.line)})
		case table == "build-system" && key == "requires":
			for _, s := range e.strs {
				switch name, _ := parseRequirement(s.s); name {
				case "poetry-core", "poetry":
					a.manager("poetry", at(s.line)+" builds with "+name)
				case "pdm-backend", "pdm-pep517":
					a.manager("pdm", at(s.line)+" builds with "+name)
				case "uv-build":
					a.manager("uv", at(s.line)+" builds with uv_build")
				}
			}
		case table == "tool.pytest.ini_options" || table == "tool.pytest":
			if pytest == nil {
				a.p.Tests.configs = append(a.p.Tests.configs, testConfig{where: at(e.line), section: "[" + table + "]"})
				pytest = &a.p.Tests.configs[len(a.p.Tests.configs)-1]
			}
			pytest.settings = append(pytest.settings, key+" = "+e.value())
		}
		if table == "project" {
			hasProject = true
		}
		for _, tool := range []string{"poetry", "uv", "pdm", "hatch"} {
			if !toolSeen[tool] && (table == "tool."+tool || strings.HasPrefix(table, "tool."+tool+".")) {
				toolSeen[tool] = true
				a.manager(tool, fmt.Sprintf("[tool.%s] in %s", tool, at(e.line)))
			}
		}
	}
	if hasProject {
		a.manager("pip", file+" [project]")
	}
}

// isPoetryDeps reports whether a table lists Poetry dependencies by key.
func isPoetryDeps(table string) bool {
	if table == "tool.poetry.dependencies" || table == "tool.poetry.dev-dependencies" {
		return true
	}
	rest, ok := strings.CutPrefix(table, "tool.poetry.group.")
	return ok && strings.HasSuffix(rest, ".dependencies")
}

func (a *analysis) setupCfg() {
	text, ok := a.read("setup.cfg", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("setup.cfg")
	var pytest *testConfig
	for _, e := range scanINI(text) {
		switch {
		case e.section == "options" && e.key == "install_requires", e.section == "options.extras_require", e.section == "options" && e.key == "tests_require":
			for _, v := range e.values {
				if name, ok := parseRequirement(v.s); ok {
					a.p.deps = append(a.p.deps, requirement{name, cleanSpec(v.s), file, v.line})
				}
			}
		case e.section == "options" && e.key == "python_requires":
			a.p.Python = append(a.p.Python, hint{"python_requires " + e.value(), posString(file, e.line)})
		case e.section == "tool:pytest":
			if pytest == nil {
				a.p.Tests.configs = append(a.p.Tests.configs, testConfig{where: posString(file, e.line), section: "[tool:pytest]"})
				pytest = &a.p.Tests.configs[len(a.p.Tests.configs)-1]
			}
			pytest.settings = append(pytest.settings, e.key+" = "+e.value())
		}
	}
	a.manager("pip", file)
}

func (a *analysis) setupPy() {
	text, ok := a.read("setup.py", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("setup.py")
	a.p.deps = append(a.p.deps, setupPyRequirements(file, text, interestingPackage)...)
	for i, line := range strings.Split(text, "\n") {
		if m := pythonRequireRE.FindStringSubmatch(line); m != nil {
			a.p.Python = append(a.p.Python, hint{"python_requires " + m[1], posString(file, i+1)})
		}
	}
	a.manager("pip", file)
}

// interestingPackage reports whether detection reports anything about a
// package: a framework, a library, or pytest and its plugins.
func interestingPackage(name string) bool {
	for _, f := range frameworks {
		if f.pkg == name {
			return true
		}
	}
	return slices.Contains(libraries, name) || name == "pytest" || strings.HasPrefix(name, "pytest-")
}

func (a *analysis) pipfile() {
	text, ok := a.read("Pipfile", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("Pipfile")
	for _, e := range scanTOML(text) {
		switch {
		case e.table == "packages" || e.table == "dev-packages":
			spec := e.key
			if len(e.strs) == 1 && e.strs[0].s != "*" {
				spec += " " + e.strs[0].s
			}
			a.p.deps = append(a.p.deps, requirement{normalizeName(e.key), cut(spec, 60), file, e.line})
		case e.table == "requires" && (e.key == "python_version" || e.key == "python_full_version"):
			a.p.Python = append(a.p.Python, hint{e.key + " " + e.value(), posString(file, e.line)})
		}
	}
	a.manager("pipenv", file)
}

func (a *analysis) requirements() {
	var files []string
	for _, name := range a.d.files {
		if requirementsRE.MatchString(name) {
			files = append(files, name)
		}
	}
	// requirements.txt first: it is where dependencies are added.
	slices.SortStableFunc(files, func(x, y string) int {
		return boolInt(y == "requirements.txt") - boolInt(x == "requirements.txt")
	})
	if sub := a.t.dir(a.d.join("requirements")); sub != nil {
		for _, name := range sub.files {
			if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".in") {
				files = append(files, "requirements/"+name)
			}
		}
	}
	var names []string
	for _, name := range files {
		if len(names) == 6 {
			break
		}
		data := a.t.read(a.ctx, a.d.join(name), scanMaxFile)
		if data == nil {
			continue
		}
		names = append(names, a.d.join(name))
		a.p.deps = append(a.p.deps, requirementsLines(a.d.join(name), strings.ReplaceAll(string(data), "\r\n", "\n"))...)
	}
	if len(names) > 0 {
		a.manager("pip", strings.Join(names, ", "))
	}
}

// iniTests reads pytest's [pytest] section, and tox's envlist, from
// pytest.ini or tox.ini.
func (a *analysis) iniTests(name string) {
	text, ok := a.read(name, scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join(name)
	if name == "pytest.ini" {
		// pytest.ini configures pytest even when empty.
		a.p.Tests.configs = append(a.p.Tests.configs, testConfig{where: file, section: "[pytest]"})
	} else {
		a.p.Tests.others = append(a.p.Tests.others, hint{"tox", file})
	}
	var pytest *testConfig
	if name == "pytest.ini" {
		pytest = &a.p.Tests.configs[len(a.p.Tests.configs)-1]
	}
	for _, e := range scanINI(text) {
		switch {
		case e.section == "pytest":
			if pytest == nil {
				a.p.Tests.configs = append(a.p.Tests.configs, testConfig{where: posString(file, e.line), section: "[pytest]"})
				pytest = &a.p.Tests.configs[len(a.p.Tests.configs)-1]
			}
			pytest.settings = append(pytest.settings, e.key+" = "+e.value())
		case e.section == "tox" && e.key == "envlist":
			a.p.Python = append(a.p.Python, hint{"tox envlist " + e.value(), posString(file, e.line)})
		}
	}
}

var (
	dockerPythonRE = regexp.MustCompile(`(?i)^\s*FROM\s+(?:--\S+\s+)*(?:\S+/)?python:(\S+)`)
)

// pythonFiles reads the small files that pin a Python version.
func (a *analysis) pythonFiles() {
	firstLine := func(name string) (string, bool) {
		text, ok := a.read(name, 4<<10)
		if !ok {
			return "", false
		}
		for line := range strings.SplitSeq(text, "\n") {
			if line = strings.TrimSpace(line); line != "" && line[0] != '#' {
				return line, true
			}
		}
		return "", false
	}
	if v, ok := firstLine(".python-version"); ok {
		a.p.Python = append(a.p.Python, hint{cut(v, 40), a.d.join(".python-version")})
	}
	if v, ok := firstLine("runtime.txt"); ok {
		a.p.Python = append(a.p.Python, hint{cut(v, 40), a.d.join("runtime.txt")})
	}
	if text, ok := a.read(".tool-versions", 4<<10); ok {
		for i, line := range strings.Split(text, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "python" {
				a.p.Python = append(a.p.Python, hint{cut(strings.Join(f[1:], " "), 40), posString(a.d.join(".tool-versions"), i+1)})
			}
		}
	}
	if text, ok := a.read("Dockerfile", scanMaxFile); ok {
		for i, line := range strings.Split(text, "\n") {
			if m := dockerPythonRE.FindStringSubmatch(line); m != nil {
				a.p.Python = append(a.p.Python, hint{"image python:" + cut(m[1], 40), posString(a.d.join("Dockerfile"), i+1)})
				break
			}
		}
	}
	if a.d.has("noxfile.py") {
		a.p.Tests.others = append(a.p.Tests.others, hint{"nox", a.d.join("noxfile.py")})
	}
}

// lockFiles names the package managers whose lock files are present.
func (a *analysis) lockFiles() {
	for _, lf := range []struct{ file, manager string }{
		{"uv.lock", "uv"}, {"poetry.lock", "poetry"}, {"pdm.lock", "pdm"}, {"Pipfile.lock", "pipenv"},
	} {
		if a.d.has(lf.file) {
			a.manager(lf.manager, a.d.join(lf.file))
		}
	}
}

var settingsModuleRE = regexp.MustCompile(`DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']`)

// djangoManage reads manage.py: Django's evidence and its settings module.
func (a *analysis) djangoManage() {
	if !a.d.has("manage.py") {
		return
	}
	file := a.d.join("manage.py")
	a.manage = file
	text, ok := a.read("manage.py", scanMaxFile)
	if !ok {
		return
	}
	for i, line := range strings.Split(text, "\n") {
		if m := settingsModuleRE.FindStringSubmatch(line); m != nil {
			a.p.Entry = append(a.p.Entry, fmt.Sprintf("%s sets DJANGO_SETTINGS_MODULE to %s", posString(file, i+1), m[1]))
			break
		}
	}
}

// layoutKinds say which names show where a kind of code lives.
var layoutKinds = []struct {
	kind  string
	dirs  []string
	files []string
}{
	{"models", []string{"models"}, []string{"models.py"}},
	{"schemas", []string{"schemas"}, []string{"schemas.py"}},
	{"serializers", []string{"serializers"}, []string{"serializers.py"}},
	{"routers", []string{"routers", "routes", "endpoints", "blueprints"}, []string{"routers.py", "routes.py", "endpoints.py"}},
	{"views", []string{"views"}, []string{"views.py"}},
	{"URL configuration", nil, []string{"urls.py"}},
	{"services", []string{"services", "crud", "repositories"}, []string{"services.py", "service.py", "crud.py"}},
	{"settings", []string{"settings"}, []string{"settings.py", "config.py"}},
	{"migrations", []string{"migrations", "alembic"}, []string{"alembic.ini"}},
	{"tests", []string{"tests", "test"}, []string{"tests.py"}},
}

const (
	layoutMaxDepth = 3 // directories below a project's root that layout reports from
	layoutMaxPaths = 4 // paths shown for one kind
)

// noLayoutInside are directories whose contents say nothing about where
// application code lives.
var noLayoutInside = map[string]bool{"tests": true, "test": true, "migrations": true, "alembic": true}

func (a *analysis) layout(dirs []*dirInfo) {
	found := map[string][]string{}
	for _, d := range dirs {
		depth := depthBelow(a.p.Dir, d.path)
		if depth > layoutMaxDepth || insideAny(rel(a.p.Dir, d.path), noLayoutInside) {
			continue
		}
		for _, k := range layoutKinds {
			for _, name := range d.subdirs {
				if slices.Contains(k.dirs, name) {
					found[k.kind] = append(found[k.kind], d.join(name)+"/")
				}
			}
			for _, name := range d.files {
				if slices.Contains(k.files, name) {
					found[k.kind] = append(found[k.kind], d.join(name))
				}
			}
		}
		if d.has("apps.py") && d.path != a.p.Dir {
			a.p.DjangoApps = append(a.p.DjangoApps, d.path+"/")
		}
		if d.has("conftest.py") {
			a.p.Tests.conftests = append(a.p.Tests.conftests, d.join("conftest.py"))
		}
		if depth == 0 && !d.hasDir("tests") && !d.hasDir("test") {
			for _, name := range d.files {
				if strings.HasPrefix(name, "test_") && strings.HasSuffix(name, ".py") {
					found["tests"] = append(found["tests"], d.join(name))
				}
			}
		}
	}
	// Inside a tests tree, only conftest.py files matter.
	for _, d := range dirs {
		if depthBelow(a.p.Dir, d.path) <= layoutMaxDepth && insideAny(rel(a.p.Dir, d.path), noLayoutInside) && d.has("conftest.py") {
			a.p.Tests.conftests = append(a.p.Tests.conftests, d.join("conftest.py"))
		}
	}
	slices.Sort(a.p.Tests.conftests)
	for _, k := range layoutKinds {
		paths := found[k.kind]
		if len(paths) == 0 {
			continue
		}
		lp := layoutPaths{kind: k.kind, paths: paths}
		if len(paths) > layoutMaxPaths {
			lp.paths, lp.more = paths[:layoutMaxPaths], len(paths)-layoutMaxPaths
		}
		a.p.Layout = append(a.p.Layout, lp)
	}
}

// insideAny reports whether a relative slash path has a component in set.
func insideAny(p string, set map[string]bool) bool {
	for part := range strings.SplitSeq(p, "/") {
		if set[part] {
			return true
		}
	}
	return false
}

const (
	importMaxFiles = 12 // Python files read per project for imports
	importMaxDepth = 2  // directories below a project's root they come from
)

var (
	importRE = regexp.MustCompile(`^\s*(?:from\s+([A-Za-z_]\w*)[\s.]|import\s+([A-Za-z_]\w*)\b)`)
	appRE    = regexp.MustCompile(`^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(FastAPI|Flask|Litestar|Starlette|Quart|Sanic)\(`)
	factory  = regexp.MustCompile(`^(?:async\s+)?def\s+create_app\s*\(`)
)

// pyPreference orders the Python files most likely to import the framework.
var pyPreference = []string{"main.py", "app.py", "asgi.py", "wsgi.py", "application.py", "server.py", "api.py", "__init__.py", "urls.py", "views.py", "routes.py", "settings.py"}

// imports reads the heads of a few Python files for framework imports and
// the app object.
func (a *analysis) imports(dirs []*dirInfo) {
	type pyFile struct {
		path  string
		depth int
		pref  int
	}
	var files []pyFile
	for _, d := range dirs {
		depth := depthBelow(a.p.Dir, d.path)
		if depth > importMaxDepth || insideAny(rel(a.p.Dir, d.path), noLayoutInside) {
			continue
		}
		for _, name := range d.files {
			if !strings.HasSuffix(name, ".py") || name == "setup.py" || name == "manage.py" || name == "noxfile.py" || name == "conftest.py" {
				continue
			}
			pref := slices.Index(pyPreference, name)
			if pref < 0 {
				pref = len(pyPreference)
			}
			files = append(files, pyFile{d.join(name), depth, pref})
		}
	}
	slices.SortStableFunc(files, func(x, y pyFile) int {
		if x.depth != y.depth {
			return x.depth - y.depth
		}
		return x.pref - y.pref
	})
	a.importEv = map[string][]string{}
	for i, f := range files {
		if i == importMaxFiles {
			break
		}
		data := a.t.read(a.ctx, f.path, scanPyHead)
		if data == nil {
			continue
		}
		for n, line := range strings.Split(string(data), "\n") {
			line = strings.TrimRight(line, "\r")
			if m := importRE.FindStringSubmatch(line); m != nil {
				mod := m[1] + m[2]
				if len(a.importEv[mod]) < 2 {
					a.importEv[mod] = append(a.importEv[mod], fmt.Sprintf("%s `%s`", posString(f.path, n+1), cut(strings.TrimSpace(line), 70)))
				}
			}
			if m := appRE.FindStringSubmatch(line); m != nil {
				entry := fmt.Sprintf("%s `%s`", posString(f.path, n+1), cut(strings.TrimSpace(line), 70))
				if m[2] != "Flask" && m[2] != "Quart" {
					entry += " (ASGI app " + modulePath(rel(a.p.Dir, f.path)) + ":" + m[1] + ")"
				}
				a.p.Entry = append(a.p.Entry, entry)
			} else if factory.MatchString(line) {
				a.p.Entry = append(a.p.Entry, fmt.Sprintf("%s `%s` (application factory)", posString(f.path, n+1), cut(strings.TrimSpace(line), 70)))
			}
		}
	}
}

// modulePath turns app/main.py into app.main (and src/pkg/app.py into
// pkg.app, as src layouts install it).
func modulePath(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "src/"), ".py")
	p = strings.TrimSuffix(p, "/__init__")
	return strings.ReplaceAll(p, "/", ".")
}

const maxEvidence = 3 // evidence lines shown for one framework

// frameworks decides the project's frameworks from its dependencies,
// manage.py and imports, and picks out the libraries and test tools.
func (a *analysis) frameworks() {
	for _, f := range frameworks {
		var ev []string
		for _, r := range a.p.deps {
			if r.name == f.pkg && len(ev) < maxEvidence {
				ev = append(ev, fmt.Sprintf("%s depends on %s", r.where(), r.spec))
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
		case seen[r.name]:
		case slices.Contains(libraries, r.name) && len(a.p.Libraries) < 12:
			a.p.Libraries = append(a.p.Libraries, r)
		case r.name == "pytest" || strings.HasPrefix(r.name, "pytest-"):
			a.p.Tests.deps = append(a.p.Tests.deps, r)
		}
		seen[r.name] = true
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
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

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
