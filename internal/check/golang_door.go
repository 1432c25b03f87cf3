package check

import (
	"errors"
	"fmt"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"path"
	"path/filepath"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/workspace"
)

// What the Go check looks at itself before a go command runs, all through
// the workspace's door (os.Root), which never follows a symbolic link out:
// the package's directory, the files that decide how its module loads,
// and the written file, which it parses for syntax errors.

// goModuleFiles are the entries that decide how a directory's module
// loads, looked at in each directory from a package's up to the
// workspace root.
var goModuleFiles = []string{"go.mod", "go.sum", "go.work", "go.work.sum", "vendor"}

// goDoor looks at the directory dir (workspace-relative, slash-separated)
// of a package about to be checked: an entry of it that is a symbolic
// link leading out of the workspace (a .go file, a .s the assembler would
// include, a header), or a go.mod, go.work or vendor above it that does,
// stops the check (ok false), since the go command would follow it; the
// report names each link and says why.
func (c *Checker) goDoor(dir string) (r report, ok bool) {
	var out []finding
	entries, _ := c.ws.ReadDir(dir)
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink != 0 {
			out = append(out, c.linkOut(path.Join(dir, e.Name()))...)
		}
	}
	for d := path.Dir(dir); d != dir; d = path.Dir(d) {
		for _, name := range goModuleFiles {
			out = append(out, c.linkOut(path.Join(d, name))...)
		}
		if d == "." {
			break
		}
	}
	if len(out) == 0 {
		return report{}, true
	}
	return report{checkers: []string{"go list"}, findings: dedupe(out), scope: "not checked: the go command would follow links out of the workspace"}, false
}

// linkOut is a finding when rel is a symbolic link that leads out of the
// workspace.
func (c *Checker) linkOut(rel string) []finding {
	fi, err := c.ws.Lstat(rel)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	if _, err := c.ws.Stat(rel); !errors.Is(err, workspace.ErrOutside) {
		return nil
	}
	return []finding{{file: rel, checker: "go list",
		msg: "is a symbolic link that leads outside the workspace: checks do not read what is outside, so its package was not checked (copy the file into the workspace, or remove the link)"}}
}

func dedupe(fs []finding) []finding {
	seen := map[finding]bool{}
	var out []finding
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// goMaxParse is the largest Go file the server parses itself.
const goMaxParse = 8 << 20

// goSyntax parses the Go file disp, read through the workspace, and stops
// the check (ok false) with the parser's errors when it has any: a file
// that does not parse needs no go command to say so, and says it at once.
// The go command is left the cases it knows better: a file it cannot
// read, or too big to parse here.
func (c *Checker) goSyntax(disp string) (r report, ok bool) {
	f, err := c.ws.Open(disp)
	if err != nil {
		return report{}, true
	}
	src, err := workspace.ReadAll(f, goMaxParse)
	f.Close()
	if err != nil || len(src) > goMaxParse {
		return report{}, true
	}
	host := filepath.Join(c.ws.Dir(), filepath.FromSlash(disp))
	_, err = parser.ParseFile(token.NewFileSet(), host, src, parser.AllErrors|parser.SkipObjectResolution)
	var list scanner.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return report{}, true
	}
	pkg := gocheck.Package{}
	for _, e := range list {
		pkg.Errors = append(pkg.Errors, packages.Error{Pos: e.Pos.String(), Msg: e.Msg, Kind: packages.ParseError})
	}
	return report{checkers: []string{"go parser"}, findings: c.goFindings(pkg, filepath.Dir(host))}, false
}

// goMaxModFile is the largest go.mod or go.work the check reads.
const goMaxModFile = 1 << 20

// goWork decides which go.work a check of the package in dir (module root
// modRoot, "" if none) uses: the workspace's own, nearest above dir, when
// every module it uses and every directory it replaces with is in the
// workspace; "off" when there is none in the workspace (one above the
// workspace is not the model's, and is not used). It refuses (refused
// says why) a go.work, or the module's go.mod, whose use or replace
// directives lead out of the workspace: the go command would read and
// build what is there.
func (c *Checker) goWork(dir, modRoot string) (work, refused string) {
	if modRoot != "" {
		if why := c.goModOut(path.Join(modRoot, "go.mod")); why != "" {
			return "", why
		}
	}
	for d := dir; ; d = path.Dir(d) {
		name := path.Join(d, "go.work")
		if fi, err := c.ws.Stat(name); err == nil && fi.Mode().IsRegular() {
			if why := c.goModOut(name); why != "" {
				return "", why
			}
			return filepath.Join(c.ws.Dir(), filepath.FromSlash(name)), ""
		}
		if d == "." || d == "/" {
			return "off", ""
		}
	}
}

// goModOut reads the go.mod or go.work rel and says which of its use or
// replace directives leads out of the workspace; "" if none does (or it
// cannot be read: the go command will say why).
func (c *Checker) goModOut(rel string) string {
	f, err := c.ws.Open(rel)
	if err != nil {
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(f, goMaxModFile))
	f.Close()
	if err != nil {
		return ""
	}
	type named struct{ dir, verb string }
	var dirs []named
	var reps []*modfile.Replace
	if path.Base(rel) == "go.work" {
		wf, err := modfile.ParseWork(rel, data, nil)
		if err != nil {
			return ""
		}
		for _, u := range wf.Use {
			dirs = append(dirs, named{u.Path, "uses"})
		}
		reps = wf.Replace
	} else {
		mf, err := modfile.Parse(rel, data, nil)
		if err != nil {
			return ""
		}
		reps = mf.Replace
	}
	for _, r := range reps {
		if r.New.Version == "" && modfile.IsDirectoryPath(r.New.Path) {
			dirs = append(dirs, named{r.New.Path, "replaces " + r.Old.Path + " with"})
		}
	}
	for _, d := range dirs {
		if !c.inside(path.Dir(rel), d.dir) {
			return fmt.Sprintf("%s %s %s, which is outside the workspace: checks build only the workspace's code, so they do not run with it (keep every module it names inside the workspace)", rel, d.verb, d.dir)
		}
	}
	return ""
}

// inside reports whether the directory d, named in a file of the
// workspace directory base (absolute, or relative to base), is in the
// workspace, its symbolic links followed.
func (c *Checker) inside(base, d string) bool {
	var rel string
	if filepath.IsAbs(d) {
		r, err := c.ws.Rel(d)
		if err != nil {
			return false
		}
		rel = filepath.ToSlash(r)
	} else {
		rel = path.Join(base, filepath.ToSlash(d))
		if !filepath.IsLocal(rel) && rel != "." {
			return false
		}
	}
	_, err := c.ws.Stat(rel)
	return !errors.Is(err, workspace.ErrOutside)
}
