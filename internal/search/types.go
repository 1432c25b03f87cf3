package search

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agentbox/agentbox/internal/walk"
)

// Types matches file names against ripgrep file types such as "go" or
// "py". It is safe for concurrent use.
type Types struct {
	globs []*walk.Glob
}

// CompileTypes compiles a type list: one ripgrep type name, or several
// separated by commas or spaces ("ts,js").
func CompileTypes(spec string) (*Types, error) {
	t := &Types{}
	for _, name := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		globs, ok := fileTypes[name]
		if !ok {
			return nil, unknownType(name)
		}
		for _, g := range globs {
			cg, err := walk.CompileGlob(g)
			if err != nil {
				panic(fmt.Sprintf("type %s: glob %s: %v", name, g, err)) // the table is ours
			}
			t.globs = append(t.globs, cg)
		}
	}
	if len(t.globs) == 0 {
		return nil, fmt.Errorf("type %q names no file type; use a ripgrep type name such as go, py, js, ts, rust, java, c, cpp, md, json, yaml", spec)
	}
	return t, nil
}

// Match reports whether a file named name is of one of the types.
func (t *Types) Match(name string) bool {
	for _, g := range t.globs {
		if g.Match(name, false) {
			return true
		}
	}
	return false
}

// unknownType explains a type name ripgrep does not know, offering the
// names that start the same way or that cover it as an extension.
func unknownType(name string) error {
	var near []string
	for n, globs := range fileTypes {
		if strings.HasPrefix(n, name) || strings.HasPrefix(name, n) && len(n) >= 2 {
			near = append(near, n)
			continue
		}
		if slices.Contains(globs, "*."+name) {
			near = append(near, n)
		}
	}
	slices.Sort(near)
	msg := fmt.Sprintf("unknown file type %q", name)
	if len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(near[:min(len(near), 6)], ", "))
	} else {
		msg += "; types are ripgrep's names, such as go, py, js, ts, rust, java, c, cpp, md, json, yaml, toml, html, css, sh, sql"
	}
	return fmt.Errorf("%s (or pass a glob such as %q instead)", msg, "*."+name)
}
