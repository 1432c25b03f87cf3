package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvValue returns the value of key in env, a list of key=value settings.
// When key is set more than once the last setting wins: that is the value
// a process started with env sees (exec.Cmd keeps the last of duplicate
// keys), so it is the one to read.
func EnvValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// ErrNotFound is LookPath's error for a program that is not on PATH.
var ErrNotFound = errors.New("not installed (not found on PATH)")

// LookPath finds the program name on the PATH of env (not the server's
// own), as a shell started with env would, and returns its path. A name
// with a slash is taken as it is. Empty and relative PATH entries are
// skipped: they resolve against the working directory, which for commands
// and checkers is the workspace, where the model can plant a program of
// the same name (the hazard exec.ErrDot guards against in os/exec).
func LookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if err := executable(name); err != nil {
			return "", err
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(EnvValue(env, "PATH")) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, ErrNotFound)
}

// executable reports why p is not a program one can run: missing, not a
// regular file, or with no execute bit.
func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return &fs.PathError{Op: "exec", Path: p, Err: fs.ErrPermission}
	}
	return nil
}
