package tools

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/shell"
)

//go:embed bash.md
var bashDoc string

// bashArgs is the Bash tool's input, as Claude Code names it.
type bashArgs struct {
	Command         string  `json:"command" jsonschema:"The command to run"`
	Timeout         float64 `json:"timeout,omitempty" jsonschema:"Timeout in milliseconds"`
	Description     string  `json:"description,omitempty" jsonschema:"What the command does, in 5-10 words"`
	RunInBackground bool    `json:"run_in_background,omitempty" jsonschema:"Run in the background: returns a job ID at once"`
}

const (
	bashDefaultTimeout = 120_000   // milliseconds
	bashMaxTimeout     = 600_000   // milliseconds
	bashMaxOutput      = 30_000    // bytes of output a result carries
	bashMaxCommand     = 100 << 10 // bytes of one command
)

func bashTool(t *Toolset) server.ServerTool {
	facts := t.opts.Sandbox.Facts()
	tool := mcp.NewTool("Bash", append([]mcp.ToolOption{
		mcp.WithDescription(describe(bashDoc, map[string]any{
			"DefaultTimeout": bashDefaultTimeout,
			"Foreground":     foregroundText(t.opts.ForegroundLimit),
			"MaxTimeout":     bashMaxTimeout,
			"MaxOutput":      bashMaxOutput,
			"Confined":       facts.Confined,
			"Strict":         facts.Strict,
			"HidesSecrets":   facts.HidesSecrets,
			"Network":        facts.Network,
			"GitProtected":   facts.GitProtected,
			"UnixSockets":    facts.UnixSockets,
			"MaxProcs":       facts.MaxProcs,
			"MemoryLimit":    facts.MemoryLimit,
			"PerProcess":     facts.MemoryPerProcess,
			"Missing":        facts.Missing,
			"MissingText":    strings.Join(facts.Missing, "; "),
		})),
		inputSchema[bashArgs](atLeast("timeout", 0), atMost("timeout", bashMaxTimeout)),
		mcp.WithToolTitle("Run a command"),
	}, annotate(false, true, false)...)...)
	tool.Annotations.OpenWorldHint = mcp.ToBoolPtr(facts.Network)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args bashArgs) (*mcp.CallToolResult, error) {
			return t.bash(ctx, args), nil
		})}
}

func (t *Toolset) bash(ctx context.Context, args bashArgs) *mcp.CallToolResult {
	if strings.TrimSpace(args.Command) == "" {
		return failedf("Bash: command is empty; pass the shell command to run")
	}
	if len(args.Command) > bashMaxCommand {
		return failedf("Bash: the command is %s, over the %s one command may be; write it to a script with Write, then run the script",
			formatSize(int64(len(args.Command))), formatSize(bashMaxCommand))
	}
	timeout := time.Duration(args.Timeout) * time.Millisecond
	if timeout <= 0 && !args.RunInBackground {
		timeout = bashDefaultTimeout * time.Millisecond
	}
	t.opts.Logger.Debug("bash", "command", shell.Shorten(args.Command, 200), "description", args.Description, "background", args.RunInBackground)
	sh := t.sessions.of(ctx).shell
	j, notes, err := sh.Start(ctx, args.Command, timeout, args.RunInBackground)
	if errors.Is(err, sandbox.ErrTooLong) {
		return failedf("Bash: the command is too long to pass to the sandbox; write it to a script with Write, then run the script")
	}
	if err != nil {
		return failedf("Bash: cannot run the command: %v", err)
	}
	if args.RunInBackground {
		msg := fmt.Sprintf("Started in the background with ID %s. Read its output with BashOutput (bash_id %q); stop it with KillShell (shell_id %q). It runs until it ends, is stopped, or this session ends.", j.ID(), j.ID(), j.ID())
		if timeout > 0 {
			msg += fmt.Sprintf(" It will be stopped after %s.", shell.RoundDuration(timeout))
		}
		return mcp.NewToolResultText(withNotes(msg, notes))
	}
	stop := reportProgress(ctx, j)
	defer stop()
	if limit := t.opts.ForegroundLimit; limit > 0 {
		timer := time.NewTimer(limit)
		defer timer.Stop()
		select {
		case <-j.Done():
		case <-timer.C:
			if sh.Detach(j) {
				stop() // no progress report may follow the result
				return t.detachedResult(j, timeout, notes)
			}
		}
	}
	<-j.Done()
	stop()
	return t.bashResult(sh, j, notes)
}

// detachedResult is the result of a call whose command outlasted the
// foreground limit and goes on in the background: its output so far, and
// how to wait for the rest.
func (t *Toolset) detachedResult(j *shell.Job, timeout time.Duration, notes []string) *mcp.CallToolResult {
	text, end, _ := j.Output().Clip(bashMaxOutput, func(c shell.Cut) string { return cutNote(j, c) })
	j.Advance(end) // BashOutput goes on after what this result shows
	msg := fmt.Sprintf("[Still running after %s, so it goes on in the background as job %s", shell.RoundDuration(t.opts.ForegroundLimit), j.ID())
	if timeout > 0 {
		msg += fmt.Sprintf(" (its timeout still stops it %s after it started)", shell.RoundDuration(timeout))
	}
	msg += fmt.Sprintf(": wait for it with BashOutput (bash_id %q, wait %d), or stop it with KillShell.]", j.ID(), waitMax(t.opts.ForegroundLimit))
	if text != "" {
		msg = text + "\n\n" + msg
	}
	return mcp.NewToolResultText(withNotes(msg, notes))
}

// foregroundText states the foreground limit for Bash's description.
func foregroundText(limit time.Duration) string {
	if limit <= 0 {
		return ""
	}
	return shell.RoundDuration(limit)
}

// bashResult turns a finished foreground job into the call's result.
func (t *Toolset) bashResult(sh *shell.Session, j *shell.Job, notes []string) *mcp.CallToolResult {
	if err := j.Err(); err != nil {
		sh.Drop(j)
		return failedf("Bash: the sandbox could not run the command: %v", err)
	}
	text, _, cut := j.Output().Clip(bashMaxOutput, func(c shell.Cut) string { return cutNote(j, c) })
	if cut {
		sh.Keep(j)
	} else {
		sh.Drop(j)
	}
	exit := j.Exit()
	if j.Why() == shell.Exited && exit.Code == 0 {
		notes = append(notes, sh.Moved(exit.Dir)...)
	}
	notes = append(notes, t.hints(exit, text)...)
	took := shell.RoundDuration(j.Ended().Sub(j.Started()))
	switch {
	case j.Why() == shell.TimedOut:
		return mcp.NewToolResultError(withNotes(fmt.Sprintf(
			"Command timed out after %s and was stopped, with every process it started. To give it longer, set timeout (up to %d ms), or start it with run_in_background: true and follow it with BashOutput.\n%s",
			took, bashMaxTimeout, text), notes))
	case j.Why() == shell.Cancelled:
		return mcp.NewToolResultError(withNotes("Command was cancelled and stopped, with every process it started, after "+took+".\n"+text, notes))
	case exit.Code != 0:
		return mcp.NewToolResultError(withNotes(strings.TrimRight("Exit code "+exitCode(exit.Code)+"\n"+text, "\n"), notes))
	case text == "":
		text = "(Bash completed with no output)"
	}
	return mcp.NewToolResultText(withNotes(text, notes))
}

// cutNote says what a clipped result leaves out, which of it is gone and
// why, and where BashOutput reads on.
func cutNote(j *shell.Job, c shell.Cut) string {
	msg := fmt.Sprintf("[… %s left out here: the output is %s in all.", formatSize(c.Left), formatSize(c.Total))
	lost := c.Lost.From < c.Lost.To
	if lost {
		msg += " " + lostNote(j.Output(), c.Lost)
	}
	switch {
	case c.Next < 0:
	case lost && c.Next == c.Lost.To:
		msg += fmt.Sprintf(" To read what was kept after them, call BashOutput with bash_id %q and offset %d.", j.ID(), c.Next)
	default:
		msg += fmt.Sprintf(" To read on from here, call BashOutput with bash_id %q and offset %d.", j.ID(), c.Next)
	}
	return msg + "]"
}

// lostNote says which bytes of a job's output are gone, and why.
func lostNote(out *shell.Spool, g shell.Gap) string {
	why := fmt.Sprintf("only the first %s and the last %s of a job's output are kept", formatSize(shell.SpoolMax), formatSize(shell.TailMax))
	if err := out.Failed(); err != nil {
		why = "the server could not write them to its disk (" + err.Error() + "), so the output could not be kept whole"
	}
	return fmt.Sprintf("Bytes %d to %d (%s) are gone: %s.", g.From, g.To, formatSize(g.To-g.From), why)
}

// exitCode prints an exit status, naming the signal of a 128+N status.
func exitCode(code int) string {
	if code > 128 && code < 128+65 {
		return fmt.Sprintf("%d (%s)", code, syscall.Signal(code-128))
	}
	return fmt.Sprint(code)
}

// hints explain failures the sandbox causes, so the model does not retry
// what cannot work.
func (t *Toolset) hints(exit sandbox.Exit, text string) []string {
	var hints []string
	if note := exit.Note(); note != "" {
		hints = append(hints, note)
	}
	if exit.Code == 0 {
		return hints
	}
	facts := t.opts.Sandbox.Facts()
	if facts.Confined && strings.Contains(text, "Read-only file system") {
		hints = append(hints, "[Commands may write only inside the workspace and $TMPDIR; the rest of the file system is read-only to them.]")
	}
	if !facts.Network && containsAny(text, "Network is unreachable", "Temporary failure in name resolution",
		"Could not resolve host", "Name or service not known", "No address associated with hostname", "getaddrinfo") {
		hints = append(hints, "[Commands have no network here: the server was started without --allow-network.]")
	}
	if facts.MaxProcs > 0 && strings.Contains(text, "Resource temporarily unavailable") {
		hints = append(hints, fmt.Sprintf("[A command may run at most %d processes at once; forks past that fail.]", facts.MaxProcs))
	}
	return hints
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// withNotes appends notes to a result's text, after a blank line.
func withNotes(text string, notes []string) string {
	if len(notes) == 0 {
		return text
	}
	if text == "" {
		return strings.Join(notes, "\n")
	}
	return text + "\n\n" + strings.Join(notes, "\n")
}
