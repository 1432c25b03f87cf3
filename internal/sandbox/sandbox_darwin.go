package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// osState is what New learned about this Mac.
type osState struct {
	seatbelt bool     // commands run under sandbox-exec
	ws       string   // the workspace, symlinks resolved
	reads    []string // strict mode: the system directories and toolchains to read
}

// New returns a sandbox that confines commands with Seatbelt. It runs the
// profile once with `true` first: if sandbox-exec refuses it (a macOS that
// lacks it, a server that is itself sandboxed), Auto mode runs commands
// unconfined and says so, and Require refuses. Require also refuses for
// what Seatbelt cannot give (see Missing), so on macOS it always does.
func New(cfg Config) (*Sandbox, error) {
	ws, err := filepath.EvalSymlinks(cfg.Workspace)
	if err != nil {
		return nil, fmt.Errorf("sandbox: workspace: %w", err)
	}
	// Go keeps its build cache in ~/Library/Caches on macOS, whatever
	// XDG_CACHE_HOME says; commands cannot write there.
	s, err := prepare(cfg, map[string]string{"GOCACHE": "go-build"})
	if err != nil {
		return nil, err
	}
	s.os.ws = ws
	if cfg.Mode == Off {
		s.unconfined(offMissing)
		s.report()
		return s, nil
	}
	if cfg.Reads == ReadStrict {
		s.os.reads = append(strictReadRoots(cfg, s.env, darwinStrictRoots), pathRoots(s.env, darwinStrictRoots)...)
	}
	if err := s.probeSeatbelt(); err != nil {
		why := fmt.Sprintf("Seatbelt refused the profile (%v): commands run unconfined, as the server's user, with the network", err)
		if cfg.Mode == Require {
			s.Close()
			return nil, fmt.Errorf("%w (--sandbox=require): %s", ErrUnavailable, why)
		}
		s.unconfined(why)
		s.report()
		return s, nil
	}
	s.os.seatbelt = true
	s.facts = Facts{
		Confined:     true,
		Network:      cfg.AllowNetwork,
		Strict:       cfg.Reads == ReadStrict,
		HidesSecrets: true,
		GitProtected: !cfg.AllowGitConfig,
	}
	s.layers = []string{
		"Seatbelt (sandbox-exec): writes only to the workspace, TMPDIR, the build cache and --allow-write directories",
		"home secrets, the keychain, daemon sockets, the shared temporary directories and the server's own files hidden",
		"an environment built from an allow-list",
		"a session and process group that end with each command",
	}
	if cfg.Reads == ReadStrict {
		s.layers = append(s.layers, "reads only system directories, toolchains, the workspace and --allow-read")
	}
	if !cfg.AllowGitConfig {
		s.layers = append(s.layers, ".git/hooks and .git/config read-only")
	}
	if cfg.AllowNetwork {
		s.layers = append(s.layers, "network allowed (--allow-network); Unix sockets only in the writable directories")
	} else {
		s.layers = append(s.layers, "no network, loopback included; Unix sockets only in the writable directories")
	}
	s.missing = []string{
		"no process limit (Seatbelt has none): a fork bomb is bounded only by the timeout and the user's process limit",
		"processes that leave the command's process group (setsid, daemons) are not ended with it: macOS has no PID namespace",
		"no memory limit (macOS does not enforce RLIMIT_AS)",
	}
	if !cfg.AllowNetwork {
		s.missing = append(s.missing, "no private loopback: Seatbelt cannot tell a server the command starts from the host's, so servers a command starts on 127.0.0.1 cannot be reached (a Unix socket in the workspace or $TMPDIR can)")
	}
	s.report()
	if cfg.Mode == Require {
		s.Close()
		return nil, fmt.Errorf("%w (--sandbox=require): %s", ErrUnavailable, strings.Join(s.missing, "; "))
	}
	return s, nil
}

// seatbeltPolicy is the policy for a command whose TMPDIR is tmp.
func (s *Sandbox) seatbeltPolicy(tmp string) seatbeltPolicy {
	in := seatbeltInput{
		Workspace: s.os.ws, Tmp: tmp, Cache: s.cache, State: s.state,
		Home: s.cfg.Home, Shell: s.shell,
		AllowWrite: s.cfg.AllowWrite, AllowRead: s.cfg.AllowRead, Hide: s.cfg.Hide,
		Strict: s.cfg.Reads == ReadStrict, StrictRoots: s.os.reads,
		Network: s.cfg.AllowNetwork,
	}
	if !s.cfg.AllowGitConfig {
		// Looked up per command, so a repository made since counts.
		if g := workspaceGit(s.os.ws); g != "" {
			in.Git, in.GitMore = g, gitMore(g)
		}
	}
	return seatbeltPolicyFor(in, realPath)
}

// argv is the command line that runs command: bash, under sandbox-exec
// when Seatbelt confines commands.
func (s *Sandbox) argv(command, tmp string) []string {
	argv := append([]string{s.shell}, shellArgs(command)[1:]...)
	if !s.os.seatbelt {
		return argv
	}
	return seatbeltArgs(s.seatbeltPolicy(tmp), argv)
}

// probeSeatbelt runs `true` under the profile a command would get.
func (s *Sandbox) probeSeatbelt() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	argv := seatbeltArgs(s.seatbeltPolicy(s.cache), []string{s.shell, "--noprofile", "--norc", "-c", "true"})
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = append(slices.Clone(s.env), "TMPDIR="+s.cache)
	c.Dir = s.os.ws
	out, err := c.CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(bytes.ToValidUTF8(out, nil))); msg != "" {
			return fmt.Errorf("%w: %.300s", err, msg)
		}
		return err
	}
	return nil
}

// startSpec starts a command under Seatbelt (or unconfined, when it is off or
// unavailable), in a session and process group of its own that Stop ends.
func (s *Sandbox) startSpec(ctx context.Context, spec Spec) (*Cmd, error) {
	env := append(slices.Clone(s.env), "TMPDIR="+spec.Scratch.Tmp)
	return startGroup(ctx, s.argv(spec.Command, spec.Scratch.Tmp), env, spec)
}

// pathRoots are the toolchains of the directories on PATH outside system:
// a bin, sbin or shims directory's parent, else the directory itself.
func pathRoots(env []string, system []string) []string {
	var roots []string
	for _, dir := range filepath.SplitList(EnvValue(env, "PATH")) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || !filepath.IsAbs(dir) || withinAny(real, system) {
			continue
		}
		switch filepath.Base(real) {
		case "bin", "sbin", "shims":
			real = filepath.Dir(real)
		}
		roots = append(roots, real)
	}
	return roots
}
