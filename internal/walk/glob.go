package walk

import (
	"strings"
)

// Glob is a file-name pattern as Glob and Grep take it: gitignore syntax
// (see Rules) plus "{a,b}" alternatives. A glob without a "/" matches the
// file name at any depth ("*.go"); one with a "/" matches the path relative
// to the directory searched ("cmd/*/main.go", "src/**/*.ts"); a leading "/"
// only anchors.
type Glob struct {
	src  string
	alts []globAlt
}

type globAlt struct {
	pat      pattern
	anchored bool
	dirOnly  bool
	// dirs are the components of an anchored alternative that name
	// directories, each matched against one directory name, up to and
	// including the first with "**"; nil when the directories a match can
	// lie in are not known (see dirComponents).
	dirs []pattern
	// deep: a component with "**" ends dirs, so any depth below a
	// directory matching dirs may hold matches.
	deep bool
}

// maxAlternatives bounds what "{a,b}" groups may expand to.
const maxAlternatives = 1024

// CompileGlob compiles a glob; a malformed one gets a *PatternError saying
// what is wrong and where.
func CompileGlob(src string) (*Glob, error) {
	if src == "" {
		return nil, &PatternError{src, 0, "the pattern is empty; use * for every file"}
	}
	if err := checkPattern(src); err != nil {
		return nil, err
	}
	alts, err := expandBraces(src)
	if err != nil {
		return nil, err
	}
	g := &Glob{src: src}
	for _, a := range alts {
		var ga globAlt
		a = strings.TrimPrefix(a, "./")
		if strings.HasSuffix(a, "/") && !strings.HasSuffix(a, `\/`) {
			ga.dirOnly = true
			a = strings.TrimRight(a, "/")
		}
		if strings.Contains(a, "/") {
			ga.anchored = true
			a = strings.TrimPrefix(a, "/")
			for strings.HasPrefix(a, "**/") && !strings.Contains(a[3:], "/") && a[3:] != "**" {
				a = a[3:]
				ga.anchored = false
			}
		}
		if a == "" {
			return nil, &PatternError{src, 0, "the pattern names no file; use * for every file"}
		}
		p, err := compilePattern(a)
		if err != nil {
			pe := err.(*PatternError)
			return nil, &PatternError{src, 0, pe.Problem + " (in the alternative " + a + ")"}
		}
		ga.pat = p
		if ga.anchored && !ga.dirOnly {
			ga.dirs, ga.deep = dirComponents(a)
		}
		g.alts = append(g.alts, ga)
	}
	return g, nil
}

// String returns the glob as written.
func (g *Glob) String() string { return g.src }

// Match reports whether the glob matches rel, a slash path relative to the
// directory searched.
func (g *Glob) Match(rel string, isDir bool) bool {
	base := rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		base = rel[i+1:]
	}
	for i := range g.alts {
		a := &g.alts[i]
		if a.dirOnly && !isDir {
			continue
		}
		text := base
		if a.anchored {
			text = rel
		}
		if a.pat.match(text) {
			return true
		}
	}
	return false
}

// Anchored reports whether every alternative is matched against the whole
// relative path, so that a walk may start below its literal prefix.
func (g *Glob) Anchored() bool {
	for _, a := range g.alts {
		if !a.anchored {
			return false
		}
	}
	return true
}

// Prunes reports whether CouldMatchUnder can ever say false, so that a
// walk gains from asking it.
func (g *Glob) Prunes() bool {
	for _, a := range g.alts {
		if a.dirs == nil || a.deep && len(a.dirs) == 1 {
			return false
		}
	}
	return true
}

// CouldMatchUnder reports whether a file below dir, a slash path relative
// to the directory searched, could match: false means a walk need not
// enter dir. It errs on the side of true.
func (g *Glob) CouldMatchUnder(dir string) bool {
	for i := range g.alts {
		if g.alts[i].couldMatchUnder(dir) {
			return true
		}
	}
	return false
}

func (a *globAlt) couldMatchUnder(dir string) bool {
	if a.dirs == nil {
		return true
	}
	for i := 0; dir != ""; i++ {
		name, rest, _ := strings.Cut(dir, "/")
		dir = rest
		if i == len(a.dirs) {
			return false // deeper than the pattern reaches
		}
		if a.deep && i == len(a.dirs)-1 {
			return true // the "**" component: any directories
		}
		if !a.dirs[i].match(name) {
			return false
		}
	}
	return true
}

// dirComponents splits an anchored pattern at its slashes and compiles the
// components that must match directory names one by one: those before the
// file's name, stopping at the first with "**" (deep). It returns nil,
// meaning no pruning, when the pattern cannot be split safely: a quoted
// slash, a slash inside a class, or a component that does not compile.
func dirComponents(p string) (dirs []pattern, deep bool) {
	var comps []string
	start := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 < len(p) && p[i+1] == '/' {
				return nil, false
			}
			i++
		case '[':
			if end := classEnd(p, i); end > 0 {
				if strings.Contains(p[i:end], "/") {
					return nil, false
				}
				i = end
			}
		case '/':
			comps = append(comps, p[start:i])
			start = i + 1
		}
	}
	last := p[start:]
	dirs = []pattern{} // not nil: a file right in the directory searched
	for _, c := range comps {
		if strings.Contains(c, "**") {
			return append(dirs, pattern{}), true
		}
		cp, err := compilePattern(c)
		if err != nil || c == "" {
			return nil, false
		}
		dirs = append(dirs, cp)
	}
	if strings.Contains(last, "**") {
		return append(dirs, pattern{}), true
	}
	return dirs, false
}

// LiteralPrefix returns the leading directories every alternative starts
// with ("src/pkg" for "src/pkg/**/*.go"), or "". A walk for the glob can
// start there.
func (g *Glob) LiteralPrefix() string {
	if !g.Anchored() {
		return ""
	}
	var prefix []string
	for i, a := range g.alts {
		var dirs []string
		parts := strings.Split(a.pat.src, "/")
		for _, part := range parts[:len(parts)-1] {
			if hasMeta(part) || part == "." || part == ".." {
				break
			}
			dirs = append(dirs, part)
		}
		if i == 0 {
			prefix = dirs
			continue
		}
		n := 0
		for n < len(prefix) && n < len(dirs) && prefix[n] == dirs[n] {
			n++
		}
		prefix = prefix[:n]
	}
	return strings.Join(prefix, "/")
}

// expandBraces turns "{a,b}" groups (nested allowed, "\{" literal) into
// the list of patterns they stand for.
func expandBraces(src string) ([]string, error) {
	open := -1
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '[':
			if end := classEnd(src, i); end > 0 {
				i = end
			}
		case '{':
			open = i
		}
		if open >= 0 {
			break
		}
	}
	if open < 0 {
		if i := unquotedIndex(src, '}'); i >= 0 {
			return nil, &PatternError{src, i, `"}" closes no "{"; remove it, or write \} for a literal brace`}
		}
		return []string{src}, nil
	}
	// Find the matching close and the top-level commas.
	depth, commas, end := 0, []int{}, -1
	for i := open + 1; i < len(src) && end < 0; i++ {
		switch src[i] {
		case '\\':
			i++
		case '[':
			if e := classEnd(src, i); e > 0 {
				i = e
			}
		case '{':
			depth++
		case '}':
			if depth == 0 {
				end = i
			} else {
				depth--
			}
		case ',':
			if depth == 0 {
				commas = append(commas, i)
			}
		}
	}
	if end < 0 {
		return nil, &PatternError{src, open, `unclosed "{"; close the group with }, or write \{ for a literal brace`}
	}
	head, tail := src[:open], src[end+1:]
	var bodies []string
	var starts []int
	prev := open + 1
	for _, c := range append(commas, end) {
		bodies = append(bodies, src[prev:c])
		starts = append(starts, prev)
		prev = c + 1
	}
	tails, err := expandBraces(tail)
	if err != nil {
		return nil, offsetErr(err, src, end+1)
	}
	var out []string
	for i, b := range bodies {
		mids, err := expandBraces(b)
		if err != nil {
			return nil, offsetErr(err, src, starts[i])
		}
		for _, m := range mids {
			for _, t := range tails {
				out = append(out, head+m+t)
				if len(out) > maxAlternatives {
					return nil, &PatternError{src, open, "the {…} groups expand to over 1024 patterns; use fewer alternatives"}
				}
			}
		}
	}
	return out, nil
}

func offsetErr(err error, src string, off int) error {
	if pe, ok := err.(*PatternError); ok {
		return &PatternError{src, pe.Offset + off, pe.Problem}
	}
	return err
}

// unquotedIndex finds c outside backslash quotes and classes.
func unquotedIndex(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '[':
			if end := classEnd(s, i); end > 0 {
				i = end
			}
		case c:
			return i
		}
	}
	return -1
}
