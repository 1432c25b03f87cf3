package check

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// checkPyScript compiles files and runs pyflakes on them inside the
// workspace's interpreter; see the file for its protocol.
//
//go:embed checkpy.py
var checkPyScript string

// pyInterpreter is the Python a check runs: the one configured, else the
// workspace's virtual environment (as Bash's commands get it: see
// pyenv.Finder), else the first python3 on the checkers' PATH, which is
// what `python3` in a shell in the workspace would run (pyenv's shim
// included). It returns the program and how it was chosen: "configured",
// "PATH", or the environment's workspace-relative directory.
func (c *Checker) pyInterpreter() (string, string, error) {
	if p := c.opts.Python; p != "" {
		exe, err := sandbox.LookPath(p, c.opts.Env)
		if err != nil {
			return "", "", fmt.Errorf("the configured Python %s: %w", p, err)
		}
		return exe, "configured", nil
	}
	if venv, ok := c.opts.Venv.Find(c.ws); ok {
		return venv.Python(), venv.Name, nil
	}
	exe, err := sandbox.LookPath("python3", c.opts.Env)
	if err != nil {
		return "", "", err
	}
	return exe, "PATH", nil
}

// pyMeta is the first line checkpy.py writes.
type pyMeta struct {
	Version    string `json:"version"`
	Executable string `json:"executable"`
	Pyflakes   string `json:"pyflakes"`
}

// pyFinding is every other line.
type pyFinding struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Msg     string `json:"msg"`
	Checker string `json:"checker"`
}

// checkPython compiles rels (workspace-relative paths) with the workspace's
// interpreter and looks for undefined names with pyflakes (every pyflakes
// warning when all is set). Without pyflakes in that interpreter, a
// pyflakes3 or pyflakes command on PATH is used instead.
func (c *Checker) checkPython(ctx context.Context, rels []string, all bool) report {
	var r report
	exe, how, err := c.pyInterpreter()
	if err != nil {
		r.skipped = err.Error()
		return r
	}
	exe = c.resolvedPython(exe)
	mode := "names"
	if all {
		mode = "all"
	}
	args := append([]string{"-I", "-B", "-c", checkPyScript, mode}, rels...)
	env := c.opts.Env
	if venv, ok := c.opts.Venv.Find(c.ws); ok && venv.Name == how {
		env = venv.Activate(env) // as Bash's commands run
	}
	out, err := c.run(ctx, command{Path: exe, Args: args, Dir: c.ws.Dir(), Env: env})
	if err != nil {
		r.skipped = "python: " + runError(err, ctx)
		return r
	}
	meta, found, perr := parsePyOutput(out.Stdout)
	if perr != nil {
		r.skipped = fmt.Sprintf("%s did not run the check: %s", displayExe(exe, c.ws.Dir()), lastLine(out.Stderr, perr.Error()))
		return r
	}
	c.rememberPython(exe, meta.Executable)
	label := "python" + meta.Version
	if how != "PATH" && how != "configured" {
		label += " (" + how + ")"
	}
	r.checkers = append(r.checkers, label+" compile")
	for _, f := range found {
		r.findings = append(r.findings, finding{file: path.Clean(filepath.ToSlash(f.File)), line: f.Line, col: f.Col, msg: f.Msg, checker: f.Checker})
	}
	if meta.Pyflakes != "" {
		r.checkers = append(r.checkers, "pyflakes")
		return r
	}
	c.pyflakesCommand(ctx, rels, all, found, &r)
	return r
}

// pyflakesCommand runs a pyflakes installed as a command (Debian's
// pyflakes3) on the files that compiled, when the interpreter has no
// pyflakes module.
func (c *Checker) pyflakesCommand(ctx context.Context, rels []string, all bool, found []pyFinding, r *report) {
	exe, err := sandbox.LookPath("pyflakes3", c.opts.Env)
	if err != nil {
		exe, err = sandbox.LookPath("pyflakes", c.opts.Env)
	}
	if err != nil {
		r.notes = append(r.notes, "pyflakes is not installed, so names were not checked")
		return
	}
	broken := map[string]bool{}
	for _, f := range found {
		broken[f.File] = true
	}
	var files []string
	for _, rel := range rels {
		if !broken[rel] {
			files = append(files, rel)
		}
	}
	if len(files) == 0 {
		return
	}
	out, err := c.run(ctx, command{Path: exe, Args: files, Dir: c.ws.Dir(), Env: c.opts.Env})
	if err != nil {
		r.notes = append(r.notes, "pyflakes: "+runError(err, ctx))
		return
	}
	r.checkers = append(r.checkers, "pyflakes")
	for _, f := range parseLines(out.Stdout, "pyflakes") {
		if all || isUndefinedName(f.msg) {
			r.findings = append(r.findings, f)
		}
	}
}

// isUndefinedName tells pyflakes' messages about undefined names, the
// ones after-write checks report, from its style warnings.
func isUndefinedName(msg string) bool {
	return strings.HasPrefix(msg, "undefined name ") ||
		(strings.HasPrefix(msg, "local variable ") && strings.Contains(msg, "referenced before assignment"))
}

// parsePyOutput reads checkpy.py's JSON lines.
func parsePyOutput(b []byte) (pyMeta, []pyFinding, error) {
	var meta pyMeta
	var found []pyFinding
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, checkMaxOutput)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			if err := json.Unmarshal(line, &meta); err != nil || meta.Version == "" {
				return meta, nil, errors.New("no output")
			}
			first = false
			continue
		}
		var f pyFinding
		if err := json.Unmarshal(line, &f); err == nil {
			found = append(found, f)
		}
	}
	if first {
		return meta, nil, errors.New("no output")
	}
	return meta, found, nil
}

// parseLines reads "file:line:col: message" lines (pyflakes, mypy), the
// column optional.
func parseLines(b []byte, checker string) []finding {
	var out []finding
	for _, line := range strings.Split(string(b), "\n") {
		if f, ok := parseLine(line, checker); ok {
			out = append(out, f)
		}
	}
	return out
}

func parseLine(line, checker string) (finding, bool) {
	file, rest, ok := strings.Cut(line, ":")
	if !ok || file == "" {
		return finding{}, false
	}
	num, rest, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(num)
	if !ok || err != nil {
		return finding{}, false
	}
	f := finding{file: path.Clean(filepath.ToSlash(file)), line: n, checker: checker}
	if col, after, ok := strings.Cut(rest, ":"); ok {
		if c, err := strconv.Atoi(col); err == nil {
			f.col, rest = c, after
		}
	}
	f.msg = strings.TrimSpace(rest)
	return f, f.msg != ""
}

// resolvedPython returns the real interpreter a launcher (pyenv's shim, a
// bash script that costs a third of a second) was found to run before;
// the first check through a launcher runs it and remembers.
func (c *Checker) resolvedPython(exe string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if real, ok := c.pythons[exe]; ok {
		return real
	}
	return exe
}

func (c *Checker) rememberPython(exe, real string) {
	if real == "" || !filepath.IsAbs(real) || strings.HasPrefix(exe, c.ws.Dir()+string(filepath.Separator)) {
		return // a venv's python is run by its own name, which keeps the venv
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pythons == nil {
		c.pythons = map[string]string{}
	}
	c.pythons[exe] = real
}

// displayExe names a program for a result without the workspace's host
// path.
func displayExe(exe, wsDir string) string {
	if rel, err := filepath.Rel(wsDir, exe); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return exe
}

// lastLine returns the last line of a command's error output (where Python
// puts the exception), or def when there is none.
func lastLine(b []byte, def string) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return last
	}
	return def
}
