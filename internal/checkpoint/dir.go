package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// StateDir returns the directory for agentbox's state of one user:
// $XDG_STATE_HOME/agentbox, else ~/.local/state/agentbox; on macOS
// ~/Library/Application Support/agentbox. goos is runtime.GOOS, home and
// xdgStateHome the values of $HOME and $XDG_STATE_HOME (the caller reads
// the environment). It returns "" when there is no home.
func StateDir(goos, home, xdgStateHome string) string {
	if xdgStateHome != "" && filepath.IsAbs(xdgStateHome) {
		return filepath.Join(xdgStateHome, "agentbox")
	}
	if home == "" {
		return ""
	}
	if goos == "darwin" {
		return filepath.Join(home, "Library", "Application Support", "agentbox")
	}
	return filepath.Join(home, ".local", "state", "agentbox")
}

// DefaultDir returns the journal directory of the workspace whose real
// path (symlinks resolved) is workspace: one per workspace under
// stateDir/checkpoints, named for the workspace's base name and a hash of
// its path, so a person can tell which is which and two workspaces with
// one name do not meet.
func DefaultDir(stateDir, workspace string) string {
	sum := sha256.Sum256([]byte(workspace))
	base := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(workspace))
	return filepath.Join(stateDir, "checkpoints", base+"-"+hex.EncodeToString(sum[:8]))
}
