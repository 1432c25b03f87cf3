package walk

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ExcludesFile returns the path of the user's global git excludes file as
// git finds it: core.excludesFile from the user's git configuration
// ($XDG_CONFIG_HOME/git/config, then ~/.gitconfig, the later winning), or
// else $XDG_CONFIG_HOME/git/ignore. home and xdgConfigHome are the values of
// $HOME and $XDG_CONFIG_HOME (the caller reads the environment; an empty
// xdgConfigHome means ~/.config). It returns "" when there is no home.
func ExcludesFile(home, xdgConfigHome string) string {
	if xdgConfigHome == "" {
		if home == "" {
			return ""
		}
		xdgConfigHome = filepath.Join(home, ".config")
	}
	file := filepath.Join(xdgConfigHome, "git", "ignore")
	configs := []string{filepath.Join(xdgConfigHome, "git", "config")}
	if home != "" {
		configs = append(configs, filepath.Join(home, ".gitconfig"))
	}
	for _, c := range configs {
		data, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		if v, ok := gitConfigValue(data, "core", "excludesfile"); ok {
			file = expandHome(v, home)
		}
	}
	return file
}

// gitConfigValue finds section.key in a git config file: the last value
// wins, names are case-insensitive, values may be quoted. Includes and
// subsections are not followed.
func gitConfigValue(data []byte, section, key string) (string, bool) {
	var value string
	var found, in bool
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name, _, _ := strings.Cut(strings.Trim(line, "[]"), " ")
			in = strings.EqualFold(strings.TrimSpace(name), section) && !strings.Contains(line, "\"")
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), key) {
			continue
		}
		v = strings.TrimSpace(v)
		if quoted, ok := strings.CutPrefix(v, "\""); ok {
			if end := strings.IndexByte(quoted, '"'); end >= 0 {
				v = quoted[:end]
			}
		} else if i := strings.IndexAny(v, "#;"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		value, found = v, true
	}
	return value, found
}

func expandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// GlobalExcludes holds the global excludes file's rules, read again when
// the file changes, so a walk always sees the user's current file.
type GlobalExcludes struct {
	path string

	mu    sync.Mutex
	size  int64
	mtime time.Time
	rules *Rules
}

// NewGlobalExcludes returns the rules of the excludes file at path (a host
// path chosen by the server's configuration, not a client's); "" has none.
func NewGlobalExcludes(path string) *GlobalExcludes { return &GlobalExcludes{path: path} }

// Rules returns the file's current rules, or nil if it has none or cannot
// be read.
func (g *GlobalExcludes) Rules() *Rules {
	if g == nil || g.path == "" {
		return nil
	}
	fi, err := os.Stat(g.path)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil || !fi.Mode().IsRegular() {
		g.rules, g.size, g.mtime = nil, 0, time.Time{}
		return nil
	}
	if g.rules != nil && fi.Size() == g.size && fi.ModTime().Equal(g.mtime) {
		return g.rules
	}
	data, err := os.ReadFile(g.path)
	if err != nil {
		return nil
	}
	g.rules, g.size, g.mtime = ParseRules(data[:min(len(data), maxRuleFile)]), fi.Size(), fi.ModTime()
	return g.rules
}
