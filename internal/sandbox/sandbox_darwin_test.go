//go:build darwin

package sandbox

// Behaviour tests of the Seatbelt sandbox, for a Mac: they are compiled
// in CI on Linux (scripts/cross-build.sh) but run only on macOS.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seatbeltBox is a box whose commands run under Seatbelt: the test fails
// (not skips) when they do not, so a Mac runner cannot pass unconfined.
func seatbeltBox(t *testing.T, cfg Config) *box {
	t.Helper()
	b := newBox(t, cfg)
	require.True(t, b.s.os.seatbelt, "commands run unconfined: %v", b.s.Missing())
	return b
}

// macHome is fakeHome with the secrets a Mac adds, and git's own
// configuration beside its credential store.
func macHome(t *testing.T) string {
	t.Helper()
	home := fakeHome(t)
	for name, content := range map[string]string{
		"Library/Keychains/login.keychain-db": "KEYCHAIN",
		".config/git/config":                  "[user]\n\tname = Alice Sandbox\n",
		".config/git/credentials":             "https://alice:GITTOKEN@example.com",
	} {
		p := filepath.Join(home, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	}
	return home
}

func TestSeatbeltWritesStayInside(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	home := macHome(t)
	b := seatbeltBox(t, Config{Home: home})
	require.NoError(t, os.Symlink(outside, filepath.Join(b.ws, "link")))
	b.ok("mkdir -p sub && echo inside > sub/f.txt")
	assert.Equal(t, "inside\n", readFile(t, filepath.Join(b.ws, "sub/f.txt")))
	assert.Equal(t, "tmp\n", b.ok(`echo tmp > "$TMPDIR/f" && cat "$TMPDIR/f"`))
	b.ok(`mkdir -p "$XDG_CACHE_HOME/x" && go_cache="$GOCACHE" && mkdir -p "$go_cache" && touch "$go_cache/f"`)
	for _, cmd := range []string{
		"echo x > ../x.txt",
		"touch /tmp/agentbox-escape-" + strconv.Itoa(os.Getpid()),
		"touch /private/tmp/agentbox-escape-" + strconv.Itoa(os.Getpid()),
		"echo x > link/f.txt",
		"touch ~/planted",
		"ln " + filepath.Join(home, "notes.txt") + " hard",
	} {
		b.fails(cmd)
	}
	assert.NoFileExists(t, filepath.Join(filepath.Dir(b.ws), "x.txt"))
	assert.NoFileExists(t, filepath.Join(outside, "f.txt"))
	assert.NoFileExists(t, filepath.Join(home, "planted"))
	assert.NoFileExists(t, "/tmp/agentbox-escape-"+strconv.Itoa(os.Getpid()))
}

func TestSeatbeltWorkspaceThroughTmp(t *testing.T) {
	t.Parallel()
	// /tmp is a symlink to /private/tmp: a workspace named through it is
	// writable all the same, though /private/tmp itself is hidden.
	ws, err := os.MkdirTemp("/tmp", "agentbox-ws-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(ws) })
	b := seatbeltBox(t, Config{Workspace: ws})
	b.ok("echo hi > f && cat f && pwd -P")
	assert.Equal(t, "hi", strings.TrimSpace(readFile(t, filepath.Join(ws, "f"))))
	b.fails("ls /private/tmp")
}

func TestSeatbeltSecretsHidden(t *testing.T) {
	t.Parallel()
	home := macHome(t)
	b := seatbeltBox(t, Config{Home: home})
	require.NoError(t, os.Symlink(filepath.Join(home, ".ssh/id_ed25519"), filepath.Join(b.ws, "key")))
	assert.Equal(t, "visible notes", b.ok("cat ~/notes.txt"))
	for _, cmd := range []string{
		"cat ~/.ssh/id_ed25519", "cat ~/.aws/credentials", "cat ~/.netrc", "cat ~/.config/gh/hosts",
		"cat key", "cat ~/Library/Keychains/login.keychain-db", "cat ~/.config/git/credentials",
		"grep -r . ~ 2>/dev/null",
	} {
		out, _ := b.run(cmd)
		for _, secret := range []string{"PRIVATE", "AWS SECRET", "NETRC", "GHTOKEN", "KEYCHAIN", "GITTOKEN"} {
			assert.NotContains(t, out, secret, cmd)
		}
	}
	t.Run("git reads its own configuration in ~/.config", func(t *testing.T) {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("no git")
		}
		assert.Equal(t, "Alice Sandbox\n", b.ok("git config --global user.name"))
	})
	t.Run("other processes' arguments and environment are not readable", func(t *testing.T) {
		out, _ := b.run(fmt.Sprintf("ps -wwE -o command= -p %d", os.Getpid()))
		assert.NotContains(t, out, "HOME=")
	})
	t.Run("strict mode reads only what it allows", func(t *testing.T) {
		extra := filepath.Join(home, "tools")
		sb := seatbeltBox(t, Config{Home: home, Reads: ReadStrict, AllowRead: []string{extra}})
		sb.fails("cat ~/notes.txt")
		assert.Equal(t, "hello from a toolchain\n", sb.ok(filepath.Join(extra, "bin/hello")))
		sb.ok("ls /usr/bin >/dev/null && cat /etc/passwd >/dev/null")
	})
}

func TestSeatbeltGitProtected(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T, allow bool) *box {
		b := seatbeltBox(t, Config{AllowGitConfig: allow})
		b.gitRepo()
		return b
	}
	b := setup(t, false)
	b.ok("echo ref > .git/refs/x && touch .git/index")
	// Unlike Linux, which protects what exists, Seatbelt also refuses a
	// commondir added to the repository.
	for _, cmd := range append(gitAttacks, "echo x > .git/commondir") {
		b.fails(cmd)
	}
	assert.NoFileExists(t, filepath.Join(b.ws, ".git/hooks/pre-commit"))
	assert.NoFileExists(t, filepath.Join(b.ws, ".git/commondir"))
	assert.Equal(t, "[core]\n", readFile(t, filepath.Join(b.ws, ".git/config")))
	t.Run("--allow-git-config lets commands change them", func(t *testing.T) {
		setup(t, true).ok("echo '#!/bin/sh' > .git/hooks/pre-commit && echo '[user]' >> .git/config")
	})
}

func TestSeatbeltNetwork(t *testing.T) {
	t.Parallel()
	connect, _ := loopback(t)
	t.Run("refuses the host's loopback", func(t *testing.T) {
		b := seatbeltBox(t, Config{})
		assert.NotContains(t, b.fails(connect), "connected")
		assert.False(t, b.s.Facts().Network)
	})
	t.Run("Unix sockets work in TMPDIR", func(t *testing.T) {
		b := seatbeltBox(t, Config{})
		assert.Equal(t, "hello\n", b.ok(`s="$TMPDIR/s"; nc -lU "$s" > "$TMPDIR/got" & until [ -S "$s" ]; do sleep 0.01; done; echo hello | nc -w 1 -U "$s"; wait; cat "$TMPDIR/got"`))
	})
	t.Run("connects with --allow-network", func(t *testing.T) {
		b := seatbeltBox(t, Config{AllowNetwork: true})
		assert.Contains(t, b.ok(connect), "connected")
	})
}

func TestSeatbeltEnvironment(t *testing.T) {
	t.Parallel()
	b := seatbeltBox(t, Config{Env: []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", "GITHUB_TOKEN=gh-789", "FOO=bar"}, PassEnv: []string{"FOO"}})
	env := b.ok("env")
	assert.NotContains(t, env, "gh-789")
	for _, want := range []string{"FOO=bar\n", "TERM=dumb\n", "TMPDIR=" + b.sc.Tmp + "\n", "AGENTBOX=1\n", "GOCACHE=" + filepath.Join(b.s.cache, "go-build") + "\n"} {
		assert.Contains(t, env, want)
	}
}

// running lists the processes whose command line holds marker.
func running(t *testing.T, marker string) []int {
	t.Helper()
	out, err := exec.Command("pgrep", "-f", marker).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		return nil // none
	}
	require.NoError(t, err)
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestSeatbeltProcessGroup(t *testing.T) {
	t.Parallel()
	b := seatbeltBox(t, Config{})
	marker := fmt.Sprintf("agentbox-marker-%d", time.Now().UnixNano())
	sleeper := fmt.Sprintf("(exec -a %s sleep 1000)", marker)
	gone := func() bool { return len(running(t, marker)) == 0 }
	b.ok(fmt.Sprintf("%[1]s & ( ( %[1]s & ) & ); echo started", sleeper))
	assert.Eventually(t, gone, 10*time.Second, 10*time.Millisecond)
	t.Run("setsid escapes, and Missing says so", func(t *testing.T) {
		escapee := marker + "-setsid"
		t.Cleanup(func() {
			for _, pid := range running(t, escapee) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		// The escapee says it has left by a file: pgrep cannot list
		// processes inside the sandbox.
		b.ok(fmt.Sprintf(`perl -e 'use POSIX; fork and exit; POSIX::setsid(); open(F, ">", "$ENV{TMPDIR}/left"); close(F); exec {"sleep"} "%s", 1000' </dev/null >/dev/null 2>&1 & until [ -e "$TMPDIR/left" ]; do sleep 0.01; done`, escapee))
		require.Eventually(t, func() bool { return len(running(t, escapee)) > 0 }, 10*time.Second, 10*time.Millisecond)
		assert.Contains(t, strings.Join(b.s.Missing(), "; "), "setsid")
	})
}

func TestSeatbeltFacts(t *testing.T) {
	t.Parallel()
	b := seatbeltBox(t, Config{})
	f := b.s.Facts()
	assert.True(t, f.Confined && f.HidesSecrets && f.GitProtected)
	assert.Zero(t, f.MaxProcs)
	assert.Contains(t, strings.Join(f.Missing, "; "), "no process limit")
	_, err := New(Config{Mode: Require, Workspace: t.TempDir()})
	assert.ErrorIs(t, err, ErrUnavailable, "Seatbelt gives no process limit: require refuses")
}
