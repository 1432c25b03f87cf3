package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agentbox/agentbox/internal/checkpoint"
)

// undoCmd restores a workspace to how it was before a checkpoint, undoing
// it and every later one. Exit status: 0 done (or a dry run), 1 refused
// (conflicts) or failed, 2 bad usage.
func undoCmd(ctx context.Context, e *env, args []string) int {
	fs, workspace, cf := journalFlagSet(e, "undo", "the workspace `dir`ectory to restore")
	to := fs.String("to", "", "restore the workspace to how it was before checkpoint `ID`, undoing it and every later one")
	dryRun := fs.Bool("dry-run", false, "say what would be restored, and change nothing")
	force := fs.Bool("force", false, "restore even files changed since the journal saw them (by an editor, another process)")
	args, code := parse(e, fs, args, "--to ID")
	if code >= 0 {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(e.stderr, "agentbox undo: unexpected argument %q; name the checkpoint with --to ID\n", args[0])
		return 2
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(*to, "#"), 10, 64)
	if err != nil || id <= 0 {
		fmt.Fprintln(e.stderr, "agentbox undo: want --to ID, a checkpoint's number as agentbox changes lists it")
		return 2
	}
	j, root, err := openJournal(e, *workspace, cf)
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox undo:", err)
		return 1
	}
	defer root.Close()
	defer j.Close()
	res, err := j.Undo(ctx, id, *force, *dryRun)
	if err != nil {
		fmt.Fprintln(e.stderr, "agentbox undo:", err)
		return 1
	}
	if len(res.Conflicts) > 0 && !*force {
		fmt.Fprintf(e.stderr, "agentbox undo: nothing restored: %d %s changed since the journal last saw %s, by something it did not record:\n",
			len(res.Conflicts), plural(len(res.Conflicts), "path", "paths"), plural(len(res.Conflicts), "it", "them"))
		for _, c := range res.Conflicts {
			fmt.Fprintf(e.stderr, "    %s: %s\n", c.Path, c.What())
		}
		fmt.Fprintln(e.stderr, "Look at them, then run again with --force to restore them anyway (their current content is kept as a checkpoint).")
		return 1
	}
	switch {
	case len(res.Changes) == 0:
		fmt.Fprintf(e.stdout, "Nothing to restore: the workspace is already as it was before checkpoint %d.\n", id)
	case *dryRun:
		fmt.Fprintf(e.stdout, "Would restore %d %s to how %s before checkpoint %d:\n", len(res.Changes), plural(len(res.Changes), "path", "paths"), plural(len(res.Changes), "it was", "they were"), id)
		printChanges(e.stdout, res.Changes)
	default:
		fmt.Fprintf(e.stdout, "Restored %d %s to how %s before checkpoint %d; checkpoint %d records this undo (agentbox undo --to %d undoes it):\n",
			len(res.Changes), plural(len(res.Changes), "path", "paths"), plural(len(res.Changes), "it was", "they were"), id, res.Checkpoint.ID, res.Checkpoint.ID)
		printChanges(e.stdout, res.Changes)
		if res.Checkpoint.Note != "" {
			fmt.Fprintf(e.stdout, "note: %s\n", res.Checkpoint.Note)
		}
	}
	if len(res.Uncovered) > 0 {
		fmt.Fprintln(e.stdout, "Not restored, because the journal did not record them:")
		for _, u := range res.Uncovered {
			fmt.Fprintf(e.stdout, "    %s (%s)\n", u.Path, u.Why)
		}
	}
	return 0
}

// printChanges lists what an undo does to each path.
func printChanges(w io.Writer, changes []checkpoint.FileChange) {
	for _, fc := range changes {
		verb := "restore"
		switch {
		case fc.After == nil:
			verb = "remove"
		case fc.Before == nil:
			verb = "recreate"
		case fc.Change == checkpoint.ModeOnly:
			verb = "chmod"
		}
		fmt.Fprintf(w, "    %-8s %s\n", verb, fc.Path)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
