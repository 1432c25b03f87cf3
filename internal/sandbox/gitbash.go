package sandbox

import (
	"os"
	"path/filepath"
	"strings"
)

// gitBash returns the first bash.exe in the directories of path, skipping
// System32 (whose bash.exe starts WSL instead), else in dirs (where Git
// for Windows installs it); "" when there is none. It is how Windows finds
// the shell, written for any system so that it is tested everywhere.
func gitBash(path string, dirs []string) string {
	var found []string
	for _, dir := range filepath.SplitList(path) {
		if dir != "" && !strings.EqualFold(filepath.Base(filepath.Clean(dir)), "System32") {
			found = append(found, dir)
		}
	}
	for _, dir := range append(found, dirs...) {
		p := filepath.Join(dir, "bash.exe")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}
