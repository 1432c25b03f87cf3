// Package pyenv finds the Python virtual environment of a workspace, with
// which Bash's commands and the Python checkers run activated, and says
// which interpreter `python3` is for them. It is the one place that
// decides both; it runs nothing.
package pyenv

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/agentbox/agentbox/internal/workspace"
)

// Finder finds the workspace's virtual environment. The zero value looks
// for .venv and venv.
type Finder struct {
	// Off turns activation off (--python-env off): Find finds nothing.
	Off bool
	// ServerEnv is the server's own VIRTUAL_ENV, preferred when it lies
	// inside the workspace: the one the user activated.
	ServerEnv string
}

// Names are the workspace's directories that Find looks at, after the
// server's VIRTUAL_ENV.
var Names = []string{".venv", "venv"}

// Env is a virtual environment inside the workspace.
type Env struct {
	Dir  string // absolute, under the workspace's directory
	Name string // workspace-relative and slash-separated: ".venv"
	exe  string // its interpreter's name in Bin
}

// Find returns the workspace's virtual environment: the server's
// VIRTUAL_ENV when it lies inside the workspace, else .venv, else venv.
// A directory counts when it holds pyvenv.cfg and a python in its bin
// directory, both reached through the workspace (a symlink that leads out
// of it is not followed; the python itself is usually a symlink to the
// interpreter it was made from, and counts by its name).
func (f Finder) Find(ws *workspace.Workspace) (Env, bool) {
	if f.Off {
		return Env{}, false
	}
	var candidates []string
	if f.ServerEnv != "" && filepath.IsAbs(f.ServerEnv) {
		if rel, err := ws.Rel(f.ServerEnv); err == nil && rel != "." {
			candidates = append(candidates, rel)
		}
	}
	for _, name := range Names {
		candidates = append(candidates, filepath.FromSlash(name))
	}
	for _, rel := range candidates {
		if fi, err := ws.Stat(filepath.Join(rel, "pyvenv.cfg")); err != nil || fi.IsDir() {
			continue
		}
		for _, py := range pythonNames {
			if fi, err := ws.Lstat(filepath.Join(rel, binDir, py)); err == nil && !fi.IsDir() {
				return Env{Dir: filepath.Join(ws.Dir(), rel), Name: workspace.Display(rel), exe: py}, true
			}
		}
	}
	return Env{}, false
}

// binDir is where a virtual environment keeps its programs, and
// pythonNames what its interpreter is called there.
var binDir, pythonNames = func() (string, []string) {
	if runtime.GOOS == "windows" {
		return "Scripts", []string{"python.exe"}
	}
	return "bin", []string{"python", "python3"}
}()

// Bin is the environment's directory of programs, which activation puts
// first on PATH.
func (e Env) Bin() string { return filepath.Join(e.Dir, binDir) }

// Python is the environment's interpreter.
func (e Env) Python() string {
	if e.exe == "" {
		return filepath.Join(e.Bin(), pythonNames[0])
	}
	return filepath.Join(e.Bin(), e.exe)
}

// Activate returns env (KEY=value pairs) with the environment activated
// as its activate script does: VIRTUAL_ENV set, its bin directory first
// on PATH, and no PYTHONHOME.
func (e Env) Activate(env []string) []string {
	out := make([]string, 0, len(env)+2)
	path := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH":
			path = v
		case "VIRTUAL_ENV", "PYTHONHOME":
		default:
			out = append(out, kv)
		}
	}
	if path != "" {
		path = string(filepath.ListSeparator) + path
	}
	return append(out, "VIRTUAL_ENV="+e.Dir, "PATH="+e.Bin()+path)
}

// Mode is whether the workspace's environment is used: the --python-env
// flag.
type Mode bool

// The modes.
const (
	Auto Mode = false
	Off  Mode = true
)

func (m Mode) String() string {
	if m == Off {
		return "off"
	}
	return "auto"
}

// MarshalText and UnmarshalText make Mode a flag value.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m *Mode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "auto":
		*m = Auto
	case "off":
		*m = Off
	default:
		return errors.New(`want "auto" or "off"`)
	}
	return nil
}

// Interpreter is what `python3` is for Bash's commands.
type Interpreter struct {
	Path    string // where commands find python3; "" when they find none
	Version string // its version, "3.11.2"; "" while not known
	Real    string // the interpreter it runs (a pyenv shim's target), when not Path
	Env     *Env   // the active virtual environment, or nil
	Off     bool   // activation is off (--python-env off)
	Problem string // why python3 did not say its version, when it failed
}

// Sentence says all that in one sentence, for the model.
func (i Interpreter) Sentence() string {
	if i.Path == "" && i.Env == nil {
		return "Bash finds no `python3` on PATH."
	}
	var b strings.Builder
	path := i.Path
	if path == "" {
		path = i.Env.Python()
	}
	fmt.Fprintf(&b, "In Bash, `python3` is %s", path)
	var facts []string
	if i.Version != "" {
		facts = append(facts, "Python "+i.Version)
	}
	if i.Real != "" && i.Real != i.Path {
		facts = append(facts, "running "+i.Real)
	}
	if i.Problem != "" {
		facts = append(facts, "which fails: "+i.Problem)
	}
	if len(facts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(facts, ", "))
	}
	switch {
	case i.Env != nil:
		fmt.Fprintf(&b, ", from the workspace's virtual environment %s, which commands and checks run with activated (VIRTUAL_ENV set, %s/%s first on PATH).", i.Env.Name, i.Env.Name, binDir)
	case i.Off:
		b.WriteString("; a virtual environment in the workspace is not activated (--python-env off).")
	default:
		fmt.Fprintf(&b, "; no virtual environment is active (a %s with pyvenv.cfg in the workspace would be).", strings.Join(Names, " or "))
	}
	return b.String()
}
