package sandbox

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// expand resolves absolute path patterns (which may hold globs) to the real
// paths of what exists now, symlinks resolved, without duplicates and without
// paths that lie inside another one in the result.
func expand(patterns []string) []string {
	var out []string
	for _, pat := range patterns {
		matches := []string{pat}
		if strings.ContainsAny(pat, "*?[") {
			matches, _ = filepath.Glob(pat)
		}
		for _, m := range matches {
			if real, err := filepath.EvalSymlinks(m); err == nil {
				out = append(out, real)
			}
		}
	}
	return outermost(out)
}

// outermost sorts paths and drops duplicates and paths inside another path
// of the list.
func outermost(paths []string) []string {
	paths = slices.Clone(paths)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	var out []string
	for _, p := range paths {
		if len(out) > 0 && within(p, out[len(out)-1]) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// within reports whether path p is dir or lies inside it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// withinAny reports whether p is or lies inside one of dirs.
func withinAny(p string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool { return within(p, d) })
}

// holdsAny reports whether one of paths lies strictly inside dir.
func holdsAny(dir string, paths []string) bool {
	return slices.ContainsFunc(paths, func(p string) bool { return p != dir && within(p, dir) })
}

// cover returns paths whose subtrees together hold everything under roots
// except the excluded paths: a root with nothing excluded inside is returned
// whole, one with exclusions is replaced by its entries, recursively, and
// listed in list (it may be listed, so ls ~ works, though not all of it may
// be read). Symlinks are skipped (what they point to is covered or not on
// its own), and so are directories that cannot be listed. Landlock can only
// grant, so "all but these" has to be spelt out this way.
func cover(roots, excluded []string) (grant, list []string) {
	var walk func(p string)
	walk = func(p string) {
		if withinAny(p, excluded) {
			return
		}
		if !holdsAny(p, excluded) {
			grant = append(grant, p)
			return
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return
		}
		list = append(list, p)
		for _, e := range entries {
			if e.Type()&fs.ModeSymlink == 0 {
				walk(filepath.Join(p, e.Name()))
			}
		}
	}
	for _, r := range expand(roots) {
		walk(r)
	}
	return grant, list
}

// hiding is one path to mask in the mount namespace, with the paths inside
// it that must stay visible (the workspace, the session's TMPDIR, ...).
type hiding struct {
	Path string
	Keep []string
}

// hidings plans the masks for hidden paths: each hidden path becomes an
// empty mount, except that kept paths inside it are mounted back. A hidden
// path that is itself kept is left alone; one inside a kept path (a secret
// inside the workspace) is masked all the same.
func hidings(hidden, kept []string) []hiding {
	var out []hiding
	for _, h := range hidden {
		if slices.Contains(kept, h) {
			continue
		}
		var keep []string
		for _, k := range kept {
			if k != h && within(k, h) {
				keep = append(keep, k)
			}
		}
		out = append(out, hiding{Path: h, Keep: outermost(keep)})
	}
	return out
}

// strictReadRoots are the directories commands may read in strict mode
// besides the toolchains on PATH (which each system keeps on its own
// terms): the system directories given, Go's root and module cache, and
// AllowRead.
func strictReadRoots(cfg Config, env []string, system []string) []string {
	roots := slices.Clone(system)
	if gobin, err := LookPath("go", env); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, gobin, "env", "GOROOT", "GOMODCACHE")
		cmd.Env = env
		if out, err := cmd.Output(); err == nil {
			for _, line := range strings.Fields(string(out)) {
				roots = append(roots, line)
			}
		}
	}
	return append(roots, cfg.AllowRead...)
}
