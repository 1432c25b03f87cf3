package check

import (
	"context"
	"path"
	"path/filepath"
	"strings"

	"github.com/agentbox/agentbox/internal/check/gocheck"
	"github.com/agentbox/agentbox/internal/sandbox"
)

// The go command's environment for checks.

// goEnv is the go command's environment for a check of the module rooted
// at modRoot (workspace-relative; "" when its go.mod is not in the
// workspace), with work the go.work it uses ("off" for none): the
// checker process's environment (goProcEnv) and the module's settings.
//
//   - GOFLAGS=-mod=readonly: go.mod and go.sum are never rewritten by a
//     check (-mod=mod would let it edit them behind the model's back);
//     -mod=vendor when the module vendors its dependencies.
//   - GOWORK: the workspace's own go.work, or off: one outside the
//     workspace would build code from outside it (see goWork).
func (c *Checker) goEnv(ctx context.Context, modRoot, work string) []string {
	mod := "-mod=readonly"
	if modRoot != "" {
		if _, err := c.ws.Stat(path.Join(modRoot, "vendor/modules.txt")); err == nil {
			mod = "-mod=vendor"
		}
	}
	return withEnv(c.goProcEnv(ctx), "GOFLAGS="+mod, "GOWORK="+work)
}

// goProcEnv is the checker process's environment, and what its go
// commands share: the checkers' allow-list, the module cache pinned, a
// private build cache, and settings that keep a check offline, local and
// read-only.
//
//   - GOCACHE: the checks' private build cache, never the user's (see
//     gocheck/cacheprog.go: it reads through to the user's, whose
//     entries the user's own builds would link, but never writes it).
//   - GOPROXY=off: a missing dependency is reported, never downloaded.
//   - GOTOOLCHAIN=local: a go line newer than the installed Go is reported,
//     not answered by downloading a toolchain.
//   - GOPACKAGESDRIVER=off: no driver program found on PATH runs instead.
//   - GOENV=off: no settings from the user's go env file (GOFLAGS there
//     could name a -toolexec program).
//   - PATH starts with the C compilers' wrappers (see ccWrappers).
func (c *Checker) goProcEnv(ctx context.Context) []string {
	g, err := c.goSetup()
	if err != nil {
		return c.opts.Env
	}
	var settings []string
	userCache := ""
	for _, kv := range c.goCacheDirs(ctx) {
		if v, ok := strings.CutPrefix(kv, "GOCACHE="); ok {
			userCache = v
			continue
		}
		settings = append(settings, kv)
	}
	path := g.wrappers
	if p := sandbox.EnvValue(c.opts.Env, "PATH"); p != "" {
		path += string(filepath.ListSeparator) + p
	}
	settings = append(settings, "PATH="+path, "GOCACHE="+g.cache, "TMPDIR="+g.tmp,
		"GOPROXY=off", "GOTOOLCHAIN=local", "GOPACKAGESDRIVER=off", "GOENV=off", "GOFLAGS=-mod=readonly", "GOWORK=off")
	if prog, ok := goCacheProg(g.bin, g.cache, userCache); ok {
		settings = append(settings, "GOCACHEPROG="+prog)
	}
	return withEnv(c.opts.Env, settings...)
}

// goCacheProg is GOCACHEPROG for the checks' build cache: this binary in
// gocheck's cache mode, with the private cache over the user's. The go
// command splits it on spaces, honouring quotes; a path it cannot quote
// leaves the private cache alone (ok false).
func goCacheProg(bin, private, user string) (string, bool) {
	var parts []string
	for _, a := range append([]string{bin}, gocheck.Args(gocheck.CacheMode, private, user)...) {
		switch {
		case a == "":
			a = "''"
		case !strings.ContainsAny(a, " \t\n'\""):
		case !strings.Contains(a, "'"):
			a = "'" + a + "'"
		case !strings.Contains(a, `"`):
			a = `"` + a + `"`
		default:
			return "", false
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " "), true
}

// goCacheDirs pins the module cache (and GOPATH) to the user's own, the
// ones `go env` reports in the checkers' environment: with GOPROXY=off it
// is the only place dependencies can come from, and it is read only.
// GOCACHE= is the user's build cache, which the checks' own reads through
// (see goProcEnv). Asked once; until the go command answers, nothing is
// pinned.
func (c *Checker) goCacheDirs(ctx context.Context) []string {
	c.mu.Lock()
	dirs := c.goDirs
	c.mu.Unlock()
	if dirs != nil {
		return dirs
	}
	goCmd, err := sandbox.LookPath("go", c.opts.Env)
	if err != nil {
		return nil
	}
	out, err := c.goRun(ctx, command{Path: goCmd, Args: []string{"env", "GOCACHE", "GOMODCACHE", "GOPATH"}, Dir: c.ws.Dir(),
		Env: withEnv(c.opts.Env, "GOTOOLCHAIN=local", "GOFLAGS=")})
	if err != nil || out.ExitCode != 0 {
		return nil
	}
	lines := strings.Split(strings.TrimSpace(string(out.Stdout)), "\n")
	if len(lines) != 3 {
		return nil
	}
	dirs = []string{}
	for i, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		if v := strings.TrimSpace(lines[i]); v != "" {
			dirs = append(dirs, k+"="+v)
		}
	}
	c.mu.Lock()
	c.goDirs = dirs
	c.mu.Unlock()
	return dirs
}
