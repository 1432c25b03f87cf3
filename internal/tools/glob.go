package tools

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

//go:embed glob.md
var globDoc string

// globArgs is the Glob tool's input.
type globArgs struct {
	Pattern        string `json:"pattern" jsonschema:"Glob such as **/*.go or src/**/*.{ts,tsx}"`
	Path           string `json:"path,omitempty" jsonschema:"Directory to search (default: the workspace root)"`
	IncludeIgnored bool   `json:"include_ignored,omitempty" jsonschema:"Also list files .gitignore leaves out"`
}

const (
	globMaxResults = 100              // paths one result lists
	walkMaxEntries = 1_000_000        // files and directories one Glob or Grep walks at most
	globTimeout    = 30 * time.Second // how long one Glob may walk
)

func globTool(t *Toolset) server.ServerTool {
	tool := mcp.NewTool("Glob", append([]mcp.ToolOption{
		mcp.WithDescription(describe(globDoc, map[string]any{
			"MaxResults": globMaxResults,
			"MaxEntries": english.Sprintf("%d", walkMaxEntries),
			"Timeout":    fmt.Sprintf("%d seconds", int(globTimeout.Seconds())),
		})),
		inputSchema[globArgs](),
		mcp.WithToolTitle("Find files"),
	}, annotate(true, false, true)...)...)
	return server.ServerTool{Tool: tool, Handler: mcp.NewTypedToolHandler(
		func(ctx context.Context, _ mcp.CallToolRequest, args globArgs) (*mcp.CallToolResult, error) {
			return t.glob(ctx, args)
		})}
}

// found is a file a search found, with the time it was last modified.
type found struct {
	path  string
	mtime time.Time
}

// newestFirst orders found files newest first, then by path.
func newestFirst(a, b found) bool {
	if !a.mtime.Equal(b.mtime) {
		return a.mtime.After(b.mtime)
	}
	return a.path < b.path
}

// glob runs a Glob. Its error means the server broke; what the model can
// act on is an isError result.
func (t *Toolset) glob(ctx context.Context, args globArgs) (*mcp.CallToolResult, error) {
	base, pattern, res := t.globBase(args)
	if res != nil {
		return res, nil
	}
	g, err := walk.CompileGlob(pattern)
	if err != nil {
		return failedf("%v. Glob takes gitignore-style globs: * and ? within one path component, ** across directories, [abc] classes and {a,b} alternatives", err), nil
	}

	// An anchored glob such as src/pkg/**/*.go need only walk src/pkg, and
	// only the directories its components can match (src/*/cmd/*.go: only
	// src/x/cmd, and no deeper).
	start := base
	if prefix := g.LiteralPrefix(); prefix != "" {
		start = path.Join(base, prefix)
		if fi, err := t.ws.Stat(start); err != nil || !fi.IsDir() {
			return mcp.NewToolResultText(noFilesFound(args, g, walk.Stats{})), nil
		}
	}
	opts := walk.Options{
		Start:      start,
		NoIgnore:   args.IncludeIgnored,
		Global:     t.excludes.Rules(),
		MaxEntries: walkMaxEntries,
	}
	if g.Prunes() {
		under := relTo(start, base)
		opts.Filter = func(rel string, isDir bool) walk.Decision {
			if isDir && !g.CouldMatchUnder(path.Join(under, rel)) {
				return walk.Exclude
			}
			return walk.Pass
		}
	}

	ctx, cancel := context.WithTimeout(ctx, globTimeout)
	defer cancel()
	// Only the newest globMaxResults are listed: keep those, and count the
	// rest, rather than hold and sort what may be a million paths.
	var mu sync.Mutex
	newest := newTopK(globMaxResults, newestFirst)
	total := 0
	var statErrs []error
	st, err := walk.Walk(ctx, t.ws.Root(), opts, func(e *walk.Entry) error {
		if !g.Match(relTo(e.Path, base), false) {
			return nil
		}
		mtime, err := e.ModTime()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			statErrs = append(statErrs, err)
			return nil
		}
		newest.add(found{e.Path, mtime})
		total++
		return nil
	})
	timedOut := errors.Is(err, context.DeadlineExceeded)
	if err != nil && !timedOut {
		return failedf("Glob %s: %v", args.Pattern, err), nil
	}
	if total == 0 && !timedOut && !st.Truncated && st.ErrorCount == 0 {
		return mcp.NewToolResultText(noFilesFound(args, g, st)), nil
	}

	var b strings.Builder
	shown := 0
	for _, m := range newest.sorted() {
		line := workspace.Display(m.path) + "\n"
		if b.Len()+len(line) > pageMax {
			break // long paths: as many as one result holds
		}
		b.WriteString(line)
		shown++
	}
	var notes []string
	if total > shown {
		notes = append(notes, fmt.Sprintf("(Showing %d of %d matching files, newest first; %d more are not listed. Narrow the pattern or path to see the rest.)",
			shown, total, total-shown))
	}
	if total == 0 {
		notes = append(notes, "No files found.")
	}
	switch {
	case timedOut:
		notes = append(notes, fmt.Sprintf("(The search stopped after %d seconds, so the list is incomplete. Narrow the path or pattern.)", int(globTimeout.Seconds())))
	case st.Truncated:
		notes = append(notes, fmt.Sprintf("(The search stopped after %s files and directories, so the list is incomplete. Narrow the path or pattern.)", english.Sprintf("%d", walkMaxEntries)))
	}
	if note := unreadNote(st, statErrs); note != "" {
		notes = append(notes, note)
	}
	if len(notes) > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(notes, "\n"))
	}
	return mcp.NewToolResultText(strings.TrimSuffix(b.String(), "\n")), nil
}

// globBase finds the directory a Glob searches (workspace-relative) and the
// pattern relative to it. An absolute pattern inside the workspace works
// like path plus pattern: its leading literal directories become the path.
func (t *Toolset) globBase(args globArgs) (base, pattern string, res *mcp.CallToolResult) {
	pattern = args.Pattern
	dir := args.Path
	if dir == "" {
		dir = "."
	}
	if filepath.IsAbs(pattern) {
		parts := strings.Split(filepath.ToSlash(pattern), "/")
		i := 1
		for i < len(parts)-1 && !strings.ContainsAny(parts[i], `*?[{\`) {
			i++
		}
		dir, pattern = strings.Join(parts[:i], "/"), strings.Join(parts[i:], "/")
		if _, err := t.ws.Rel(dir); err != nil {
			return "", "", failedf("%s: the pattern is an absolute path outside the workspace; write it relative to the workspace root (for example %s), or pass a directory inside the workspace as path",
				args.Pattern, "**/"+parts[len(parts)-1])
		}
	}
	for _, part := range strings.Split(pattern, "/") {
		if part == ".." {
			return "", "", failedf("%s: a pattern may not climb out with ..; pass the directory to search as path instead", args.Pattern)
		}
	}
	rel, err := t.ws.Rel(dir)
	if err != nil {
		return "", "", failed(err)
	}
	fi, err := t.ws.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", "", failed(t.explainDir(dir, err))
	case err != nil:
		return "", "", failed(err)
	case !fi.IsDir():
		return "", "", failedf("Path is not a directory: %s. Glob searches a directory: pass its parent as path, or Read the file", dir)
	}
	rel = filepath.ToSlash(rel)
	if rel == "." {
		rel = ""
	}
	return rel, pattern, nil
}

// explainDir says that a directory to search does not exist, and offers
// similar names or the nearest directory that does.
func (t *Toolset) explainDir(dir string, err error) error {
	msg := "Directory does not exist: " + dir
	rel, rerr := t.ws.Rel(dir)
	if rerr != nil {
		return errors.New(msg)
	}
	parent, base := filepath.Split(rel)
	parent = filepath.Clean(parent)
	if entries, err := t.ws.ReadDir(parent); err == nil {
		var dirs []fs.DirEntry
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, e)
			}
		}
		if similar := similarNames(base, dirs); len(similar) > 0 {
			for i, s := range similar {
				similar[i] = workspace.Display(filepath.Join(parent, s))
			}
			return fmt.Errorf("%s. Did you mean %s?", msg, strings.Join(similar, " or "))
		}
		return fmt.Errorf("%s (paths are relative to the workspace root). Glob with pattern %q finds it wherever it is", msg, "**/"+base+"/**")
	}
	for d := filepath.Dir(parent); ; d = filepath.Dir(d) {
		if fi, err := t.ws.Stat(d); err == nil && fi.IsDir() {
			return fmt.Errorf("%s: its parent %s does not exist either; the nearest directory that does is %s", msg, workspace.Display(parent), displayDir(d))
		}
		if d == "." {
			return errors.New(msg)
		}
	}
}

// noFilesFound says that nothing matched, and why that may be.
func noFilesFound(args globArgs, g *walk.Glob, st walk.Stats) string {
	msg := "No files found"
	switch {
	case strings.HasSuffix(args.Pattern, "/"):
		msg += ". Glob lists files, not directories: to list the files in a directory, end the pattern with /** instead"
	case st.Ignored > 0 && !args.IncludeIgnored:
		msg += fmt.Sprintf(". %s %s left out by .gitignore, .ignore or the global git excludes; set include_ignored to search those too",
			plural(int(st.Ignored), "path"), isAre(int(st.Ignored)))
	}
	return msg
}

// unreadNote reports the directories and files a walk could not read.
func unreadNote(st walk.Stats, more []error) string {
	errs := append(slices.Clone(st.Errors), more...)
	n := st.ErrorCount + len(more)
	if n == 0 {
		return ""
	}
	var shown []string
	for _, err := range errs[:min(len(errs), 5)] {
		shown = append(shown, describePathErr(err))
	}
	if n > len(shown) {
		shown = append(shown, fmt.Sprintf("and %d more", n-len(shown)))
	}
	return fmt.Sprintf("(%s could not be read and %s skipped: %s.)", plural(n, "path"), isAre(n), strings.Join(shown, "; "))
}

func isAre(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// describePathErr phrases a walk's *fs.PathError (workspace-relative) as
// "path (reason)".
func describePathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s (%s)", workspace.Display(pe.Path), workspace.Reason(pe.Err))
	}
	return err.Error()
}

// relTo returns the slash path p relative to the directory dir ("" is the
// workspace root).
func relTo(p, dir string) string {
	if dir == "" {
		return p
	}
	return strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
}
