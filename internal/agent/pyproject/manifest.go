package pyproject

import (
	"strings"

	"github.com/agentbox/agentbox/internal/lazyre"
)

// This file reads the Python project files detection looks at: just enough
// TOML for pyproject.toml and Pipfile, just enough INI for setup.cfg,
// tox.ini and pytest.ini, requirements files, and the quoted requirements of
// a setup.py. The readers never fail: a line they do not understand is
// skipped, since a half-read project file still says something true.

// tomlEntry is one "key = value" of a TOML file.
type tomlEntry struct {
	table string     // the [table] it is in, dotted, "" for the top
	key   string     // unquoted
	line  int        // of the key
	raw   string     // the value's text on the key's line, comment removed
	strs  []strValue // every string literal in the value, in order
}

// strValue is a string and the line it starts on.
type strValue struct {
	s    string
	line int
}

// value is the entry's value as a reader would say it: its strings joined,
// or the raw text when it has none.
func (e tomlEntry) value() string {
	if len(e.strs) == 0 {
		return e.raw
	}
	parts := make([]string, len(e.strs))
	for i, s := range e.strs {
		parts[i] = s.s
	}
	return strings.Join(parts, ", ")
}

// scanTOML reads the keys of a TOML document. It understands tables,
// arrays of tables, strings of all four kinds and values (arrays, inline
// tables) that span lines; dotted keys are kept as written.
func scanTOML(text string) []tomlEntry {
	p := &tomlScanner{s: text, line: 1}
	var out []tomlEntry
	table := ""
	for p.i < len(p.s) {
		p.skipBlanks()
		if p.i >= len(p.s) {
			break
		}
		switch p.s[p.i] {
		case '\n':
			p.i++
			p.line++
		case '#':
			p.skipToEOL()
		case '[':
			h := p.restOfLine()
			h, _, _ = strings.Cut(h, "#")
			h = strings.TrimSpace(h)
			h = strings.TrimSpace(strings.Trim(h, "[]"))
			table = normalizeDotted(h)
			p.skipToEOL()
		default:
			rest := p.restOfLine()
			k, _, ok := strings.Cut(rest, "=")
			if !ok {
				p.skipToEOL()
				continue
			}
			e := tomlEntry{table: table, key: normalizeDotted(k), line: p.line}
			p.i += len(k) + 1
			e.raw, e.strs = p.value()
			out = append(out, e)
		}
	}
	return out
}

// normalizeDotted turns `tool . "poetry"` into tool.poetry.
func normalizeDotted(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

type tomlScanner struct {
	s    string
	i    int
	line int
}

func (p *tomlScanner) skipBlanks() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *tomlScanner) restOfLine() string {
	rest := p.s[p.i:]
	if end := strings.IndexByte(rest, '\n'); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

func (p *tomlScanner) skipToEOL() {
	if end := strings.IndexByte(p.s[p.i:], '\n'); end >= 0 {
		p.i += end
	} else {
		p.i = len(p.s)
	}
}

// value reads a value up to the end of its last line: the raw text of its
// first line and every string in it.
func (p *tomlScanner) value() (string, []strValue) {
	raw := p.restOfLine()
	var strs []strValue
	depth := 0
	firstLine := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"' || c == '\'':
			line := p.line
			s, multi := p.str()
			strs = append(strs, strValue{s, line})
			if multi {
				firstLine = false
			}
		case c == '[' || c == '{':
			depth++
			p.i++
		case c == ']' || c == '}':
			depth--
			p.i++
		case c == '#':
			if firstLine {
				raw = raw[:len(raw)-len(p.restOfLine())]
				firstLine = false
			}
			p.skipToEOL()
		case c == '\n':
			if firstLine {
				firstLine = false
			}
			if depth <= 0 {
				return strings.TrimSpace(raw), strs
			}
			p.i++
			p.line++
		default:
			p.i++
		}
	}
	return strings.TrimSpace(raw), strs
}

// str reads a string literal at p.i and reports whether it spanned lines.
func (p *tomlScanner) str() (string, bool) {
	q := p.s[p.i]
	if strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3)) {
		p.i += 3
		end := strings.Index(p.s[p.i:], strings.Repeat(string(q), 3))
		if end < 0 {
			end = len(p.s) - p.i
		}
		body := p.s[p.i : p.i+end]
		p.line += strings.Count(body, "\n")
		p.i += min(end+3, len(p.s)-p.i)
		return body, strings.Contains(body, "\n")
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			return b.String(), false // unterminated: stop at the line's end
		case c == q:
			p.i++
			return b.String(), false
		case c == '\\' && q == '"' && p.i+1 < len(p.s) && p.s[p.i+1] != '\n':
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return b.String(), false
}

// iniEntry is one key of an INI file with its value lines (the first and
// any indented continuation lines).
type iniEntry struct {
	section string
	key     string
	line    int
	values  []strValue
}

func (e iniEntry) value() string {
	parts := make([]string, len(e.values))
	for i, v := range e.values {
		parts[i] = v.s
	}
	return strings.Join(parts, " ")
}

// scanINI reads an INI file as configparser does for the files we read:
// [section], "key = value" or "key: value", indented continuation lines,
// and # or ; comment lines.
func scanINI(text string) []iniEntry {
	var out []iniEntry
	section := ""
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimRight(line, " \t\r")
		t := strings.TrimSpace(line)
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
			continue
		case line[0] == ' ' || line[0] == '\t':
			if len(out) > 0 && out[len(out)-1].section == section {
				e := &out[len(out)-1]
				e.values = append(e.values, strValue{t, n})
			}
		case t[0] == '[':
			section = strings.TrimSpace(strings.Trim(t, "[]"))
		default:
			k, v, ok := cutINI(t)
			if !ok {
				continue
			}
			e := iniEntry{section: section, key: k, line: n}
			if v != "" {
				e.values = []strValue{{v, n}}
			}
			out = append(out, e)
		}
	}
	return out
}

// cutINI splits "key = value" or "key: value" at the first of the two.
func cutINI(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return "", "", false
	}
	return strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:]), true
}

// Requirement is one dependency as a project file states it.
type Requirement struct {
	Name string // normalized (PEP 503): lower case, runs of -_. as -
	Spec string // as written, e.g. "fastapi[standard]>=0.115", shortened for display
	File string // workspace-relative
	Line int
}

// Where is the requirement's file:line.
func (r Requirement) Where() string { return posString(r.File, r.Line) }

var (
	reqNameRE   = lazyre.New(`^[A-Za-z0-9][A-Za-z0-9._-]*`)
	normalizeRE = lazyre.New(`[-_.]+`)
)

// parseRequirement reads a PEP 508 line ("django>=4.2; python_version>'3'").
func parseRequirement(spec string) (name string, ok bool) {
	spec = strings.TrimSpace(spec)
	m := reqNameRE.FindString(spec)
	if m == "" {
		return "", false
	}
	return normalizeName(m), true
}

func normalizeName(s string) string {
	return normalizeRE.ReplaceAllString(strings.ToLower(s), "-")
}

// cleanSpec trims a requirement for display: no environment marker, no
// spaces, and not too long.
func cleanSpec(spec string) string {
	spec, _, _ = strings.Cut(spec, ";")
	spec = strings.Join(strings.Fields(spec), "")
	if len(spec) > 60 {
		spec = spec[:57] + "..."
	}
	return spec
}

// requirementsLines reads a requirements file: one requirement a line,
// options (-r, -e, --index-url) and comments skipped.
func requirementsLines(file, text string) []Requirement {
	var out []Requirement
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		if line == "" || line[0] == '#' || line[0] == '-' || strings.Contains(line, "://") {
			continue
		}
		if name, ok := parseRequirement(line); ok {
			out = append(out, Requirement{Name: name, Spec: cleanSpec(line), File: file, Line: i + 1})
		}
	}
	return out
}

// setupPyRE finds quoted requirements in a setup.py: it is code, so only
// strings that name a package detection cares about are taken.
var (
	setupPyRE       = lazyre.New(`["']([A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]"']*\])?\s*(?:[<>=!~]=?[^"']*)?)["']`)
	pythonRequireRE = lazyre.New(`python_requires\s*=\s*["']([^"']+)["']`)
)

func setupPyRequirements(file, text string, interesting func(string) bool) []Requirement {
	var out []Requirement
	for i, line := range strings.Split(text, "\n") {
		for _, m := range setupPyRE.FindAllStringSubmatch(line, -1) {
			if name, ok := parseRequirement(m[1]); ok && interesting(name) {
				out = append(out, Requirement{Name: name, Spec: cleanSpec(m[1]), File: file, Line: i + 1})
			}
		}
	}
	return out
}
