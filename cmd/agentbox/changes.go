package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agentbox/agentbox/internal/checkpoint"
)

// changesCmd lists a workspace's checkpoints, newest first, or prints one
// as a unified diff. It reads the journal a server keeps, while the server
// runs or after.
func changesCmd(_ context.Context, e *env, args []string) int {
	fs, workspace, cf := journalFlagSet(e, "changes", "the workspace `dir`ectory whose changes to show")
	asJSON := fs.Bool("json", false, "print one JSON object per checkpoint per line, newest first")
	args, code := parse(e, fs, args, "[ID]")
	if code >= 0 {
		return code
	}
	if len(args) > 1 {
		fmt.Fprintln(e.stderr, "agentbox changes: want at most one checkpoint ID")
		return 2
	}
	var id int64
	if len(args) == 1 {
		n, err := strconv.ParseInt(strings.TrimPrefix(args[0], "#"), 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintf(e.stderr, "agentbox changes: %q is not a checkpoint ID (a number, as the list shows)\n", args[0])
			return 2
		}
		id = n
	}
	j, root, err := openJournal(e, *workspace, cf)
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox changes:", err)
		return 1
	}
	defer root.Close()
	defer j.Close()
	if id > 0 {
		diff, err := j.Diff(id)
		if err != nil {
			fmt.Fprintln(e.stderr, "agentbox changes:", err)
			return 1
		}
		io.WriteString(e.stdout, diff)
		return 0
	}
	list, err := j.List()
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox changes:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, cp := range list {
			if cp.Files == nil {
				c := *cp
				c.Files = []checkpoint.FileChange{} // always a list
				cp = &c
			}
			if err := enc.Encode(cp); err != nil {
				fmt.Fprintln(e.stderr, "agentbox changes:", err)
				return 1
			}
		}
		return 0
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stderr, "No checkpoints recorded.")
		return 0
	}
	for _, cp := range list {
		printCheckpoint(e.stdout, cp)
	}
	return 0
}

// printCheckpoint writes a checkpoint for people: a heading line, then a
// line per path.
func printCheckpoint(w io.Writer, cp *checkpoint.Checkpoint) {
	fmt.Fprintf(w, "%d  %s  %s  %s\n", cp.ID, cp.Time.Local().Format("2006-01-02 15:04:05"), cp.Tool, oneLine(cp.Summary, 100))
	for _, fc := range cp.Files {
		path := fc.Path
		if (fc.Before != nil && fc.Before.Type == checkpoint.Dir) || (fc.After != nil && fc.After.Type == checkpoint.Dir) {
			path += "/"
		}
		fmt.Fprintf(w, "    %-9s %s\n", fc.Change, path)
	}
	for _, u := range cp.Uncovered {
		fmt.Fprintf(w, "    not recorded: %s (%s)\n", u.Path, u.Why)
	}
	if cp.Note != "" {
		fmt.Fprintf(w, "    note: %s\n", cp.Note)
	}
}

// oneLine shortens s to one line of at most n runes.
func oneLine(s string, n int) string {
	s, _, cut := strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		s, cut = string(r[:n]), true
	}
	if cut {
		s += " …"
	}
	return s
}
