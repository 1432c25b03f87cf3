// Package agent turns agent definitions (markdown files in the format of
// Claude Code's subagents) into MCP prompts, and gives each prompt a
// Workspace section computed when the prompt is requested.
//
// A definition is a file like
//
//	---
//	name: python-specialist
//	description: Python backend development expert
//	tools: Read, Write, Edit, Bash, Grep, Glob
//	model: sonnet
//	---
//	# Python Backend Specialist
//	...
//
// The header is flat "key: value" lines read with strings.Cut, not YAML. To
// load the files teams already have, it also takes quoted values, and a key
// with no value followed by indented lines ("- item" list entries or folded
// text, as after "key: |" or "key: >"). Keys agentbox does not use are
// skipped.
package agent

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Definition is one agent: its header and its markdown body.
type Definition struct {
	Name        string
	Description string
	// Tools are the tool names the header's tools: line lists. A header
	// without tools: (or with an empty one) leaves it nil, which means every
	// tool, as in Claude Code.
	Tools []string
	Model string // the header's model:, shown but not acted on
	Body  string // the markdown after the header, trimmed

	// File names the file the definition came from, as reported in
	// messages: the source's label joined with the file name.
	File string
	// NameLine is the line of the name: key, for messages that point at it.
	NameLine int
	// Overrides names the file of the definition with the same name that
	// this one replaced, from an earlier source; "" if none.
	Overrides string
}

// FileError is a definition file that cannot be used: where and why.
type FileError struct {
	File string
	Line int // 1-based; 0 when the problem is the file as a whole
	Err  error
}

func (e *FileError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// validName is what a definition's name may look like: it is a prompt name
// clients show and type, and the --agent flag's value.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// maxNameLen bounds a name; longer ones are certainly not meant as names.
const maxNameLen = 64

// parse reads one definition file. file is the name used in errors.
func parse(file string, data []byte) (*Definition, error) {
	fail := func(line int, format string, args ...any) error {
		return &FileError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if strings.TrimSpace(lines[0]) != "---" {
		return nil, fail(1, `no header: the file must start with a "---" line, then name: and description: lines, then "---"`)
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, fail(1, `the header opened here is never closed: add a "---" line after its last key`)
	}
	fields, err := parseHeader(lines[1:end], 2)
	if err != nil {
		var he *headerError
		if errors.As(err, &he) {
			return nil, fail(he.line, "%s", he.msg)
		}
		return nil, fail(1, "%v", err)
	}

	d := &Definition{
		File: file,
		Body: strings.TrimSpace(strings.Join(lines[end+1:], "\n")),
	}
	name, ok := fields["name"]
	switch {
	case !ok || name.value == "":
		return nil, fail(1, `the header has no name: add a line like "name: my-agent"`)
	case len(name.value) > maxNameLen || !validName.MatchString(name.value):
		return nil, fail(name.line, "name %q is not usable as a prompt name: use letters, digits, '-', '_' or '.', starting with a letter or digit, at most %d characters", name.value, maxNameLen)
	}
	d.Name, d.NameLine = name.value, name.line
	desc, ok := fields["description"]
	if !ok || desc.value == "" {
		return nil, fail(1, `the header has no description: add a line like "description: what this agent is for"`)
	}
	d.Description = desc.value
	if tools, ok := fields["tools"]; ok && tools.value != "" {
		d.Tools = splitList(tools.value)
	}
	if model, ok := fields["model"]; ok {
		d.Model = model.value
	}
	if d.Body == "" {
		return nil, fail(end+2, "the definition has no body: write the agent's instructions after the header")
	}
	return d, nil
}

// field is one header value and the line its key is on.
type field struct {
	value string
	line  int
}

type headerError struct {
	line int
	msg  string
}

func (e *headerError) Error() string { return e.msg }

// parseHeader reads the header's lines; first is the file line of lines[0].
func parseHeader(lines []string, first int) (map[string]field, error) {
	fields := map[string]field{}
	for i := 0; i < len(lines); i++ {
		line, n := lines[i], first+i
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, &headerError{n, fmt.Sprintf("indented line %q belongs to no key: indent only the lines that continue a key with no value on its own line", trimmed)}
		}
		key, value, ok := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t\"'") {
			return nil, &headerError{n, fmt.Sprintf(`header line %q is not "key: value"`, trimmed)}
		}
		if _, dup := fields[key]; dup {
			return nil, &headerError{n, fmt.Sprintf("key %q appears twice in the header", key)}
		}
		value = strings.TrimSpace(value)
		// A value on the lines below: "key:", "key: |", "key: >" (with
		// YAML's chomping marks), then indented lines.
		if value == "" || strings.TrimRight(value, "+-") == "|" || strings.TrimRight(value, "+-") == ">" {
			literal := strings.HasPrefix(value, "|")
			var items, text []string
			for i+1 < len(lines) {
				next := lines[i+1]
				if strings.TrimSpace(next) != "" && next[0] != ' ' && next[0] != '\t' {
					break
				}
				i++
				t := strings.TrimSpace(next)
				switch {
				case t == "":
					continue
				case strings.HasPrefix(t, "- ") && len(text) == 0:
					items = append(items, unquote(strings.TrimSpace(t[2:])))
				default:
					text = append(text, t)
				}
			}
			switch {
			case len(items) > 0 && len(text) > 0:
				return nil, &headerError{n, fmt.Sprintf("key %q mixes a list (\"- item\" lines) with plain text", key)}
			case len(items) > 0:
				value = strings.Join(items, ", ")
			case literal:
				value = strings.Join(text, "\n")
			default:
				value = strings.Join(text, " ")
			}
		} else {
			value = unquote(value)
		}
		fields[key] = field{value: value, line: n}
	}
	return fields, nil
}

// unquote removes the quotes around a YAML-style scalar, and the brackets
// around a flow list ("[Read, Grep]"), which splitList then splits.
func unquote(s string) string {
	if len(s) >= 2 {
		switch {
		case s[0] == '"' && s[len(s)-1] == '"':
			if u, err := strconv.Unquote(s); err == nil {
				return u
			}
			return s[1 : len(s)-1]
		case s[0] == '\'' && s[len(s)-1] == '\'':
			return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		case s[0] == '[' && s[len(s)-1] == ']':
			parts := splitList(s[1 : len(s)-1])
			for i, p := range parts {
				parts[i] = unquote(p)
			}
			return strings.Join(parts, ", ")
		}
	}
	return s
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	list := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			list = append(list, part)
		}
	}
	return list
}

// Title is the text of the body's first level-one heading, if it opens the
// body: what a client may show instead of the name.
func (d *Definition) Title() string {
	first, _, _ := strings.Cut(d.Body, "\n")
	if t, ok := strings.CutPrefix(first, "# "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// MatchTool reports whether a name from a tools: header means the tool
// named tool: the same name in any case, or Claude Code's name for it as an
// MCP tool (mcp__agentbox__Read).
func MatchTool(listed, tool string) bool {
	if rest, ok := strings.CutPrefix(listed, "mcp__"); ok {
		if i := strings.LastIndex(rest, "__"); i >= 0 {
			listed = rest[i+2:]
		}
	}
	return strings.EqualFold(listed, tool)
}
