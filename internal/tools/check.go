package tools

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/agentbox/agentbox/internal/workspace"
)

// CheckOptions configure the checks that follow Write and Edit of a .go or
// .py file, and the checkers the Diagnostics tool runs. The zero value runs
// no check after writes, and gives checkers an empty environment.
type CheckOptions struct {
	// AfterWrite makes Write and Edit check a .go file's package (go/packages
	// type check) or a .py file (compile, pyflakes) once written, and add
	// what they find to their result. The server's --diagnostics flag.
	AfterWrite bool
	// Timeout bounds one after-write check; past it the result says the
	// check was skipped. 0 means CheckTimeout.
	Timeout time.Duration
	// Env is the whole environment of checker commands (go, python3, ruff,
	// mypy): an allow-list made by CheckEnv, never the server's own, so its
	// secrets do not reach them.
	Env []string
	// Python is the interpreter for Python checks: a path, or a name looked
	// up on Env's PATH. "" picks the workspace's (see pyInterpreter).
	Python string
	// Run runs checker commands; nil runs them as local child processes
	// (runLocal). The place to route them through a sandbox.
	Run Runner
}

// CheckTimeout is how long an after-write check may take by default.
const CheckTimeout = 2 * time.Second

const (
	checkShowFile   = 10 // problems in the written file an after-write check shows
	checkShowOthers = 3  // problems in other files of its package it shows
)

// withCheckDoc adds what Write's and Edit's descriptions say of the
// after-write check to their template data.
func withCheckDoc(data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	data["CheckShowFile"], data["CheckShowOthers"] = checkShowFile, checkShowOthers
	return data
}

// finding is one problem a checker reported.
type finding struct {
	file      string // workspace-relative slash path; "" for a problem of no file
	line, col int    // from 1; 0 when unknown
	msg       string
	checker   string // what said so: "go types", "python3.11 compile", "pyflakes", ...
}

// String formats f the way compilers do, with its checker after it:
// "main.go:7:9: undefined: x (go types)".
func (f finding) String() string {
	var b strings.Builder
	if f.file != "" {
		b.WriteString(f.file)
		if f.line > 0 {
			fmt.Fprintf(&b, ":%d", f.line)
			if f.col > 0 {
				fmt.Fprintf(&b, ":%d", f.col)
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(f.msg)
	if f.checker != "" {
		b.WriteString(" (" + f.checker + ")")
	}
	return b.String()
}

func byPosition(a, b finding) int {
	return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col), cmp.Compare(a.msg, b.msg))
}

// report is what one check found.
type report struct {
	checkers []string  // the checkers that ran, as findings name them
	findings []finding // in any order
	scope    string    // what was checked beyond the file: "package example.com/m"
	skipped  string    // why the check could not run; findings are then empty
	notes    []string  // what was left out and why
}

// checker runs the checks for one Toolset and remembers what makes them
// fast (the real interpreter behind a launcher, Go's cache directories) and
// which files its last after-write checks found problems in.
type checker struct {
	ws   *workspace.Workspace
	opts CheckOptions

	mu      sync.Mutex
	pythons map[string]string // launcher -> the interpreter it ran
	goDirs  []string          // GOCACHE=, GOMODCACHE=, GOPATH= as the go command reported them
	flagged map[string]bool   // files whose last after-write check found problems
}

func newChecker(ws *workspace.Workspace, opts CheckOptions) *checker {
	return &checker{ws: ws, opts: opts, flagged: map[string]bool{}}
}

// run runs a checker command through the configured Runner.
func (c *checker) run(ctx context.Context, cmd Command) (Output, error) {
	if c.opts.Run != nil {
		return c.opts.Run(ctx, cmd)
	}
	return runLocal(ctx, cmd)
}

func (c *checker) timeout() time.Duration {
	if c.opts.Timeout > 0 {
		return c.opts.Timeout
	}
	return CheckTimeout
}

// checkLanguage tells which checks a file gets: "go", "python" or "".
func checkLanguage(rel string) string {
	switch path.Ext(rel) {
	case ".go":
		return "go"
	case ".py", ".pyi":
		return "python"
	}
	return ""
}

// afterWrite is what Write and Edit return: their result, followed, after
// a successful write of a .go or .py file, by what checking it found. The
// check never holds the result longer than its timeout.
func (t *Toolset) afterWrite(ctx context.Context, name string, res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil || res.IsError || !t.opts.Checks.AfterWrite {
		return res
	}
	rel, err := t.ws.Rel(name)
	if err != nil || checkLanguage(rel) == "" {
		return res
	}
	if note := t.checks.afterWrite(ctx, rel); note != "" {
		for i, c := range res.Content {
			if tc, ok := c.(mcp.TextContent); ok {
				tc.Text = strings.TrimRight(tc.Text, "\n") + "\n\n" + note
				res.Content[i] = tc
				return res
			}
		}
		res.Content = append(res.Content, mcp.NewTextContent(note))
	}
	return res
}

// afterWrite checks the file rel just written and says what it found; ""
// when there is nothing to say.
func (c *checker) afterWrite(ctx context.Context, rel string) string {
	limit := c.timeout()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	done := make(chan report, 1)
	go func() { done <- c.checkWritten(ctx, rel) }()
	var r report
	select {
	case r = <-done:
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		// Whatever the check got to, it did not finish: the go command or
		// interpreter it ran is being killed and the goroutine will end.
		why := "it took longer than " + limit.String()
		if errors.Is(ctx.Err(), context.Canceled) {
			why = "the call was cancelled"
		}
		r = report{skipped: why}
	}
	return c.afterWriteNote(workspace.Display(rel), r)
}

// checkWritten runs the check that fits rel's language.
func (c *checker) checkWritten(ctx context.Context, rel string) report {
	if checkLanguage(rel) == "go" {
		return c.checkGoFile(ctx, rel, false)
	}
	return c.checkPython(ctx, []string{workspace.Display(rel)}, false)
}

// afterWriteNote words an after-write report for the written file disp:
// its problems first, then a few from other files of its package, and a
// word when the problems it had last time are gone.
func (c *checker) afterWriteNote(disp string, r report) string {
	if r.skipped != "" {
		return "The change is saved; checking it was skipped: " + r.skipped + "."
	}
	var mine, others []finding
	for _, f := range r.findings {
		if f.file == disp {
			mine = append(mine, f)
		} else {
			others = append(others, f)
		}
	}
	slices.SortFunc(mine, byPosition)
	slices.SortFunc(others, byPosition)
	mine, others = slices.Compact(mine), slices.Compact(others)

	c.mu.Lock()
	had := c.flagged[disp]
	if len(mine)+len(others) > 0 {
		c.flagged[disp] = true
	} else {
		delete(c.flagged, disp)
	}
	c.mu.Unlock()

	by := strings.Join(r.checkers, ", ")
	if r.scope != "" {
		by += "; " + r.scope
	}
	notes := ""
	if len(r.notes) > 0 {
		notes = "\n(" + strings.Join(r.notes, "; ") + ".)"
	}
	if len(mine)+len(others) == 0 {
		if had {
			return fmt.Sprintf("No problems left in %s (%s).", disp, by) + notes
		}
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Problems after this change (%s): %d in %s", by, len(mine), disp)
	if len(others) > 0 {
		fmt.Fprintf(&b, ", %d in other files", len(others))
	}
	b.WriteString(":")
	for _, f := range mine[:min(len(mine), checkShowFile)] {
		b.WriteString("\n" + f.String())
	}
	for _, f := range others[:min(len(others), checkShowOthers)] {
		b.WriteString("\n" + f.String())
	}
	if more := max(len(mine)-checkShowFile, 0) + max(len(others)-checkShowOthers, 0); more > 0 {
		fmt.Fprintf(&b, "\n(%d more not shown; call Diagnostics on %s to see them all.)", more, path.Dir(disp))
	}
	return b.String() + notes
}

// runError says why a checker command did not finish.
func runError(err error, ctx context.Context) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "it did not finish in time"
	case errors.Is(err, context.Canceled):
		return "the call was cancelled"
	}
	return err.Error()
}
