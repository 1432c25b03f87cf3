package sandbox

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Commands must find the user's interpreters where the server finds them:
// every directory on PATH stays readable inside the sandbox, wherever it
// lies (a CI tool cache or a test harness's shim under /tmp, a version
// manager under a hidden home directory), and so do the Python virtual
// environments in use and the interpreters they were made from.

// toolchainRoot is what to keep readable for the directory dir on PATH
// (a real path): the toolchain a bin, sbin or shims directory belongs to,
// which holds its libraries (a Go root, a virtual environment, ~/.pyenv),
// unless that is / or the home directory; else dir itself.
func toolchainRoot(dir, home string) string {
	switch filepath.Base(dir) {
	case "bin", "sbin", "shims":
		if parent := filepath.Dir(dir); parent != "/" && parent != home {
			return parent
		}
	}
	return dir
}

// pathToolchains returns the real paths to keep readable for the
// directories of path that exist: each one's toolchain root and, for a
// virtual environment, its interpreter's (see pythonEnvDirs); and the
// entries of path that stay hidden all the same (see splitHidden).
func pathToolchains(path, home string, secrets []string) (keep, hidden []string) {
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue // relative entries follow the command's directory: the workspace
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			continue
		}
		if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
			continue
		}
		root := toolchainRoot(real, home)
		visible, gone := splitHidden(append([]string{root}, pythonEnvDirs(root, home)...), secrets)
		keep = append(keep, visible...)
		if len(gone) > 0 {
			hidden = append(hidden, dir)
		}
	}
	return outermost(keep), hidden
}

// pythonEnvDirs returns, when dir is a Python virtual environment (it
// holds pyvenv.cfg), dir itself and its interpreter's toolchain: the
// directory pyvenv.cfg names as home and the one its python links to,
// which need not be on PATH. Otherwise it returns nothing.
func pythonEnvDirs(dir, home string) []string {
	f, err := os.Open(filepath.Join(dir, "pyvenv.cfg"))
	if err != nil {
		return nil
	}
	defer f.Close()
	out := []string{dir}
	add := func(p string) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			if fi, err := os.Stat(real); err == nil && !fi.IsDir() {
				real = filepath.Dir(real)
			}
			out = append(out, toolchainRoot(real, home))
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && strings.TrimSpace(k) == "home" && filepath.IsAbs(strings.TrimSpace(v)) {
			add(strings.TrimSpace(v))
		}
	}
	for _, name := range []string{"python3", "python"} {
		if _, err := os.Lstat(filepath.Join(dir, "bin", name)); err == nil {
			add(filepath.Join(dir, "bin", name))
			break
		}
	}
	return out
}

// workspaceEnvs returns the directories of the Python virtual environments
// a command may use from the workspace ws: .venv and venv, and
// VIRTUAL_ENV when it is set.
func workspaceEnvs(ws, virtualEnv, home string) []string {
	var out []string
	for _, dir := range []string{filepath.Join(ws, ".venv"), filepath.Join(ws, "venv"), virtualEnv} {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			out = append(out, pythonEnvDirs(real, home)...)
		}
	}
	return out
}

// splitHidden returns the paths of dirs to keep readable and those that
// stay hidden: the ones inside a secret, and those that would uncover all
// of a shared directory (PATH=/tmp:...).
func splitHidden(dirs, secrets []string) (visible, hidden []string) {
	shared := expand(sharedDirs)
	for _, d := range outermost(dirs) {
		if withinAny(d, secrets) || slices.ContainsFunc(shared, func(s string) bool { return within(s, d) }) {
			hidden = append(hidden, d)
		} else {
			visible = append(visible, d)
		}
	}
	return visible, hidden
}
