// Package checkpoint records every change made to a workspace as a
// checkpoint that can be listed, shown as a diff and undone, without git
// and without touching the user's repository. It knows nothing of MCP:
// the tools call it around the changes they make, and the command line
// (agentbox changes, agentbox undo) reads the same journal.
//
// # Use
//
// A server opens the journal Live; the command line opens it without. The
// root is the workspace's: a server passes workspace.Workspace.RestoreRoot,
// the sanctioned way to write the workspace besides its WriteFile, so an
// undo's writes are confined as the tools' are.
//
//	j, _ := checkpoint.Open(ws.RestoreRoot(), ws.RealDir(), checkpoint.Options{Dir: dir, Live: true})
//
//	op := j.Begin("Write", "src/a.py", "src/a.py") // Write, Edit: the paths are known
//	... write the file ...
//	cp, err := op.Done(ctx)                          // nil when nothing changed
//
//	op, err := j.BeginScan(ctx, "Bash", command)     // Bash: anything may change
//	... run the command, or a background job until it ends ...
//	cp, err := op.Done(ctx)
//
//	j.List(); j.Diff(id); j.Undo(ctx, id, force, dryRun)
//
// A checkpoint holds, per path, whether it was added, modified, deleted or
// had only its mode changed, with its state before and after (type, size,
// mode, and the SHA-256 of its content, which the store holds); and it
// names what it could not hold (Uncovered).
//
// # What is covered
//
// The paths Glob would list: the walk of internal/walk with the ignore
// rules (.gitignore, .ignore, .git/info/exclude, the global excludes),
// version-control directories never. Directories are tracked too, so an
// undo removes the directories a change made and recreates the ones it
// removed. Symlinks are recorded as links (their content is the target)
// when they lead to a file inside the workspace; others, like devices and
// FIFOs, are not walked and not recorded. Named, not recorded: a changed
// file the ignore rules leave out, a change inside an ignored directory
// (its own inotify watch, not its subtree), a file over the size cap
// (MaxFileSize), a file changed before its content was first stored.
// Not seen at all: a directory's permission change, changes inside an
// ignored directory when polling; and, until something else changes in its
// directory, a file changed where inotify cannot see: through a hard link
// from outside the workspace, by another machine on a network file system,
// or through a shared mmap(2) still open when the command ends.
//
// # Capture: an index of the tree, kept current by inotify
//
// The content a command is about to change must already be stored before
// the command runs: once it has run, the old bytes are gone. So the
// journal keeps a content store that mirrors the tracked tree (deduplicated
// by hash, so the mirror costs nothing for a content seen before) and an
// index of every tracked path with its stat (size, mtime, ctime, inode,
// mode) and content hash, like git's index. A scan compares the tree with
// the index; what differs is read, stored, and recorded.
//
// A full scan cannot meet the budget: walking 50,000 files with a stat
// each takes 120 to 900 ms on the 2-core machine this was measured on
// (a raw getdents+fstatat loop: 220 to 500 ms), and Bash needs one before
// and one after the command. Instead the journal watches every tracked
// directory with inotify(7) (one watch per directory: 2,633 for the
// 50,000-file corpus) and reads only the directories with events. Events
// are queued by the kernel before the writing syscall returns, so draining
// the queue (non-blocking, no goroutine) after a command has ended sees
// everything it did. Watches are on inodes, so writes made inside the
// sandbox's mount namespace, or with --sandbox=off, are seen alike. A
// directory is watched before it is read, so nothing changes unseen
// between the two. A queue overflow, or a watch the kernel refuses (the
// per-user limit), falls back to a full scan, as does every scan where
// inotify is missing (macOS) or Options.Poll is set. A file whose mtime is
// within 50 ms of when it was read is "racy" (a second write in the same
// clock tick keeps its stat): it is compared by content next time.
//
// An overlay upper directory per command was the alternative: cost
// proportional to what changed, exact attribution per command. It was not
// chosen because it cannot work with --sandbox=off (no mount namespace),
// needs unprivileged overlayfs, and a background job's overlay would have
// to be merged back while other commands see the lower tree.
//
// Attribution follows time, not processes: a scan gives the changes since
// the previous scan to the command that just ended. While a background job
// runs, the changes found when another command begins are the job's (a
// checkpoint of its own, with a note), and the changes a command finds
// when it ends include the job's work meanwhile (its note names the job).
// Changes found when no command ran came from outside (an editor): they
// refresh the index and are not recorded. A Write or Edit marks its paths
// pending so that a scan running meanwhile leaves them to it.
//
// The first snapshot runs in the background when a live journal opens:
// a walk (merged into the index; Bash is recorded from then on), then
// every file's content into the store. The index is saved when the
// journal closes, so a server started again reads only the files whose
// stat changed meanwhile. A Bash command that runs before the
// walk is merged records a checkpoint saying its changes were not recorded;
// a file it changes before its content is stored is named. Write and Edit
// are always recorded: they read the old content themselves.
//
// Measured (go test ./internal/checkpoint -bench ., 2 shared cores under
// heavy load from other jobs; p50 of what checkpoints add to the call):
//
//	Write of a 10 KB file, 5,000-file tree     0.6 to 0.8 ms  (the write itself: 2 to 2.4 ms)
//	Bash true, 5,000 files                     0.17 ms        (bash -c true: 21 ms)
//	Bash true, 50,000 files                    0.13 ms        (bash -c true: 21 ms)
//	Bash true, 5,000 files, polling            412 ms
//	Bash true, 50,000 files, polling           2,839 ms
//	open a fresh 50,000-file workspace         0.5 ms; then the first Write 3.4 ms, the first Bash 0.2 ms
//	first snapshot of 50,000 files (200 MB)    21 to 25 s in the background; 3 to 5 s for a server started again
//	server RSS with that journal               21 MB after the snapshot, 49 MB at its peak
//
// (Most of a scan's 0.13 ms is reading what other processes appended to
// the log.) Through the binary, as a client meets it, the same costs are
// measured by scripts/bench-checkpoints.sh, on against off call for call;
// the README has its table.
//
// The index is a map per directory of small entries (stat, hash, flags):
// about 130 bytes a file.
//
// # On disk
//
// The journal lives outside the workspace (see StateDir and DefaultDir):
//
//	journal    one line per record: a CRC-32C in hex, a space, JSON
//	objects/   contents by SHA-256 (objects/ab/cdef…), written to a
//	           temporary file and renamed into place
//	lock       flock(2)ed for each operation, with the holder's pid
//	live       flock(2)ed shared by each live journal for its life
//
// A checkpoint is written after its contents are stored, as one appended
// line: a crash leaves the line whole, or torn (its checksum fails; it is
// skipped and cut off by the next append), never a checkpoint without its
// contents. Appends are not fsynced (a Write would pay 1 to 16 ms for it
// here): a power cut may lose the last checkpoints, never corrupt earlier
// ones. An undo first appends an intent (its whole plan), then applies it,
// then appends the checkpoint: if the process dies between, the next Open
// completes the plan, so an undo is never left half-applied. Rewrites of
// the log (retention) go to a temporary file, fsynced, renamed, and the
// directory fsynced.
//
// Processes take turns by the lock, held per operation (an append, an
// undo), never for a server's life: agentbox undo works while a server
// runs on the workspace, and says who holds the lock if it waits too long.
// A process reads what others appended before each operation.
//
// Retention: past MaxCount checkpoints, or MaxBytes in the store, the
// oldest are dropped, a tenth at a time (of MaxCount, or of the
// checkpoints for size), so that the log is rewritten once in many
// checkpoints, not with each one at the bound; then a server that is
// the only live one on the journal removes the contents nothing refers to
// (neither a checkpoint nor its index), listed before it looked.
package checkpoint
