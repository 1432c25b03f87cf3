package check

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// goState is a Checker's Go checker process and what starting it needs.
// The zero value is ready; goClose ends the process.
type goState struct {
	once     sync.Once
	runner   *sandboxRunner // with a sandbox: runs the process and go vet there
	err      error          // why the checks' private space could not be made
	bin      string         // the binary the process runs
	cache    string         // the private GOCACHE
	tmp      string         // TMPDIR of the go commands
	wrappers string         // a directory put first on the go commands' PATH (see ccWrappers)
	local    string         // without a sandbox: the private directory to remove

	mu     sync.Mutex
	proc   *goProcess
	closed bool
	nextID atomic.Int64
	reused atomic.Int64 // loads answered by re-checking (tests read it)
	loads  atomic.Int64 // loads answered by the go command
}

// goCCAddressLimit bounds the address space of each C compiler cgo runs
// (RLIMIT_AS): a preamble that includes /dev/zero makes cc1 grow without
// end, 250 MB a second. The sandbox bounds the memory of the checker
// process and all it starts together (--memory-limit); this bound is
// tighter, and holds without a sandbox too.
var goCCAddressLimit int64 = 4 << 30

// ccNames are the C compilers cgo may run.
var ccNames = []string{"gcc", "cc", "g++", "c++", "clang", "clang++"}

// ccWrappers writes into dir, for each C compiler on env's PATH, a script
// of the same name that runs it with its address space bounded by limit.
// dir goes first on the go commands' PATH, so that CC stays "gcc": the
// compiler's name is part of a cgo package's build cache key, and the
// user's cache still answers for the standard library's cgo packages.
func ccWrappers(dir string, env []string, limit int64) error {
	for _, name := range ccNames {
		real, err := sandbox.LookPath(name, env)
		if err != nil {
			continue
		}
		script := fmt.Sprintf("#!/bin/sh\nulimit -S -v %d 2>/dev/null\nexec %s \"$@\"\n", limit>>10, shellQuote(real))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o500); err != nil {
			return err
		}
	}
	return nil
}

// goSetup makes the Go checks' private space, once: the binary copy, the
// build cache, the temporary directory, the C compilers' wrappers.
func (c *Checker) goSetup() (*goState, error) {
	g := &c.golang
	g.once.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			g.err = fmt.Errorf("the Go checker: %w", err)
			return
		}
		if c.opts.Sandbox == nil {
			dir, err := os.MkdirTemp("", "agentbox-gocheck-")
			if err != nil {
				g.err = fmt.Errorf("the Go checker's private directory: %w", err)
				return
			}
			g.local, g.bin, g.cache, g.tmp = dir, exe, filepath.Join(dir, "gocache"), filepath.Join(dir, "tmp")
		} else {
			g.runner = &sandboxRunner{sb: c.opts.Sandbox}
			sc, err := g.runner.ensure()
			if err != nil {
				g.err = fmt.Errorf("the Go checker's private directory: %w", err)
				return
			}
			// The sandbox may hide where the server's binary is (a test
			// binary under /tmp, a binary outside the read allow-list):
			// a copy in the checks' private directory is always there,
			// and no other command sees it.
			g.bin = filepath.Join(sc.Tmp, "agentbox-gocheck")
			if err := copyFile(exe, g.bin); err != nil {
				g.err = fmt.Errorf("the Go checker: %w", err)
				return
			}
			g.cache, g.tmp = filepath.Join(sc.Tmp, "gocache"), filepath.Join(sc.Tmp, "tmp")
		}
		g.wrappers = filepath.Join(filepath.Dir(g.cache), "bin")
		for _, d := range []string{g.cache, g.tmp, g.wrappers} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				g.err = fmt.Errorf("the Go checker's private directory: %w", err)
				return
			}
		}
		if err := ccWrappers(g.wrappers, c.opts.Env, goCCAddressLimit); err != nil {
			g.err = fmt.Errorf("the Go checker's private directory: %w", err)
		}
	})
	return g, g.err
}

// ensure makes the runner's private space, once, and returns it.
func (r *sandboxRunner) ensure() (*sandbox.Scratch, error) {
	r.once.Do(func() { r.scratch, r.err = r.sb.NewScratch() })
	return r.scratch, r.err
}

// copyFile copies the program src to dst, executable and read-only.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o500)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// goRun runs a go command (go env, go vet) where the Go checker runs.
func (c *Checker) goRun(ctx context.Context, cmd command) (output, error) {
	g, err := c.goSetup()
	if err != nil {
		return output{}, err
	}
	if g.runner != nil {
		return g.runner.run(ctx, cmd)
	}
	return runLocal(ctx, cmd)
}
