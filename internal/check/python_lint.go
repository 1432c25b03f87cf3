package check

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// pyTool finds a Python linter: in the workspace's virtual environment
// first (the version the project pinned), else on the checkers' PATH.
func (c *Checker) pyTool(name string) (string, error) {
	if venv, ok := c.opts.Venv.Find(c.ws); ok {
		if fi, err := c.ws.Stat(venv.Name + "/bin/" + name); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return filepath.Join(venv.Bin(), name), nil
		}
	}
	return sandbox.LookPath(name, c.opts.Env)
}

// ruff runs `ruff check` on files with the project's configuration,
// writing no cache and fixing nothing.
func (c *Checker) ruff(ctx context.Context, exe string, files []string) ([]finding, error) {
	args := append([]string{"check", "--output-format=json", "--no-cache", "--no-fix", "--exit-zero", "--force-exclude", "--"}, files...)
	out, err := c.run(ctx, command{Path: exe, Args: args, Dir: c.ws.Dir(), Env: c.opts.Env})
	if err != nil {
		return nil, err
	}
	return c.parseRuff(out)
}

// ruffDiag is one entry of ruff's JSON output.
type ruffDiag struct {
	Code     *string `json:"code"`
	Filename string  `json:"filename"`
	Message  string  `json:"message"`
	Location struct {
		Row    int `json:"row"`
		Column int `json:"column"`
	} `json:"location"`
}

func (c *Checker) parseRuff(out output) ([]finding, error) {
	var diags []ruffDiag
	if err := json.Unmarshal(out.Stdout, &diags); err != nil {
		return nil, fmt.Errorf("ruff printed no report (exit %d): %s", out.ExitCode, lastLine(out.Stderr, "no output"))
	}
	var found []finding
	for _, d := range diags {
		f := finding{file: c.display(d.Filename), line: d.Location.Row, col: d.Location.Column, msg: d.Message, checker: "ruff"}
		if f.file == "" && !filepath.IsAbs(d.Filename) {
			f.file = path.Clean(filepath.ToSlash(d.Filename))
		}
		if d.Code != nil && *d.Code != "" {
			f.checker = "ruff " + *d.Code
		}
		found = append(found, f)
	}
	return found, nil
}

// mypy runs mypy on files with the project's configuration. Its cache
// goes nowhere (no .mypy_cache appears in the workspace), which makes it
// slower: the Diagnostics deadline bounds it.
func (c *Checker) mypy(ctx context.Context, exe string, files []string) ([]finding, error) {
	args := append([]string{"--show-column-numbers", "--no-error-summary", "--no-color-output", "--hide-error-context",
		"--no-pretty", "--cache-dir=/dev/null", "--follow-imports=silent", "--"}, files...)
	out, err := c.run(ctx, command{Path: exe, Args: args, Dir: c.ws.Dir(), Env: c.opts.Env})
	if err != nil {
		return nil, err
	}
	if out.ExitCode > 1 {
		return nil, fmt.Errorf("mypy failed (exit %d): %s", out.ExitCode, lastLine(append(out.Stderr, out.Stdout...), "no output"))
	}
	return parseMypy(out.Stdout), nil
}

// parseMypy reads mypy's "file:line:col: error: message  [code]" lines,
// keeping errors and dropping the notes that elaborate on them.
func parseMypy(b []byte) []finding {
	var found []finding
	for _, f := range parseLines(b, "mypy") {
		severity, msg, ok := strings.Cut(f.msg, ": ")
		if !ok || (severity != "error" && severity != "warning") {
			continue
		}
		f.msg = msg
		if i := strings.LastIndex(msg, "  ["); i > 0 && strings.HasSuffix(msg, "]") {
			f.msg, f.checker = msg[:i], "mypy "+msg[i+3:len(msg)-1]
		}
		found = append(found, f)
	}
	return found
}
