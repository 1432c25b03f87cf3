package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelp checks that help goes to stdout (agentbox --help | less shows
// it) and bad usage to stderr, with where to find help.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}} {
		out, errOut, code := agentbox(t, "", args...)
		assert.Equal(t, 0, code, "%q", args)
		assert.Empty(t, errOut, "%q", args)
		assert.Contains(t, out, "agentbox help [COMMAND]", "%q: the command summary", args)
		assert.Contains(t, out, "$CLAUDE_PROJECT_DIR", "%q: the workspace's order", args)
	}

	out, errOut, code := agentbox(t, "", "help", "call")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Flags of agentbox call TOOL [JSON]:")
	assert.Contains(t, out, "--workspace dir\n      the directory the tools may touch; without it, $CLAUDE_PROJECT_DIR, else the current directory")
	assert.Contains(t, out, "--allow-read dir\n      let Bash commands read dir: under --read-confinement=strict")

	out, _, code = agentbox(t, "", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--http addr", "agentbox --help is serve's")

	_, errOut, code = agentbox(t, "", "help", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "nope"`)

	out, errOut, code = agentbox(t, "", "call", "--bogus")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "flag provided but not defined: -bogus\nRun 'agentbox help call' for its flags.\n", errOut)

	_, errOut, code = agentbox(t, "", "frobnicate")
	assert.Equal(t, 2, code)
	assert.Equal(t, "agentbox: unknown command \"frobnicate\"; run 'agentbox help' for the commands\n", errOut)
}

// TestFlagsBeforeCommand runs commands with the shared flags before the
// command's name.
func TestFlagsBeforeCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\n"), 0o644))

	out, errOut, code := agentbox(t, "", "--workspace", dir, "call", "Read", `{"file_path":"a.txt"}`)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, "1\tone\n", out)

	out, errOut, code = agentbox(t, "", "--workspace="+dir, "--allow-network", "--log-level", "warn", "tools")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Read")

	_, errOut, code = agentbox(t, "", "--workspace", dir, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unknown command "frobnicate"`)
}
