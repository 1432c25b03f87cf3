package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/agentbox/agentbox/internal/check"
	"github.com/agentbox/agentbox/internal/pyenv"
	"github.com/agentbox/agentbox/internal/sandbox"
	"github.com/agentbox/agentbox/internal/server"
	"github.com/agentbox/agentbox/internal/tools"
	"github.com/agentbox/agentbox/internal/walk"
)

// config is what the flags say; nothing below main reads flags or the
// environment.
type config struct {
	workspace string
	logLevel  slog.Level
	audit     string // file to append one JSON line per tool call to
	excludes  string // the user's global git excludes file, from the environment
	prompts   string // a directory of agent definitions; "" for the built-in ones only
	agent     string // the definition to run as; "" for none
	// auditRequired refuses tool calls while the audit log cannot be written.
	auditRequired bool
	// diagnostics turns on the checks after Write and Edit.
	diagnostics  onOff
	checkTimeout time.Duration // how long one after-write check may take
	checkEnv     []string      // the allow-listed environment of checker commands
	// foregroundLimit is how long a Bash call waits for its command before
	// it goes on in the background.
	foregroundLimit time.Duration
	// pythonEnv is whether the workspace's virtual environment is used.
	pythonEnv pyenv.Mode
	// sandbox is how Bash's commands are confined.
	sandbox sandbox.Config
	getenv  func(string) string

	checkpoints checkpointFlags // where and how much of the workspace's changes are recorded
}

// flags returns a flag set for a subcommand with the flags every command
// shares, writing errors and help to e.stderr.
func flags(e *env, name string, cfg *config) *flag.FlagSet {
	cfg.excludes = walk.ExcludesFile(e.getenv("HOME"), e.getenv("XDG_CONFIG_HOME"))
	cfg.checkEnv = check.Env(e.getenv, os.TempDir())
	cfg.diagnostics = true
	fs := flag.NewFlagSet("agentbox "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&cfg.workspace, "workspace", "", workspaceHelp)
	level := slog.LevelInfo
	if name != "serve" {
		level = slog.LevelWarn // the command's output is on stdout; stderr is for trouble
	}
	fs.TextVar(&cfg.logLevel, "log-level", level, "`level` of the logs on stderr: debug, info, warn or error")
	fs.StringVar(&cfg.audit, "audit", "", "append one JSON line per tool call to `file` (secrets redacted)")
	fs.BoolVar(&cfg.auditRequired, "audit-required", false, "refuse tool calls (nothing runs) while the --audit file cannot be written, e.g. on a full disk")
	fs.StringVar(&cfg.prompts, "prompts", "", "a `dir`ectory of agent definitions (*.md) served as prompts beside the built-in ones, overriding them by name")
	fs.Var(&cfg.diagnostics, "diagnostics", "`on` or off: after Write and Edit of a .go or .py file, type-check or compile it and add the problems to the result")
	fs.DurationVar(&cfg.checkTimeout, "diagnostics-timeout", check.DefaultTimeout, "how long a check after Write or Edit may take before it is skipped (the edit stands): a `duration`")
	fs.StringVar(&cfg.agent, "agent", "", "run as the agent `name`d: expose only the tools its definition lists, and add its instructions to the server's")
	limit := tools.DefaultForegroundLimit
	if name == "call" {
		limit = 0 // its one call is all: no later BashOutput could wait for a job
	}
	fs.DurationVar(&cfg.foregroundLimit, "foreground-limit", limit, "return from a Bash call whose command still runs after this `duration`, which goes on in the background (clients give up on a call after about a minute); 0 waits for the command's timeout")
	fs.TextVar(&cfg.pythonEnv, "python-env", pyenv.Auto, "`mode`: auto (run Bash's commands and the Python checks with the workspace's virtual environment activated: .venv or venv, or $VIRTUAL_ENV inside the workspace) or off")
	cfg.getenv = e.getenv
	sb := &cfg.sandbox
	fs.TextVar(&sb.Mode, "sandbox", sandbox.Auto, "confinement of Bash commands: auto (every layer the kernel offers), require (refuse to start without all of them) or off")
	fs.BoolVar(&sb.AllowNetwork, "allow-network", false, "let Bash commands use the network")
	fs.Var((*listFlag)(&sb.PassEnv), "env", "pass the server's environment variable `NAME` on to Bash commands (repeatable)")
	fs.TextVar(&sb.Reads, "read-confinement", sandbox.ReadSystem, "what Bash commands may read: default (the system but the home directory's secrets) or strict (system directories, toolchains, the workspace and --allow-read)")
	fs.Var((*listFlag)(&sb.AllowRead), "allow-read", "let Bash commands read `dir`: under --read-confinement=strict one more readable directory; under default, a place it would hide (~/.config/gh, say) made readable again (repeatable)")
	fs.Var((*listFlag)(&sb.AllowWrite), "allow-write", "let Bash commands write `dir` besides the workspace (repeatable)")
	fs.BoolVar(&sb.AllowGitConfig, "allow-git-config", false, "let Bash commands change the workspace's .git/config and .git/hooks")
	fs.Var((*listFlag)(&sb.AllowUnixSocket), "allow-unix-socket", "let Bash commands connect to the Unix socket at `path` (or those in a directory) outside the workspace while the network is off (repeatable)")
	fs.TextVar(&sb.MemoryLimit, "memory-limit", sandbox.Memory(0), "the memory one Bash command may use, all its processes together: a `size` such as 4GiB or 512MiB, auto (half of the machine's) or off")
	cfg.checkpoints.register(fs)
	return fs
}

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parse parses args, flags and positional arguments in any order ("--"
// ends the flags). It returns the positional arguments and the exit status
// to stop with, or -1 to go on: --help prints the command's help on stdout
// and is a success; anything else wrong is bad usage, said on stderr.
func parse(e *env, fs *flag.FlagSet, args []string, argsUsage string) ([]string, int) {
	fs.Usage = func() {} // flag calls it on errors too; help is printed below
	var positional []string
	for {
		before := args
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				commandHelp(e.stdout, fs, argsUsage)
				return nil, 0
			}
			badUsage(e, fs)
			return nil, 2
		}
		args = fs.Args()
		if used := len(before) - len(args); used > 0 && before[used-1] == "--" {
			return append(positional, args...), -1
		}
		if len(args) == 0 {
			return positional, -1
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

// commandHelp is a command's help: the summary of every command, then its
// own arguments and flags.
func commandHelp(w io.Writer, fs *flag.FlagSet, argsUsage string) {
	usage(w)
	fmt.Fprintf(w, "\nFlags of %s %s:\n", fs.Name(), argsUsage)
	printFlags(w, fs)
}

// badUsage follows the problem, already on stderr, with where help is.
func badUsage(e *env, fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "agentbox ")
	fmt.Fprintf(e.stderr, "Run 'agentbox help %s' for its flags.\n", name)
}

// logger is the server's log on stderr.
func (c *config) logger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: c.logLevel}))
}

// start builds the server the flags describe. The caller closes it. A
// workspace it will not pick by itself is a *refusal.
func (c *config) start(log *slog.Logger) (*server.Server, error) {
	if err := c.chooseWorkspace(); err != nil {
		return nil, err
	}
	if c.foregroundLimit < 0 {
		return nil, fmt.Errorf("--foreground-limit %v: give a positive duration, such as 50s, or 0 for none", c.foregroundLimit)
	}
	sc := server.Config{Workspace: c.workspace, Version: version(), Logger: log, GitExcludesFile: c.excludes,
		PromptsDir: c.prompts, Agent: c.agent, Diagnostics: bool(c.diagnostics), DiagnosticsTimeout: c.checkTimeout, CheckEnv: c.checkEnv,
		ForegroundLimit: c.foregroundLimit, PythonEnv: pyenv.Finder{Off: c.pythonEnv == pyenv.Off, ServerEnv: c.getenv("VIRTUAL_ENV")}}
	c.sandbox.Home = c.getenv("HOME")
	c.sandbox.Env = sandbox.Environ(c.getenv, c.sandbox.PassEnv) // commands get only an allow-listed part
	c.sandbox.Hide = c.checkpoints.hidden(c.getenv)              // the journals hold copies of every workspace's files
	sc.Sandbox = &c.sandbox
	sc.Checkpoints = c.checkpoints.options(c.getenv, c.workspace, log)
	if c.auditRequired && c.audit == "" {
		return nil, errors.New("--audit-required goes with --audit FILE")
	}
	sc.AuditRequired = c.auditRequired
	var audit *os.File
	if c.audit != "" {
		f, err := os.OpenFile(c.audit, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		audit, sc.Audit = f, f
	}
	srv, err := server.New(sc)
	if err != nil {
		if audit != nil {
			audit.Close()
		}
		return nil, err
	}
	if audit != nil {
		srv.OnClose(func() { audit.Close() })
	}
	return srv, nil
}

// onOff is a flag that is "on" or "off" ("true" and "false" work too).
type onOff bool

func (o *onOff) String() string {
	if *o {
		return "on"
	}
	return "off"
}

func (o *onOff) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1":
		*o = true
	case "off", "false", "no", "0":
		*o = false
	default:
		return errors.New(`want "on" or "off"`)
	}
	return nil
}

// printFlags lists flags GNU-style, with the two dashes people type.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(w, " %s", kind)
		}
		fmt.Fprintf(w, "\n      %s", usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}
