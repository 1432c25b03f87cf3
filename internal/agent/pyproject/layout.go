package pyproject

// This file finds where a project keeps its code, and reads the imports of
// a few Python files for the framework and the app object.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/lazyre"
)

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
			a.p.Tests.Conftests = append(a.p.Tests.Conftests, d.join("conftest.py"))
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
			a.p.Tests.Conftests = append(a.p.Tests.Conftests, d.join("conftest.py"))
		}
	}
	slices.Sort(a.p.Tests.Conftests)
	for _, k := range layoutKinds {
		paths := found[k.kind]
		if len(paths) == 0 {
			continue
		}
		lp := Layout{Kind: k.kind, Paths: paths}
		if len(paths) > layoutMaxPaths {
			lp.Paths, lp.More = paths[:layoutMaxPaths], len(paths)-layoutMaxPaths
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
	importRE = lazyre.New(`^\s*(?:from\s+([A-Za-z_]\w*)[\s.]|import\s+([A-Za-z_]\w*)\b)`)
	appRE    = lazyre.New(`^(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(FastAPI|Flask|Litestar|Starlette|Quart|Sanic)\(`)
	factory  = lazyre.New(`^(?:async\s+)?def\s+create_app\s*\(`)
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
