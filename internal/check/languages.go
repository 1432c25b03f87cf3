package check

import (
	"context"
	"path"
	"slices"
	"time"
)

// A language is what check knows of one programming language: which files
// are its, how to check one just written, and how to check a tree of them.
// Adding a language is one entry in languages, with its checkers.
type language struct {
	name string   // as results name it: "Go"
	exts []string // the endings of its files' names; messages name the first
	also []string // other names of files its tree check wants to see: "go.mod"
	unit string   // what a tree check counts, for its result: "Go package"
	what string   // what Diagnostics checks of it: ".go files (with their package)"

	// written checks the file rel (workspace-relative) just written, for
	// the result of Write or Edit: only errors the build would hit.
	written func(ctx context.Context, c *Checker, rel string) report
	// writtenETA, when set, is used instead of written by a language whose
	// checker queues checks itself (a warm checker): it may tell expect,
	// early, how long the rest of the check should take, so that a write
	// does not wait for a check that cannot finish in time.
	writtenETA func(ctx context.Context, c *Checker, w Write, expect func(time.Duration)) report
	// takesContent says the checker checks the content it is given (a
	// Write's Data), not the file on disk: its check may start before the
	// write is done.
	takesContent bool
	// read, when set, is told of a file the model has read (and may edit
	// next), so that a warm checker can learn it before the first check.
	read func(ctx context.Context, c *Checker, rel string)
	// tree starts the language's part of a Diagnostics check under dir
	// (workspace-relative, slash-separated; "." the root).
	tree func(c *Checker, dir string) tree
}

// tree is one language's part of a Diagnostics check: the walk of a
// directory shows it every file it finds, or it is given the one file
// Diagnostics was asked about; then check runs its checkers on them.
type tree interface {
	// see is shown each file of a walk that is of its language or named
	// in its also, one at a time. rel is workspace-relative,
	// slash-separated.
	see(rel string)
	// file is given the one file, of its language, Diagnostics checks.
	file(rel string)
	// check runs the checkers on what the tree was shown, and says in the
	// report's checked how many of the language's units it checked.
	check(ctx context.Context, opts treeOptions) report
}

// treeOptions are the choices of one Diagnostics call.
type treeOptions struct {
	goVet bool // also run go vet on Go packages
}

// languages are the languages check knows, in the order results list them.
var languages = []*language{
	{
		name: "Go", exts: []string{".go"}, also: []string{"go.mod"}, unit: "Go package", what: ".go files (with their package)",
		written: func(ctx context.Context, c *Checker, rel string) report { return c.checkGoFile(ctx, rel, false, true) },
		tree:    newGoTree,
	},
	{
		name: "Python", exts: []string{".py", ".pyi"}, unit: "Python file", what: ".py files",
		written: func(ctx context.Context, c *Checker, rel string) report { return c.py.check(ctx, Write{Rel: rel}, nil) },
		writtenETA: func(ctx context.Context, c *Checker, w Write, expect func(time.Duration)) report {
			return c.py.check(ctx, w, expect)
		},
		takesContent: true,
		read:         func(ctx context.Context, c *Checker, rel string) { _ = c.py.learn(ctx, rel) },
		tree:         newPythonTree,
	},
}

// languageOf returns the language of the file name, or nil.
func languageOf(name string) *language {
	ext := path.Ext(name)
	for _, l := range languages {
		if slices.Contains(l.exts, ext) {
			return l
		}
	}
	return nil
}

// wants reports whether l's tree check wants to see the file name.
func (l *language) wants(name string) bool {
	return slices.Contains(l.exts, path.Ext(name)) || slices.Contains(l.also, path.Base(name))
}
