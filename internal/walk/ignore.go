package walk

import (
	"bytes"
	"strings"
)

// Rules are the patterns of one ignore file (.gitignore, .ignore,
// .git/info/exclude or the global excludes file), in git's syntax:
//
//   - blank lines and lines starting with "#" are skipped; "\#" is a literal #;
//   - trailing spaces are dropped unless quoted with a backslash;
//   - "!" re-includes what an earlier pattern excluded ("\!" is a literal !);
//   - a trailing "/" makes the pattern match directories only;
//   - a pattern with a "/" at its start or in its middle is matched against
//     the path relative to the file's directory; one without matches the
//     name at any depth below it;
//   - "*", "?", "[...]" and "**" as in pattern.
//
// Within one file the last matching pattern decides. As in git, a malformed
// pattern (an unclosed "[") never matches.
type Rules struct {
	rules []rule
}

type rule struct {
	pat      pattern
	negate   bool // "!": a match re-includes
	dirOnly  bool // trailing "/"
	anchored bool // match the relative path, not just the name
}

// ParseRules parses the content of an ignore file.
func ParseRules(data []byte) *Rules {
	rs := &Rules{}
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		if r, ok := parseRule(string(line)); ok {
			rs.rules = append(rs.rules, r)
		}
	}
	return rs
}

func parseRule(line string) (rule, bool) {
	line = strings.TrimSuffix(line, "\r")
	line = trimTrailingSpaces(line)
	if line == "" || line[0] == '#' {
		return rule{}, false
	}
	var r rule
	if line[0] == '!' {
		r.negate = true
		line = line[1:]
	} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") && !strings.HasSuffix(line, `\/`) {
		r.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return rule{}, false
	}
	if strings.Contains(line, "/") {
		r.anchored = true
		line = strings.TrimPrefix(line, "/")
		// "**/name" matches the name at any depth: the same as a bare name,
		// which the fast basename kinds handle.
		for strings.HasPrefix(line, "**/") && !strings.Contains(line[3:], "/") && line[3:] != "**" {
			line = line[3:]
			r.anchored = false
		}
	}
	pat, _ := compilePattern(line) // malformed: wildmatch treats it as no match
	pat.bytes = true
	r.pat = pat
	return r, true
}

// trimTrailingSpaces drops trailing spaces that are not quoted with a
// backslash, as git does.
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		// Count the backslashes before this space: an odd number quotes it.
		n := 0
		for i := end - 2; i >= 0 && s[i] == '\\'; i-- {
			n++
		}
		if n%2 == 1 {
			break
		}
		end--
	}
	return s[:end]
}

// verdict is what a set of rules says about a path.
type verdict int8

const (
	undecided verdict = iota // no rule matched
	ignored
	included // a "!" rule matched
)

// match applies the rules to rel, a path relative to the rules' directory.
func (rs *Rules) match(rel string, isDir bool) verdict {
	if rs == nil || len(rs.rules) == 0 {
		return undecided
	}
	base := rel
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		base = rel[i+1:]
	}
	for i := len(rs.rules) - 1; i >= 0; i-- {
		r := &rs.rules[i]
		if r.dirOnly && !isDir {
			continue
		}
		text := base
		if r.anchored {
			text = rel
		}
		if r.pat.match(text) {
			if r.negate {
				return included
			}
			return ignored
		}
	}
	return undecided
}

// Len returns the number of patterns.
func (rs *Rules) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.rules)
}

// frame holds the ignore rules that apply below one directory, linked to
// its parent's. Frames are immutable once built, so the walkers share them.
type frame struct {
	parent    *frame
	dir       string // workspace-relative slash path; "" for the root
	ignore    *Rules // the directory's .ignore
	gitignore *Rules // the directory's .gitignore
	exclude   *Rules // .git/info/exclude, when the directory is a repository's top
	repoTop   bool   // the directory holds .git: git rules from above stop here
}

// relTo returns path relative to dir ("" is the root).
func relTo(path, dir string) string {
	if dir == "" {
		return path
	}
	return path[len(dir)+1:]
}

// ignored reports whether the rules in force at f exclude path, in
// ripgrep's order of precedence, which follows git's where git has a say:
// .ignore files first, then .gitignore files, then the repository's
// info/exclude, then the global excludes; within each kind the deepest
// directory's file decides first. Git's own rules stop at the top of the
// repository that holds the path.
func (f *frame) ignored(path string, isDir bool, global *Rules) bool {
	for g := f; g != nil; g = g.parent {
		if g.ignore != nil {
			if v := g.ignore.match(relTo(path, g.dir), isDir); v != undecided {
				return v == ignored
			}
		}
	}
	top := ""
	for g := f; g != nil; g = g.parent {
		if g.gitignore != nil {
			if v := g.gitignore.match(relTo(path, g.dir), isDir); v != undecided {
				return v == ignored
			}
		}
		if g.repoTop {
			if g.exclude != nil {
				if v := g.exclude.match(relTo(path, g.dir), isDir); v != undecided {
					return v == ignored
				}
			}
			top = g.dir
			break
		}
	}
	if global != nil {
		return global.match(relTo(path, top), isDir) == ignored
	}
	return false
}
