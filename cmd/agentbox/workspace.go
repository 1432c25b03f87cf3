package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The workspace, when --workspace is not given, is $CLAUDE_PROJECT_DIR
// (what Claude Code hands the stdio servers it starts), else the current
// directory. A client that starts servers elsewhere must not hand the model
// the whole machine by accident: Claude Desktop starts them in /, and a
// terminal opens in the home directory. So a chosen directory that is the
// root, the home directory itself or a system directory is refused, and the
// user says what they mean with --workspace, which is never second-guessed.

// workspaceHelp says the order, for --help and errors.
const workspaceHelp = "the `dir`ectory the tools may touch; without it, $CLAUDE_PROJECT_DIR, else the current directory, unless that is /, your home directory or a system directory"

// refusal is a workspace agentbox will not pick by itself: a usage error,
// said in one line.
type refusal struct {
	dir, from, why string
}

func (r *refusal) Error() string {
	return fmt.Sprintf("no --workspace given, and %s (%s) is %s, not a project: pass the project's directory with --workspace DIR; "+
		"agentbox config CLIENT --workspace DIR prints the client's configuration with it", r.from, r.dir, r.why)
}

// chooseWorkspace sets c.workspace to an absolute directory: --workspace
// as given, or the one the environment points at, if it is not refused.
func (c *config) chooseWorkspace() error {
	dir, from := c.workspace, ""
	if dir == "" {
		from = "CLAUDE_PROJECT_DIR"
		dir = c.getenv("CLAUDE_PROJECT_DIR")
		if dir == "" {
			from = "the current directory"
			wd, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("no --workspace given, and the current directory is unknown (%v): pass --workspace DIR", err)
			}
			dir = wd
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if from != "" {
		if why := notAWorkspace(abs, c.getenv); why != "" {
			return &refusal{dir: abs, from: from, why: why}
		}
	}
	c.workspace = abs
	return nil
}

// notAWorkspace says why dir is no directory to serve unasked, or "".
// Both dir and its real path (/var is /private/var on macOS) are checked.
func notAWorkspace(dir string, getenv func(string) string) string {
	paths := []string{filepath.Clean(dir)}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != paths[0] {
		paths = append(paths, real)
	}
	homes := []string{getenv("HOME"), getenv("USERPROFILE")}
	if h, err := os.UserHomeDir(); err == nil {
		homes = append(homes, h)
	}
	for _, p := range paths {
		if filepath.Dir(p) == p {
			return "the file system's root"
		}
		for _, h := range homes {
			if h == "" {
				continue
			}
			if h = filepath.Clean(h); p == h {
				return "your home directory"
			}
			if real, err := filepath.EvalSymlinks(h); err == nil && p == real {
				return "your home directory"
			}
		}
		if systemDir(p, getenv) {
			return "a system directory"
		}
	}
	return ""
}

// systemTrees hold no one's project: the directory and everything below.
var systemTrees = []string{
	"/proc", "/sys", "/dev", "/boot", "/etc", "/bin", "/sbin",
	"/lib", "/lib32", "/lib64", "/libx32",
	"/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/share", "/usr/include",
	"/var/lib", "/var/log", "/var/cache", "/var/spool", "/run",
	"/System", "/private/etc", // macOS
}

// systemDirs are refused themselves, but may hold projects below them
// (/usr/local/src/app, /var/www/site, /opt/app, a temporary directory).
var systemDirs = []string{
	"/home", "/Users", "/root", "/usr", "/usr/local", "/var", "/opt", "/srv", "/mnt", "/media",
	"/tmp", "/var/tmp", "/nix", "/snap",
	"/private", "/private/var", "/private/tmp", "/Applications", "/Library", "/Volumes", // macOS
}

func systemDir(p string, getenv func(string) string) bool {
	if runtime.GOOS == "windows" {
		if root := getenv("SystemRoot"); root != "" && within(p, root) {
			return true
		}
		return false
	}
	for _, d := range systemDirs {
		if p == d {
			return true
		}
	}
	for _, t := range systemTrees {
		if within(p, t) {
			return true
		}
	}
	return false
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}
