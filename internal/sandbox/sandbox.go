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

// DefaultPath is commands' PATH when the server's environment passes none.
const DefaultPath = "/usr/local/bin:/usr/bin:/bin"

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

	// A Sandbox from Begin is a promise of one from New: probe starts New
	// (once), and pending closes when New has returned inner or err, which
	// every method waits for.
	probeOnce sync.Once
	pending   chan struct{}
	inner     *Sandbox
	err       error
}

// Begin is New deferred, for a server that must not spend the probe's time
// before it answers its client: it returns at once, and New runs in the
// background from the first call of Probe or of any method, which waits
// for it. Should New fail, the error is logged, Start and NewScratch return
// it, Facts and Missing say it, and Err returns it.
func Begin(cfg Config) *Sandbox {
	return &Sandbox{cfg: cfg, pending: make(chan struct{})}
}

// errClosed is the error of a Sandbox from Begin closed before its probe.
var errClosed = errors.New("sandbox: closed")

// Probe starts the probe of a Sandbox from Begin in the background, if it
// has not begun; it does nothing for one from New.
func (s *Sandbox) Probe() {
	if s.pending == nil {
		return
	}
	s.probeOnce.Do(func() {
		go func() {
			defer close(s.pending)
			if s.inner, s.err = New(s.cfg); s.err != nil && s.cfg.Logger != nil {
				s.cfg.Logger.Error("the sandbox cannot be set up: Bash's commands and the checks fail until the server restarts", "err", s.err)
			}
		}()
	})
}

// resolved returns the sandbox New made: s itself, unless s came from
// Begin, whose New it waits for.
func (s *Sandbox) resolved() (*Sandbox, error) {
	if s.pending == nil {
		return s, nil
	}
	s.Probe()
	<-s.pending
	return s.inner, s.err
}

// Err waits for the probe and returns the error it ended with: always nil
// but for a Sandbox from Begin.
func (s *Sandbox) Err() error {
	_, err := s.resolved()
	return err
}

// Probed reports whether the probe has finished: always true but for a
// Sandbox from Begin.
func (s *Sandbox) Probed() bool {
	if s.pending == nil {
		return true
	}
	select {
	case <-s.pending:
		return true
	default:
		return false
	}
}

// Start starts a command in the sandbox.
func (s *Sandbox) Start(ctx context.Context, spec Spec) (*Cmd, error) {
	r, err := s.resolved()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSetup, err)
	}
	return r.startSpec(ctx, spec)
}

// Layers describes what confines commands, one short phrase per layer.
func (s *Sandbox) Layers() []string {
	r, err := s.resolved()
	if err != nil {
		return nil
	}
	return r.layers
}

// Missing describes each layer of the sandbox that is unavailable here, and
// why; it is empty when commands are fully confined.
func (s *Sandbox) Missing() []string {
	r, err := s.resolved()
	if err != nil {
		return []string{"the sandbox could not be set up, so no command can run: " + err.Error()}
	}
	return r.missing
}

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
func (s *Sandbox) Env() []string {
	r, err := s.resolved()
	if err != nil {
		return nil
	}
	return slices.Clone(r.env)
}

// Path returns the PATH commands get. It does not wait for the probe: it
// follows from the Config alone.
func (s *Sandbox) Path() string {
	env := s.env
	if s.pending != nil {
		env, _ = commandEnv(s.cfg.Env, s.cfg.PassEnv, map[string]string{"PATH": DefaultPath})
	}
	return EnvValue(env, "PATH")
}

// Facts returns what a model needs to know of the sandbox.
func (s *Sandbox) Facts() Facts {
	r, err := s.resolved()
	if err != nil {
		return Facts{Missing: s.Missing()}
	}
	f := r.facts
	f.Missing = r.missing
	return f
}

// Close removes the server's private directory. Commands must have ended.
func (s *Sandbox) Close() error {
	if s.pending != nil {
		// Never probed: nothing to remove, and nothing will be.
		s.probeOnce.Do(func() { s.err = errClosed; close(s.pending) })
		<-s.pending
		if s.inner != nil {
			return s.inner.Close()
		}
		return nil
	}
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
	if s.pending != nil {
		r, err := s.resolved()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSetup, err)
		}
		return r.NewScratch()
	}
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
