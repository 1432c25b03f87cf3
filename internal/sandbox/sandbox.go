package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// LauncherName is the launcher's name: the file name of the launcher
// binary installed beside the server on Linux (cmd/agentbox-sandbox), and
// its argv[0] however it is started, so that ps shows it for what it is.
const LauncherName = "agentbox-sandbox"

// Sandbox starts commands inside the boundary its Config draws. It is safe
// for concurrent use.
type Sandbox struct {
	cfg      Config
	log      *slog.Logger
	state    string // this server's private directory
	cache    string // XDG_CACHE_HOME for commands: build caches live here
	shell    string // absolute path of bash
	launcher []string
	env      []string // the allow-listed environment, without TMPDIR
	venv     string   // the server's VIRTUAL_ENV, kept readable
	layers   []string // what confines commands, for people and models
	missing  []string // what does not, and why
	facts    Facts
	os       osState // what the platform-specific code learned at start

	closeOnce sync.Once
}

// Layers describes what confines commands, one short phrase per layer.
func (s *Sandbox) Layers() []string { return s.layers }

// Missing describes each layer of the sandbox that is unavailable here, and
// why; it is empty when commands are fully confined.
func (s *Sandbox) Missing() []string { return s.missing }

// Facts are what a model needs to know of the sandbox to use it well.
type Facts struct {
	Confined     bool // writes are confined to the workspace and TMPDIR
	Network      bool // commands may use the network
	Strict       bool // reads are confined to an allow-list
	HidesSecrets bool // the home directory's credentials are hidden
	GitProtected bool // .git/hooks and .git/config are read-only
	UnixSockets  bool // Unix sockets outside the workspace are out of reach
	MaxProcs     int  // processes a command may have at once; 0: no limit
	// MemoryLimit is the memory a command may use, all its processes
	// together, or each of them when MemoryPerProcess; 0: no limit.
	MemoryLimit      Memory
	MemoryPerProcess bool
	Missing          []string
}

// Env returns the environment commands run with, but TMPDIR: the
// allow-listed variables and those the sandbox sets.
func (s *Sandbox) Env() []string { return slices.Clone(s.env) }

// Facts returns what a model needs to know of the sandbox.
func (s *Sandbox) Facts() Facts {
	f := s.facts
	f.Missing = s.missing
	return f
}

// Close removes the server's private directory. Commands must have ended.
func (s *Sandbox) Close() error {
	var err error
	s.closeOnce.Do(func() { err = os.RemoveAll(s.state) })
	return err
}

// Scratch is one client session's private space: Tmp is the commands'
// TMPDIR, and Spool is where the server keeps command output, out of the
// commands' sight and out of the workspace.
type Scratch struct {
	Dir   string
	Tmp   string
	Spool string
}

// NewScratch makes a private space for a new session.
func (s *Sandbox) NewScratch() (*Scratch, error) {
	dir, err := os.MkdirTemp(s.state, "session-")
	if err != nil {
		return nil, fmt.Errorf("session directory: %w", err)
	}
	sc := &Scratch{Dir: dir, Tmp: filepath.Join(dir, "tmp"), Spool: filepath.Join(dir, "spool")}
	for _, d := range []string{sc.Tmp, sc.Spool} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("session directory: %w", err)
		}
	}
	return sc, nil
}

// Close removes the session's private space.
func (sc *Scratch) Close() error { return os.RemoveAll(sc.Dir) }

// Spec is one command to run.
type Spec struct {
	Command string   // bash source
	Dir     string   // absolute working directory, inside the workspace
	Scratch *Scratch // the session's private space
	// Output receives stdout and stderr merged, in the order written. It
	// must be comparable (a pointer), so one pipe serves both.
	Output io.Writer
}

// Exit is how a command ended.
type Exit struct {
	Code int    // exit status; 128+N when killed by signal N; -1 if unknown
	Dir  string // the shell's directory at the end, "" if it did not say
	// OutOfMemory reports that the kernel killed the command, or a process
	// of it, for going past MemoryLimit.
	OutOfMemory bool
	MemoryLimit Memory
}

// Note explains an end the exit status alone does not tell, in a sentence
// for the model; "" when there is nothing to add.
func (e Exit) Note() string {
	if !e.OutOfMemory {
		return ""
	}
	return fmt.Sprintf("[Killed for memory: the command went past its memory limit of %s (all its processes together), so the kernel killed it, or the biggest of its processes. Use less at once (smaller inputs, fewer parallel jobs such as make -j or pytest -n), or ask the user to raise --memory-limit.]", e.MemoryLimit)
}

// ErrSetup reports that the sandbox could not be set up for a command.
var ErrSetup = errors.New("sandbox setup failed")

// ErrTooLong reports a command too long to pass to the launcher.
var ErrTooLong = errors.New("command too long")

// wrapper runs the command with bash and reports the directory it ends in
// on fd 3 (closed for the command itself), when it succeeds: the Bash tool
// keeps that directory for the next call.
const wrapper = `__agentbox_c=$1; shift; eval "$__agentbox_c" 3>&-; __agentbox_s=$?; [ "$__agentbox_s" = 0 ] && pwd -P >&3; exit "$__agentbox_s"`

// shellArgs is bash's argv for command.
func shellArgs(command string) []string {
	return []string{"bash", "--noprofile", "--norc", "-c", wrapper, "bash", command}
}

// shellArgsLimited is bash's argv for command with resource limits the
// shell sets itself before it runs anything: each process's data
// (RLIMIT_DATA) bounded by data, the user's processes by procs
// (RLIMIT_NPROC); 0 leaves one alone.
func shellArgsLimited(command string, data Memory, procs int) []string {
	args := shellArgs(command)
	if data <= 0 && procs <= 0 {
		return args
	}
	limits := "ulimit -H -S"
	if data > 0 {
		limits += fmt.Sprintf(" -d %d", data>>10) // in KiB
	}
	if procs > 0 {
		limits += fmt.Sprintf(" -u %d", procs)
	}
	args[4] = limits + " || exit 125; " + wrapper
	return args
}

// newState makes the server's private directory.
func newState(parent string) (state, cache string, err error) {
	if parent == "" {
		parent = os.TempDir()
	}
	removeStale(parent)
	var b [6]byte
	_, _ = rand.Read(b[:])
	state = filepath.Join(parent, fmt.Sprintf("%s%d-%s", statePrefix, os.Getpid(), hex.EncodeToString(b[:])))
	if err := os.Mkdir(state, 0o700); err != nil {
		return "", "", fmt.Errorf("private directory: %w", err)
	}
	if real, err := filepath.EvalSymlinks(state); err == nil {
		state = real
	}
	cache = filepath.Join(state, "cache")
	if err := os.Mkdir(cache, 0o700); err != nil {
		os.RemoveAll(state)
		return "", "", fmt.Errorf("private directory: %w", err)
	}
	return state, cache, nil
}

// statePrefix starts the name of a server's private directory, followed by
// the server's process id.
const statePrefix = "agentbox-sandbox-"

// removeStale removes the private directories of servers that were killed
// before they could remove their own: those of this user whose process is
// gone.
func removeStale(parent string) {
	matches, _ := filepath.Glob(filepath.Join(parent, statePrefix+"*"))
	for _, m := range matches {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(m), statePrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if !processGone(pid) {
			continue // alive (or not ours to ask about)
		}
		fi, err := os.Lstat(m)
		if err != nil || !fi.IsDir() || !ownedByUser(fi) {
			continue
		}
		os.RemoveAll(m)
	}
}

// Cmd is a started command.
type Cmd struct {
	wait func() (Exit, error)
	stop context.CancelFunc
}

// Wait waits for the command and every process it started to end. The
// error is ErrSetup (wrapped) when the sandbox could not be set up; a
// command that fails is not an error, its Exit says how it ended.
func (c *Cmd) Wait() (Exit, error) { return c.wait() }

// Stop ends the command: SIGTERM to every process it started, then SIGKILL
// after Grace. Wait returns once they are gone.
func (c *Cmd) Stop() { c.stop() }

// report logs what confines commands and, as warnings, what does not.
func (s *Sandbox) report() {
	s.log.Info("sandbox", "mode", s.cfg.Mode.String(), "layers", strings.Join(s.layers, "; "))
	for _, m := range s.missing {
		s.log.Warn("sandbox layer unavailable", "what", m)
	}
}
