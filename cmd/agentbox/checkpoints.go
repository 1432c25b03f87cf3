package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/agentbox/agentbox/internal/checkpoint"
)

// checkpointFlags say where the journal of a workspace's changes lives and
// how much it keeps.
type checkpointFlags struct {
	on       onOff    // record checkpoints (the server; the CLI always reads)
	maxSize  byteSize // the store's size before the oldest checkpoints go
	dir      string   // journals go here, one per workspace, instead of the state directory
	lockWait time.Duration
}

func (c *checkpointFlags) register(fs *flag.FlagSet) {
	c.on = true
	c.maxSize = checkpoint.DefaultMaxBytes
	fs.Var(&c.on, "checkpoints", "`on` or off: record every change Write, Edit and Bash make, so it can be listed and undone (agentbox changes, agentbox undo)")
	fs.Var(&c.maxSize, "checkpoint-max-size", "the most the checkpoint journal of a workspace keeps, e.g. 500MB or 2GiB: past it the oldest checkpoints are dropped (a `size`)")
	c.registerDir(fs)
}

// registerDir registers the flags the changes and undo commands share with
// the server.
func (c *checkpointFlags) registerDir(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "checkpoint-dir", "", "keep checkpoint journals under `dir`, one per workspace, instead of the user's state directory")
}

// journalFlagSet returns the flag set of a command that reads a
// workspace's journal (changes, undo), with the flags they share.
func journalFlagSet(e *env, name, workspaceUsage string) (*flag.FlagSet, *string, *checkpointFlags) {
	fs := flag.NewFlagSet("agentbox "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	workspace := fs.String("workspace", ".", workspaceUsage)
	cf := &checkpointFlags{}
	cf.registerDir(fs)
	fs.DurationVar(&cf.lockWait, "lock-wait", checkpoint.DefaultLockWait, "how long to wait while another process works on the journal")
	return fs, workspace, cf
}

// journalDir returns the journal directory of the workspace at realWS.
func (c *checkpointFlags) journalDir(getenv func(string) string, realWS string) (string, error) {
	parent := c.dir
	if parent == "" {
		parent = checkpoint.StateDir(runtime.GOOS, getenv("HOME"), getenv("XDG_STATE_HOME"))
		if parent == "" {
			return "", errors.New("no state directory: set HOME or XDG_STATE_HOME, or pass --checkpoint-dir")
		}
	} else if abs, err := filepath.Abs(parent); err == nil {
		parent = abs
	}
	return checkpoint.DefaultDir(parent, realWS), nil
}

// hidden returns the directories that hold checkpoint journals, which
// sandboxed commands may neither read nor write: the user's state
// directory for agentbox (every workspace's journal, not only this one's)
// and --checkpoint-dir. The sandbox skips those that do not exist.
func (c *checkpointFlags) hidden(getenv func(string) string) []string {
	var dirs []string
	if d := checkpoint.StateDir(runtime.GOOS, getenv("HOME"), getenv("XDG_STATE_HOME")); d != "" {
		dirs = append(dirs, d)
	}
	if c.dir != "" {
		if abs, err := filepath.Abs(c.dir); err == nil {
			dirs = append(dirs, abs)
		}
	}
	return dirs
}

// options returns the journal's options for a server on the workspace at
// dir, or nil when checkpoints are off. Without a state directory (no
// HOME) it says why and returns nil: the server runs without checkpoints.
func (c *checkpointFlags) options(getenv func(string) string, dir string, log *slog.Logger) *checkpoint.Options {
	if !c.on {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil // the server reports the workspace itself
	}
	jdir, err := c.journalDir(getenv, real)
	if err != nil {
		log.Warn("checkpoints are off: changes cannot be undone", "err", err)
		return nil
	}
	return &checkpoint.Options{Dir: jdir, MaxBytes: int64(c.maxSize)}
}

// openJournal opens the journal of a workspace for the command line: no
// index, no watching; it must exist already.
func openJournal(e *env, workspace string, c *checkpointFlags) (*checkpoint.Journal, *os.Root, error) {
	abs, err := filepath.Abs(workspace)
	if err != nil {
		return nil, nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("workspace: %w", err)
	}
	dir, err := c.journalDir(e.getenv, real)
	if err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "journal")); err != nil {
		return nil, nil, fmt.Errorf("no checkpoints recorded for %s (no journal at %s)", real, dir)
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, nil, err
	}
	j, err := checkpoint.Open(root, real, checkpoint.Options{Dir: dir, LockWait: c.lockWait})
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	return j, root, nil
}

// byteSize is a flag that takes a size: 1048576, 512KB, 500MB, 2GiB.
type byteSize int64

func (b *byteSize) String() string { return formatBytes(int64(*b)) }

func (b *byteSize) Set(s string) error {
	num := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if n, ok := strings.CutSuffix(strings.ToUpper(num), strings.ToUpper(u.suffix)); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 {
		return errors.New("want a positive size, e.g. 500MB or 2GiB")
	}
	*b = byteSize(f * float64(mult))
	return nil
}

func formatBytes(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.name)
		}
	}
	return strconv.FormatInt(n, 10)
}
