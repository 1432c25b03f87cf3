package agent

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/agent/pyproject"
)

// workspaceView is what the Workspace section is written from.
type workspaceView struct {
	when      string // "when the prompt was requested"
	report    *pyproject.Report
	framework string   // the framework the user asked for; "" if none
	exposed   []string // the tools this server serves
	wanted    []string // the tools the definition names; nil for all
	python    string   // what python3 is in Bash, a sentence; "" when not said
}

// render writes the Workspace section: what detection found, project by
// project, and the tools at hand.
func (v workspaceView) render() string {
	var b strings.Builder
	b.WriteString("## Workspace\n\n")
	b.WriteString("agentbox looked at this workspace " + v.when + ": the directories near its root and a few files in them, not every file. Paths are relative to the workspace root; check a fact in the file before relying on it.\n")
	if v.report.Cut != "" {
		fmt.Fprintf(&b, "\nThe look stopped early, because %s: some of the workspace was not seen.\n", v.report.Cut)
	}
	if v.framework != "" {
		b.WriteString("\n" + v.requested() + "\n")
	}
	for _, p := range v.report.Projects {
		b.WriteString("\n")
		writeProject(&b, p)
	}
	if v.python != "" {
		b.WriteString("\nInterpreter: " + v.python + "\n")
	}
	b.WriteString("\n" + v.tools() + "\n")
	return b.String()
}

// requested says what the user asked for against what was found.
func (v workspaceView) requested() string {
	name := canonicalFramework(v.framework)
	var found []string
	for _, p := range v.report.Projects {
		for _, f := range p.Frameworks {
			if !slices.Contains(found, f.Name) {
				found = append(found, f.Name)
			}
		}
	}
	switch {
	case slices.Contains(found, name):
		return fmt.Sprintf("Requested framework: %s, which the workspace uses (evidence below).", name)
	case len(found) == 0:
		return fmt.Sprintf("Requested framework: %s. No web framework was detected in the workspace, so %s will be new here.", name, name)
	default:
		return fmt.Sprintf("Requested framework: %s, but the workspace uses %s (evidence below). Check with the user before adding a second framework.", name, joinAnd(found))
	}
}

// canonicalFramework spells a known framework as people write it, and
// leaves any other name as given.
func canonicalFramework(s string) string {
	s = strings.TrimSpace(s)
	for _, f := range pyproject.Frameworks() {
		if strings.EqualFold(s, f) {
			return f
		}
	}
	return clip(s, 40)
}

// clip shortens what a user typed to at most n bytes, marking the cut; a
// character the cut would split is dropped whole.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-3], "") + "..."
}

func writeProject(b *strings.Builder, p *pyproject.Project) {
	switch {
	case len(p.Files) == 0:
		b.WriteString("### No Python project found\n\n")
		b.WriteString("There is no pyproject.toml, setup.cfg, setup.py, Pipfile, manage.py or requirements file in the workspace root or the two directory levels below it.\n\n")
	case p.Dir == ".":
		b.WriteString("### Project at the workspace root\n\n")
	default:
		fmt.Fprintf(b, "### Project in %s/\n\n", p.Dir)
	}

	if len(p.Frameworks) == 0 {
		b.WriteString("- Framework: none detected. No FastAPI, Django, Flask or other known web framework in the dependencies, no manage.py, and no such import in the Python files read.\n")
	}
	for _, f := range p.Frameworks {
		fmt.Fprintf(b, "- Framework: %s\n", f.Name)
		for _, e := range f.Evidence {
			fmt.Fprintf(b, "  - %s\n", e)
		}
	}
	if len(p.Entry) > 0 {
		fmt.Fprintf(b, "- Entry point: %s\n", strings.Join(p.Entry, "; "))
	}
	if len(p.DjangoApps) > 0 {
		fmt.Fprintf(b, "- Django apps: %s\n", strings.Join(p.DjangoApps, ", "))
	}
	if len(p.Files) == 0 && len(p.Frameworks) == 0 && len(p.Python) == 0 && len(p.Managers) == 0 && len(p.Layout) == 0 {
		return // nothing more to say about a workspace with no project
	}
	if len(p.Libraries) > 0 {
		libs := make([]string, len(p.Libraries))
		for i, r := range p.Libraries {
			libs[i] = fmt.Sprintf("%s (%s)", r.Spec, r.Where())
		}
		fmt.Fprintf(b, "- Libraries: %s\n", strings.Join(libs, ", "))
	}
	writePython(b, p)
	run := writeManager(b, p)
	writeTests(b, p, run)
	writeLayout(b, p)
}

func writePython(b *strings.Builder, p *pyproject.Project) {
	if len(p.Python) == 0 {
		b.WriteString("- Python: no version stated (no requires-python, .python-version, runtime.txt or Dockerfile python image found)\n")
		return
	}
	hints := make([]string, len(p.Python))
	for i, h := range p.Python {
		hints[i] = fmt.Sprintf("%s (%s)", h.Text, h.Where)
	}
	fmt.Fprintf(b, "- Python: %s\n", strings.Join(hints, "; "))
}

// managerOrder ranks package managers: a lock file or tool table says more
// than a requirements file, which says more than a bare [project] table.
var managerOrder = []string{"uv", "poetry", "pdm", "pipenv", "hatch", "pip"}

// managerUse says how to add a dependency and run a command with each.
var managerUse = map[string]struct{ add, run string }{
	"uv":     {"`uv add NAME`", "uv run "},
	"poetry": {"`poetry add NAME`", "poetry run "},
	"pdm":    {"`pdm add NAME`", "pdm run "},
	"pipenv": {"`pipenv install NAME`", "pipenv run "},
	"hatch":  {"the [project] dependencies in pyproject.toml", "hatch run "},
}

// writeManager writes the package manager line and returns the prefix
// commands run with (like "uv run "), "" for plain python.
func writeManager(b *strings.Builder, p *pyproject.Project) string {
	ms := slices.Clone(p.Managers)
	slices.SortStableFunc(ms, func(x, y pyproject.Hint) int {
		return slices.Index(managerOrder, x.Text) - slices.Index(managerOrder, y.Text)
	})
	if len(ms) == 0 {
		b.WriteString("- Package manager: none found (no lock file, pyproject.toml, Pipfile, setup.cfg or requirements file)\n")
		return ""
	}
	main := ms[0]
	in := ""
	if p.Dir != "." {
		in = " (from " + p.Dir + "/)"
	}
	var line string
	run := ""
	if use, ok := managerUse[main.Text]; ok {
		run = use.run
		line = fmt.Sprintf("%s (%s). Add a dependency with %s; run commands with `%sCMD`%s.", main.Text, main.Where, use.add, use.run, in)
	} else {
		line = fmt.Sprintf("pip (%s). %s", main.Where, pipAdvice(main.Where, p.Dir, in))
	}
	var also []string
	for _, m := range ms[1:] {
		// A uv or Poetry project has a [project] table too; only a
		// requirements file is worth a mention beside them.
		if m.Text == "pip" && !strings.Contains(m.Where, "requirements") {
			continue
		}
		also = append(also, fmt.Sprintf("%s (%s)", m.Text, m.Where))
	}
	if len(also) > 0 {
		line += " Also found: " + strings.Join(also, "; ") + "; keep them in step."
	}
	fmt.Fprintf(b, "- Package manager: %s\n", line)
	return run
}

// pipAdvice says where a plain-pip project keeps its dependencies.
func pipAdvice(where, dir, in string) string {
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	switch {
	case strings.Contains(where, "requirements"):
		file, _, _ := strings.Cut(where, ", ")
		return fmt.Sprintf("Add dependencies to %s; install with `pip install -r %s`%s.", file, strings.TrimPrefix(file, prefix), in)
	case strings.Contains(where, "pyproject.toml"):
		return "Add dependencies to [project] dependencies in " + prefix + "pyproject.toml; install with `pip install -e .`" + in + "."
	case strings.Contains(where, "setup.cfg"):
		return "Add dependencies to install_requires in " + prefix + "setup.cfg; install with `pip install -e .`" + in + "."
	default:
		return "Add dependencies to install_requires in " + prefix + "setup.py; install with `pip install -e .`" + in + "."
	}
}

func writeTests(b *strings.Builder, p *pyproject.Project, run string) {
	t := p.Tests
	in := ""
	if p.Dir != "." {
		in = " from " + p.Dir + "/"
	}
	hasPytest := len(t.Configs) > 0 || len(t.Conftests) > 0 || slices.ContainsFunc(t.Deps, func(r pyproject.Requirement) bool { return r.Name == "pytest" })
	var parts []string
	switch {
	case hasPytest:
		s := "pytest"
		if len(t.Configs) == 0 {
			s += ", with no pytest configuration file"
		}
		for i, c := range t.Configs {
			if i == 0 {
				s += ", configured in "
			} else {
				s += "; also "
			}
			s += c.Where + " " + c.Section
			if len(c.Settings) > 0 {
				settings := slices.Clone(c.Settings)
				if len(settings) > 6 {
					settings = append(settings[:6:6], "...")
				}
				s += ": " + strings.Join(settings, "; ")
			}
		}
		parts = append(parts, s)
		if len(t.Deps) > 0 {
			deps := make([]string, len(t.Deps))
			for i, r := range t.Deps {
				deps[i] = fmt.Sprintf("%s (%s)", r.Spec, r.Where())
			}
			parts = append(parts, "dependencies "+strings.Join(deps, ", "))
		}
		if len(t.Conftests) > 0 {
			parts = append(parts, "fixtures in "+strings.Join(firstN(t.Conftests, 4), ", "))
		}
		parts = append(parts, fmt.Sprintf("run with `%spytest`%s", run, in))
	case slices.ContainsFunc(p.Frameworks, func(d pyproject.Detected) bool { return d.Name == "Django" }):
		parts = append(parts, fmt.Sprintf("Django's test runner, `%spython manage.py test`%s; no pytest configuration or dependency found", run, in))
	case slices.ContainsFunc(p.Layout, func(l pyproject.Layout) bool { return l.Kind == "tests" }):
		parts = append(parts, fmt.Sprintf("no pytest configuration or dependency found; the tests may use unittest (`%spython -m unittest`%s)", run, in))
	default:
		parts = append(parts, "none configured (no pytest configuration, pytest dependency, conftest.py or tests directory found)")
	}
	for _, o := range t.Others {
		parts = append(parts, fmt.Sprintf("%s (%s)", o.Text, o.Where))
	}
	fmt.Fprintf(b, "- Tests: %s\n", strings.Join(parts, "; "))
}

func writeLayout(b *strings.Builder, p *pyproject.Project) {
	if len(p.Layout) == 0 {
		b.WriteString("- Layout: no models, schemas, routers, views, services, settings, migrations or tests found near the project root\n")
		return
	}
	parts := make([]string, len(p.Layout))
	for i, l := range p.Layout {
		parts[i] = l.Kind + " in " + strings.Join(l.Paths, ", ")
		if l.More > 0 {
			parts[i] += fmt.Sprintf(" and %d more", l.More)
		}
	}
	fmt.Fprintf(b, "- Layout: %s\n", strings.Join(parts, "; "))
}

// tools says which tools the model has here, and which tools the
// definition names that this server does not serve.
func (v workspaceView) tools() string {
	if len(v.exposed) == 0 {
		return "Tools: this server exposes no tools here; describe the changes for the user to make."
	}
	s := "Tools: " + strings.Join(v.exposed, ", ") + ". agentbox serves them over MCP, confined to this workspace."
	var missing []string
	for _, w := range v.wanted {
		if !slices.ContainsFunc(v.exposed, func(e string) bool { return MatchTool(w, e) }) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		s += " This agent's definition also lists " + joinAnd(missing) + ", which this server does not provide: do without, and tell the user what you could not run or check."
	}
	return s
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("%d more", len(s)-n))
}

// joinAnd joins names as prose: "A", "A and B", "A, B and C".
func joinAnd(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// joinOr is joinAnd with "or".
func joinOr(names []string) string {
	s := joinAnd(names)
	if i := strings.LastIndex(s, " and "); i >= 0 {
		s = s[:i] + " or " + s[i+len(" and "):]
	}
	return s
}
