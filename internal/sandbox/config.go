// Package sandbox runs shell commands inside a boundary: they may write only
// the workspace and a private temporary directory, read the system but not
// the secrets in the server user's home, reach no network (nor Unix sockets
// outside the workspace) unless allowed, use bounded memory, see an
// environment built from an allow-list, and leave no process behind.
//
// On Linux the server re-executes its own binary as a small launcher (see
// Main) inside new user, mount, PID, network and IPC namespaces. The
// launcher joins the command's memory cgroup, remounts the file system
// read-only except the writable directories, hides secrets under empty
// mounts (keeping the toolchains on PATH visible), mounts a fresh /proc and
// a minimal /dev, caps the number of processes through the PID namespace's
// pid_max, applies Landlock rules (files, TCP, signal and abstract-socket
// scopes) as a second, independent layer, drops capabilities, installs a
// seccomp filter that hands connect(2) to it (see seccomp_linux.go), and
// then runs bash as its child while it reaps orphans as the namespace's
// init and answers those calls. When the launcher exits, the kernel kills
// every process left in the namespace.
//
// Each layer is probed once at start. A layer the kernel lacks is reported
// (Missing) and, in Auto mode, skipped, with rlimits standing in where they
// can (RLIMIT_DATA for the memory cgroup, RLIMIT_NPROC for the PID
// namespace); Require refuses to start without it.
//
// The package knows nothing of MCP; internal/tools builds the Bash tool on it.
package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Mode says how much confinement the server insists on.
type Mode int

const (
	// Auto confines commands with every layer the kernel offers and reports
	// the ones it lacks.
	Auto Mode = iota
	// Require refuses to start unless every layer is available.
	Require
	// Off runs commands without confinement: an explicit opt-out. Commands
	// still get the allow-listed environment and still die with their call.
	Off
)

// String returns the flag spelling of m.
func (m Mode) String() string {
	switch m {
	case Require:
		return "require"
	case Off:
		return "off"
	}
	return "auto"
}

// MarshalText implements encoding.TextMarshaler, for flag.TextVar.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for flag.TextVar.
func (m *Mode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "auto", "":
		*m = Auto
	case "require":
		*m = Require
	case "off":
		*m = Off
	default:
		return fmt.Errorf("unknown sandbox mode %q: want auto, require or off", b)
	}
	return nil
}

// Reads says what commands may read besides the workspace.
type Reads int

const (
	// ReadSystem lets commands read the whole file system except the secrets
	// in the home directory and a few system files (see Hidden).
	ReadSystem Reads = iota
	// ReadStrict lets commands read only system directories, the
	// toolchains on PATH, the workspace and directories named in AllowRead.
	ReadStrict
)

// String returns the flag spelling of r.
func (r Reads) String() string {
	if r == ReadStrict {
		return "strict"
	}
	return "default"
}

// MarshalText implements encoding.TextMarshaler, for flag.TextVar.
func (r Reads) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler, for flag.TextVar.
func (r *Reads) UnmarshalText(b []byte) error {
	switch string(b) {
	case "default", "":
		*r = ReadSystem
	case "strict":
		*r = ReadStrict
	default:
		return fmt.Errorf("unknown read confinement %q: want default or strict", b)
	}
	return nil
}

// Config is the boundary the server draws for commands. The zero value of
// each field is the strict default.
type Config struct {
	Mode      Mode
	Workspace string // absolute; commands may write here
	// Home is the server user's home directory, whose secrets are hidden.
	Home string
	// Env is the server's environment (Environ picks what is needed).
	// Commands see only PATH, HOME, LANG, LC_ALL, LC_CTYPE, USER and LOGNAME
	// from it, plus the names in PassEnv.
	Env            []string
	PassEnv        []string
	AllowNetwork   bool
	Reads          Reads
	AllowRead      []string // more directories commands may read in strict mode
	AllowWrite     []string // more directories commands may write
	AllowGitConfig bool     // let commands change .git/config and .git/hooks
	// AllowUnixSocket are Unix sockets (or directories of them) outside
	// the workspace that commands may connect to with the network off.
	AllowUnixSocket []string
	// Hide are more paths commands may neither read nor write, in every
	// read mode: the server's checkpoint journals, which hold copies of
	// the workspaces' files. Those missing when a command starts are
	// skipped.
	Hide []string
	// MaxProcs bounds the processes of one command (0: DefaultMaxProcs).
	MaxProcs int
	// MemoryLimit bounds the memory of one command, every process it
	// starts included (0: half of the machine's; MemoryOff: none).
	MemoryLimit Memory
	// StateDir is where the server keeps its private directory (per-session
	// temporary directories, output spools, a build cache); "" means the
	// system temporary directory.
	StateDir string
	// Launcher is the command that runs Main: by default this executable
	// with the launcher's arguments. Tests may point it elsewhere.
	Launcher []string
	Logger   *slog.Logger
}

// DefaultMaxProcs is how many processes one command may have at once.
const DefaultMaxProcs = 1024

// Grace is how long a stopped command has between SIGTERM and SIGKILL.
const Grace = 2 * time.Second

// ErrUnavailable is returned by New in Require mode when a layer of the
// sandbox is missing.
var ErrUnavailable = errors.New("sandbox unavailable")

// homeSecrets are the entries of the home directory that hold credentials,
// keys, tokens or history, hidden from commands in every read mode.
var homeSecrets = []string{
	".ssh", ".aws", ".azure", ".config", ".netrc", ".git-credentials",
	".docker", ".kube", ".minikube", ".gnupg", ".password-store",
	".npmrc", ".yarnrc", ".pypirc", ".gem/credentials", ".cargo/credentials",
	".cargo/credentials.toml", ".terraform.d", ".terraformrc", ".vault-token",
	".pgpass", ".my.cnf", ".boto", ".s3cfg", ".oci", ".databrickscfg",
	".m2/settings.xml", ".gradle/gradle.properties", ".composer/auth.json",
	".local/share/keyrings", ".cache/git", ".mozilla", ".thunderbird",
	".claude", ".claude.json", ".codex", ".gemini",
	".bash_history", ".zsh_history", ".python_history", ".psql_history",
	".mysql_history", ".sqlite_history", ".node_repl_history", ".lesshst", ".viminfo",
}

// systemSecrets are system paths hidden from commands: password hashes, host
// keys, and the directories where daemons keep their Unix sockets. Entries
// may be globs.
var systemSecrets = []string{
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/ssh/ssh_host_*key", "/etc/sudoers", "/etc/sudoers.d",
	"/var/snap/lxd/common/lxd", "/var/lib/lxd",
}

// sharedDirs are hidden from commands too, not for what they are but for
// what other programs keep there: daemons' sockets in /run (Docker's or
// systemd's gives its user the machine) and other programs' files and
// sockets (SSH agents, X11) in the shared temporary directories; commands
// get their own TMPDIR instead. A toolchain on PATH inside them stays
// visible, read-only.
var sharedDirs = []string{"/run", "/var/run", "/tmp", "/var/tmp"}

// strictRoots are the system directories commands may read in strict mode.
var strictRoots = []string{
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
	"/opt", "/nix", "/snap", "/proc", "/sys",
}

// allowedEnv are the variables commands get from the server's environment.
var allowedEnv = []string{"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "USER", "LOGNAME"}

// Environ returns the part of the server's environment (read with getenv)
// that Config.Env needs: the allow-listed variables, those in pass, and
// VIRTUAL_ENV, whose environment the sandbox keeps readable (commands do
// not get the variable unless it is in pass).
func Environ(getenv func(string) string, pass []string) []string {
	var env []string
	names := slices.Concat(allowedEnv, pass)
	if !slices.Contains(names, "VIRTUAL_ENV") {
		names = append(names, "VIRTUAL_ENV")
	}
	for _, k := range names {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// commandEnv builds a command's environment from the allow-list: never the
// server's whole environment, so tokens and keys there stay invisible. fixed
// holds the values the sandbox sets itself (TERM, TMPDIR, ...); a name in
// pass overrides them with the server's value. It returns the names in pass
// that the server's environment lacks.
func commandEnv(server, pass []string, fixed map[string]string) (env []string, missing []string) {
	lookup := map[string]string{}
	for _, kv := range server {
		if k, v, ok := strings.Cut(kv, "="); ok {
			lookup[k] = v
		}
	}
	vals := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, k := range allowedEnv {
		if v, ok := lookup[k]; ok {
			set(k, v)
		}
	}
	for _, k := range sortedKeys(fixed) {
		if _, ok := vals[k]; !ok || (k != "LANG" && k != "PATH") {
			set(k, fixed[k])
		}
	}
	for _, k := range pass {
		if v, ok := lookup[k]; ok {
			set(k, v)
		} else {
			missing = append(missing, k)
		}
	}
	for _, k := range order {
		env = append(env, k+"="+vals[k])
	}
	return env, missing
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
