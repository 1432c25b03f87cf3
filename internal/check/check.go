// Package check finds the problems in code of the workspace without running
// it: after Write or Edit, in the one file written (and its Go package);
// for the Diagnostics tool, in a file or a whole tree. Each language it
// knows is one entry of a table (see languages.go) with the checkers it
// runs: for Go, go/packages' type check and go vet; for Python, compile
// and pyflakes in the workspace's interpreter (after writes, in a warm
// checker that stays running: python_warm.go), ruff and mypy. Checker
// commands get an allow-listed environment, run offline and read-only, and
// run in the Bash sandbox when there is one.
//
// After-write checks never hold a write's result for more than a moment
// and are never dropped without a word (schedule.go): what a check finds
// after its write's result has gone is kept for the writing session's next
// result. It knows nothing of MCP: it returns text for the model, which
// the tools put in their results.
package check

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

	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/workspace"
)

// Options configure the checks that follow Write and Edit of a file in a
// language check knows, and the checkers the Diagnostics tool runs. The
// zero value runs no check after writes, and gives checkers an empty
// environment.
type Options struct {
	// AfterWrite makes Write and Edit check a .go file's package (go/packages
	// type check) or a .py file (compile, pyflakes) once written, and add
	// what they find to their result. The server's --diagnostics flag.
	AfterWrite bool
	// Timeout is how long Write and Edit wait for their check; a check
	// still running then goes on, and what it finds comes with the
	// session's next result (see AfterWrite and Pending). 0 means
	// DefaultTimeout. The server's --diagnostics-timeout flag.
	Timeout time.Duration
	// Limit bounds one after-write check, queued and running; past it the
	// check is given up, and the session told. 0 means DefaultLimit.
	Limit time.Duration
	// Env is the whole environment of checker commands (go, python3, ruff,
	// mypy): an allow-list made by Env, never the server's own, so its
	// secrets do not reach them.
	Env []string
	// Python is the interpreter for Python checks: a path, or a name looked
	// up on Env's PATH. "" picks the workspace's (see pyInterpreter).
	Python string
	// Venv finds the workspace's virtual environment, whose python checks
	// run, activated, as Bash's commands do. The zero value finds .venv or
	// venv.
	Venv pyenv.Finder
	// Sandbox is where checker commands run: where Bash's commands run,
	// so that a checker from the workspace (a venv's python) cannot escape
	// the sandbox through a check. nil runs them as local child processes
	// (runLocal).
	Sandbox *sandbox.Sandbox
}

// What an after-write check shows, which Write's and Edit's descriptions
// state.
const (
	ShowFile   = 10 // problems in the written file an after-write check shows
	ShowOthers = 3  // problems in other files of its package it shows
)

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
	givenUp  string    // why an after-write check was given up; findings are then empty
	notes    []string  // what was left out and why
	checked  int       // a tree check's units checked (Go packages, Python files)
}

// Checker runs the checks of one workspace and remembers what makes them
// fast (the warm Python checker, the real interpreter behind a launcher,
// Go's cache directories) and which files its last after-write checks
// told of problems in.
type Checker struct {
	ws      *workspace.Workspace
	opts    Options
	sandbox *sandboxRunner // runs the checkers when there is a sandbox
	sched   *scheduler     // the after-write checks under way
	py      *pyWarm        // the warm Python checker

	mu      sync.Mutex
	pythons map[string]string // launcher -> the interpreter it ran
	goDirs  []string          // GOCACHE=, GOMODCACHE=, GOPATH= as the go command reported them
	flagged map[string]bool   // files whose last after-write check told of problems

	golang goState // the Go checker process (golang_proc.go)
}

// New returns the checker of ws. Close it when done.
func New(ws *workspace.Workspace, opts Options) *Checker {
	c := &Checker{ws: ws, opts: opts, flagged: map[string]bool{}, sched: newScheduler()}
	c.py = &pyWarm{c: c}
	if opts.Sandbox != nil {
		c.sandbox = &sandboxRunner{sb: opts.Sandbox}
	}
	return c
}

// Close stops the checks under way and the warm checkers (Python's and
// the Go checker process), and removes the private space of checks run in
// the sandbox.
func (c *Checker) Close() {
	c.sched.close()
	c.py.close()
	c.goClose()
	if c.sandbox != nil {
		c.sandbox.close()
	}
}

// run runs a checker command in the sandbox, or locally when there is none.
func (c *Checker) run(ctx context.Context, cmd command) (output, error) {
	if c.sandbox != nil {
		return c.sandbox.run(ctx, cmd)
	}
	return runLocal(ctx, cmd)
}

func (c *Checker) timeout() time.Duration {
	if c.opts.Timeout > 0 {
		return c.opts.Timeout
	}
	return DefaultTimeout
}

func (c *Checker) limit() time.Duration {
	if c.opts.Limit > 0 {
		return c.opts.Limit
	}
	return DefaultLimit
}

// afterWriteNote words an after-write report for the written file disp:
// its problems first, then a few from other files of its package, and a
// word when the problems it had when last told are gone. late names the
// write for a report told after that write's result ("Checks of a.py
// after your Edit at 10:31:02"); "" words it for the write's own result.
func (c *Checker) afterWriteNote(disp string, r report, late string) string {
	switch {
	case r.givenUp != "" && late != "":
		return fmt.Sprintf("%s were given up: %s. The change stands; call Diagnostics on %s to check it.", late, r.givenUp, disp)
	case r.givenUp != "":
		return fmt.Sprintf("The change is saved; checking %s was given up: %s. Call Diagnostics on it to check it.", disp, r.givenUp)
	case r.skipped != "" && late != "":
		return fmt.Sprintf("%s were skipped: %s.", late, r.skipped)
	case r.skipped != "":
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
		switch {
		case !had:
			return ""
		case late != "":
			return fmt.Sprintf("%s: no problems left (%s).", late, by) + notes
		}
		return fmt.Sprintf("No problems left in %s (%s).", disp, by) + notes
	}
	var b strings.Builder
	if late != "" {
		fmt.Fprintf(&b, "%s found problems (%s): %d in %s", late, by, len(mine), disp)
	} else {
		fmt.Fprintf(&b, "Problems after this change (%s): %d in %s", by, len(mine), disp)
	}
	if len(others) > 0 {
		fmt.Fprintf(&b, ", %d in other files", len(others))
	}
	b.WriteString(":")
	for _, f := range mine[:min(len(mine), ShowFile)] {
		b.WriteString("\n" + f.String())
	}
	for _, f := range others[:min(len(others), ShowOthers)] {
		b.WriteString("\n" + f.String())
	}
	if more := max(len(mine)-ShowFile, 0) + max(len(others)-ShowOthers, 0); more > 0 {
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
