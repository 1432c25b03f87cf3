package pyproject

// This file reads the project files of one project: dependencies, Python
// version hints, test configuration and package managers.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/lazyre"
)

// maxSetting bounds one test setting as reported ("addopts = ...").
const maxSetting = 80

// pyproject reads pyproject.toml: PEP 621, PEP 735, Poetry, uv and PDM
// dependencies, Python version hints, pytest settings and the tool tables
// that name a package manager.
func (a *analysis) pyproject() {
	text, ok := a.read("pyproject.toml", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("pyproject.toml")
	at := func(line int) string { return posString(file, line) }
	hasProject := false
	toolSeen := map[string]bool{}
	var pytest *TestConfig
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
					a.p.deps = append(a.p.deps, Requirement{name, cleanSpec(s.s), file, s.line})
				}
			}
		case isPoetryDeps(table):
			name := normalizeName(key)
			if name == "python" {
				a.p.Python = append(a.p.Python, Hint{"python " + e.value(), at(e.line)})
				continue
			}
			spec := key
			if len(e.strs) == 1 && e.strs[0].s != "*" {
				spec += " " + e.strs[0].s
			}
			a.p.deps = append(a.p.deps, Requirement{name, cut(spec, 60), file, e.line})
		case table == "project" && key == "requires-python":
			a.p.Python = append(a.p.Python, Hint{"requires-python " + e.value(), at(e.line)})
		case table == "tool.ruff" && key == "target-version", table == "tool.black" && key == "target-version":
			a.p.Python = append(a.p.Python, Hint{strings.TrimPrefix(table, "tool.") + " target-version " + e.value(), at(e.line)})
		case table == "tool.mypy" && key == "python_version":
			a.p.Python = append(a.p.Python, Hint{"mypy python_version " + e.value(), at(e.line)})
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
				a.p.Tests.Configs = append(a.p.Tests.Configs, TestConfig{Where: at(e.line), Section: "[" + table + "]"})
				pytest = &a.p.Tests.Configs[len(a.p.Tests.Configs)-1]
			}
			pytest.Settings = append(pytest.Settings, cut(key+" = "+e.value(), maxSetting))
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

// setupCfg reads setup.cfg: install_requires, extras, python_requires and
// [tool:pytest].
func (a *analysis) setupCfg() {
	text, ok := a.read("setup.cfg", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("setup.cfg")
	var pytest *TestConfig
	for _, e := range scanINI(text) {
		switch {
		case e.section == "options" && e.key == "install_requires", e.section == "options.extras_require", e.section == "options" && e.key == "tests_require":
			for _, v := range e.values {
				if name, ok := parseRequirement(v.s); ok {
					a.p.deps = append(a.p.deps, Requirement{name, cleanSpec(v.s), file, v.line})
				}
			}
		case e.section == "options" && e.key == "python_requires":
			a.p.Python = append(a.p.Python, Hint{"python_requires " + e.value(), posString(file, e.line)})
		case e.section == "tool:pytest":
			if pytest == nil {
				a.p.Tests.Configs = append(a.p.Tests.Configs, TestConfig{Where: posString(file, e.line), Section: "[tool:pytest]"})
				pytest = &a.p.Tests.Configs[len(a.p.Tests.Configs)-1]
			}
			pytest.Settings = append(pytest.Settings, cut(e.key+" = "+e.value(), maxSetting))
		}
	}
	a.manager("pip", file)
}

// setupPy reads the quoted requirements and python_requires of setup.py.
func (a *analysis) setupPy() {
	text, ok := a.read("setup.py", scanMaxFile)
	if !ok {
		return
	}
	file := a.d.join("setup.py")
	a.p.deps = append(a.p.deps, setupPyRequirements(file, text, interestingPackage)...)
	for i, line := range strings.Split(text, "\n") {
		if m := pythonRequireRE.FindStringSubmatch(line); m != nil {
			a.p.Python = append(a.p.Python, Hint{"python_requires " + m[1], posString(file, i+1)})
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

// pipfile reads a Pipfile's packages and required Python.
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
			a.p.deps = append(a.p.deps, Requirement{normalizeName(e.key), cut(spec, 60), file, e.line})
		case e.table == "requires" && (e.key == "python_version" || e.key == "python_full_version"):
			a.p.Python = append(a.p.Python, Hint{e.key + " " + e.value(), posString(file, e.line)})
		}
	}
	a.manager("pipenv", file)
}

// requirements reads requirements*.txt (and *.in) beside the project
// files and in a requirements/ directory, at most six files.
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
		a.p.Tests.Configs = append(a.p.Tests.Configs, TestConfig{Where: file, Section: "[pytest]"})
	} else {
		a.p.Tests.Others = append(a.p.Tests.Others, Hint{"tox", file})
	}
	var pytest *TestConfig
	if name == "pytest.ini" {
		pytest = &a.p.Tests.Configs[len(a.p.Tests.Configs)-1]
	}
	for _, e := range scanINI(text) {
		switch {
		case e.section == "pytest":
			if pytest == nil {
				a.p.Tests.Configs = append(a.p.Tests.Configs, TestConfig{Where: posString(file, e.line), Section: "[pytest]"})
				pytest = &a.p.Tests.Configs[len(a.p.Tests.Configs)-1]
			}
			pytest.Settings = append(pytest.Settings, cut(e.key+" = "+e.value(), maxSetting))
		case e.section == "tox" && e.key == "envlist":
			a.p.Python = append(a.p.Python, Hint{"tox envlist " + e.value(), posString(file, e.line)})
		}
	}
}

var (
	dockerPythonRE = lazyre.New(`(?i)^\s*FROM\s+(?:--\S+\s+)*(?:\S+/)?python:(\S+)`)
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
		a.p.Python = append(a.p.Python, Hint{cut(v, 40), a.d.join(".python-version")})
	}
	if v, ok := firstLine("runtime.txt"); ok {
		a.p.Python = append(a.p.Python, Hint{cut(v, 40), a.d.join("runtime.txt")})
	}
	if text, ok := a.read(".tool-versions", 4<<10); ok {
		for i, line := range strings.Split(text, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "python" {
				a.p.Python = append(a.p.Python, Hint{cut(strings.Join(f[1:], " "), 40), posString(a.d.join(".tool-versions"), i+1)})
			}
		}
	}
	if text, ok := a.read("Dockerfile", scanMaxFile); ok {
		for i, line := range strings.Split(text, "\n") {
			if m := dockerPythonRE.FindStringSubmatch(line); m != nil {
				a.p.Python = append(a.p.Python, Hint{"image python:" + cut(m[1], 40), posString(a.d.join("Dockerfile"), i+1)})
				break
			}
		}
	}
	if a.d.has("noxfile.py") {
		a.p.Tests.Others = append(a.p.Tests.Others, Hint{"nox", a.d.join("noxfile.py")})
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

var settingsModuleRE = lazyre.New(`DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']`)

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
