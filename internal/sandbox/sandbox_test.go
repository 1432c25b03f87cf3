//go:build linux

package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	Main() // this test binary is also the launcher
	code := m.Run()
	// Every command's memory cgroup is gone with it.
	if mcg, err := findMemcg(); err == nil {
		left, _ := filepath.Glob(filepath.Join(mcg.dir, fmt.Sprintf("%s%d-*", cgroupPrefix, os.Getpid())))
		if len(left) > 0 {
			fmt.Fprintln(os.Stderr, "memory cgroups left behind:", left)
			code = 1
		}
	}
	os.Exit(code)
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
	connect, accepted := loopback(t)

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
		b.gitRepo()
		return b
	}
	b := setup(t, false)
	if !b.s.os.mount {
		t.Skip("no mount namespace here")
	}
	b.ok("echo ref > .git/refs/x && touch .git/index")
	for _, cmd := range gitAttacks {
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
		_, exit := b.runStopped(fmt.Sprintf("%[1]s & %[1]s & echo started; wait", sleeper))
		assert.Equal(t, 143, exit.Code, "SIGTERM ends it")
		assert.Empty(t, marked(t, marker))
	})
	t.Run("a command that ignores SIGTERM is killed after the grace", func(t *testing.T) {
		_, exit := b.runStopped(fmt.Sprintf("trap '' TERM; echo started; exec -a %s sleep 1000", marker))
		assert.Equal(t, 137, exit.Code)
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
	const limit = 400 // fewer processes to start than the default, same bound
	b = newBox(t, Config{MaxProcs: limit})
	marker := fmt.Sprintf("agentbox-bomb-%d", time.Now().UnixNano())
	// Forks until the kernel refuses; every child sleeps, so each one holds
	// its place in the PID namespace.
	out := b.ok(`/usr/bin/python3 -c '
import os, time  # ` + marker + `
n = 0
while True:
    try:
        pid = os.fork()
    except BlockingIOError as e:
        print("refused after", n, e.strerror)
        break
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    n += 1'`)
	var n int
	var why string
	_, err := fmt.Sscanf(out, "refused after %d %s", &n, &why)
	require.NoError(t, err, out)
	assert.Contains(t, out, "Resource temporarily unavailable")
	assert.Greater(t, n, limit-50)
	assert.Less(t, n, limit)
	assert.Empty(t, marked(t, marker), "the children end with the command")
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
		s, err := New(Config{Workspace: ws, Home: os.Getenv("HOME"), Env: os.Environ(), Launcher: []string{bin}})
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

func TestLandlockRights(t *testing.T) {
	t.Parallel()
	// Each ABI adds its rights to the last one's, and they are the kernel's
	// bits 0 up to the newest: nothing skipped, nothing made up.
	want := map[int]int{1: 13, 2: 14, 3: 15, 4: 15, 5: 16, 6: 16, 7: 16, 8: 16, 9: 17}
	for abi, bits := range want {
		assert.Equal(t, uint64(1)<<bits-1, llFS(abi), "ABI %d", abi)
	}
	assert.Zero(t, llFS(0))
}

// write makes the files of a tree under root: a content starting with "->"
// makes a symbolic link to the rest.
func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(content, "->"); ok {
			require.NoError(t, os.Symlink(target, p))
			continue
		}
		require.NoError(t, os.WriteFile(p, []byte(content), 0o755))
	}
}

func TestToolchainsStayVisible(t *testing.T) {
	t.Parallel()
	home := fakeHome(t)
	tmp := t.TempDir() // under the shared /tmp, which commands do not see
	write(t, tmp, map[string]string{
		"shim/python3":       "->/usr/bin/python3",
		"env/pyvenv.cfg":     "home = " + filepath.Join(tmp, "interp/bin") + "\nversion = 3.11\n",
		"env/bin/python3":    "->" + filepath.Join(tmp, "linked/bin/python3"),
		"interp/bin/marker":  "interpreter home",
		"linked/bin/python3": "#!/bin/sh\necho linked",
		"linked/lib/marker":  "linked toolchain",
		"wshome/bin/marker":  "workspace env home",
	})
	write(t, home, map[string]string{
		".hidden/bin/hello": "#!/bin/sh\necho hello from a hidden toolchain\n",
		".config/x/bin/sec": "#!/bin/sh\necho secret tool\n",
	})
	path := strings.Join([]string{
		filepath.Join(tmp, "shim"), filepath.Join(home, ".hidden/bin"),
		filepath.Join(home, ".config/x/bin"), os.Getenv("PATH"),
	}, ":")
	for _, reads := range []Reads{ReadSystem, ReadStrict} {
		t.Run(reads.String(), func(t *testing.T) {
			var log syncLog
			b := newBox(t, Config{Home: home, Reads: reads, Logger: log.logger(), Env: []string{
				"PATH=" + path, "HOME=" + home, "VIRTUAL_ENV=" + filepath.Join(tmp, "env"),
			}})
			write(t, b.ws, map[string]string{".venv/pyvenv.cfg": "home = " + filepath.Join(tmp, "wshome/bin") + "\n"})

			assert.Equal(t, filepath.Join(tmp, "shim/python3")+"\n", b.ok("which python3"))
			assert.Equal(t, "3\n", b.ok("python3 -c 'import sys; print(sys.version_info[0])'"))
			assert.Equal(t, "hello from a hidden toolchain\n", b.ok("hello"))
			for _, marker := range []string{"interp/bin/marker", "linked/lib/marker", "wshome/bin/marker"} {
				b.ok("cat " + filepath.Join(tmp, marker))
			}
			assert.Equal(t, "linked\n", b.ok(filepath.Join(tmp, "env/bin/python3")))
			b.fails("echo x > " + filepath.Join(tmp, "shim/planted"))

			b.fails("sec")
			assert.Contains(t, log.String(), "PATH directories hidden from commands")
			assert.Contains(t, log.String(), filepath.Join(home, ".config/x/bin"))
			assert.Equal(t, 1, strings.Count(log.String(), "PATH directories hidden"))
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	// Python writes every byte of the string, so its pages are really used.
	hog := `/usr/bin/python3 -c 'b = "x" * (400 << 20); print("al" + "located")'`
	small := `/usr/bin/python3 -c 'b = "x" * (20 << 20); print("al" + "located")'`
	b := newBox(t, Config{MemoryLimit: 128 << 20})
	facts := b.s.Facts()
	assert.Equal(t, Memory(128<<20), facts.MemoryLimit)
	assert.Contains(t, strings.Join(b.s.Layers(), "; "), "memory: at most 128 MiB")
	assert.Equal(t, "allocated\n", b.ok(small))
	assert.Equal(t, "1000\n", b.ok("cat /proc/self/oom_score_adj"), "the OOM killer picks commands first")
	own, err := os.ReadFile("/proc/self/oom_score_adj")
	require.NoError(t, err)
	assert.NotEqual(t, "1000\n", string(own), "and not the server")

	t.Run("a command past the limit is killed and reported", func(t *testing.T) {
		if facts.MemoryPerProcess {
			t.Skipf("no memory cgroup here: %v", b.s.Layers())
		}
		out, exit := b.run(hog)
		assert.NotContains(t, out, "allocated")
		assert.Equal(t, 137, exit.Code, out)
		assert.True(t, exit.OutOfMemory)
		assert.Equal(t, Memory(128<<20), exit.MemoryLimit)
		assert.Contains(t, exit.Note(), "Killed for memory")
		assert.Contains(t, exit.Note(), "128 MiB")
		// The sandbox goes on.
		assert.Equal(t, "allocated\n", b.ok(small))
		_, exit = b.run("exit 3")
		assert.False(t, exit.OutOfMemory)
		assert.Empty(t, exit.Note())
	})
	t.Run("without a memory cgroup each process is bounded", func(t *testing.T) {
		rb := newBox(t, Config{MemoryLimit: 128 << 20})
		rb.s.os.memcg = nil // as where no cgroup can be had
		out, exit := rb.run(hog)
		assert.NotContains(t, out, "allocated")
		assert.Contains(t, out, "MemoryError")
		assert.Equal(t, 1, exit.Code)
		assert.Equal(t, "allocated\n", rb.ok(small))
		assert.Equal(t, "131072\n", rb.ok("ulimit -d"))
	})
	t.Run("off", func(t *testing.T) {
		ob := newBox(t, Config{MemoryLimit: MemoryOff})
		assert.Zero(t, ob.s.Facts().MemoryLimit)
		assert.Equal(t, "unlimited\n", ob.ok("ulimit -d"))
	})
}

func TestMemoryText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Memory{
		"4GiB": 4 << 30, "4G": 4 << 30, "4gb": 4 << 30, "512MiB": 512 << 20, "512m": 512 << 20,
		"1.5GiB": 3 << 29, "1TiB": 1 << 40, "65536K": 64 << 20, "134217728": 128 << 20,
		"auto": 0, "": 0, "off": MemoryOff,
	} {
		var m Memory
		require.NoError(t, m.UnmarshalText([]byte(in)), in)
		assert.Equal(t, want, m, in)
	}
	for _, in := range []string{"lots", "-1G", "0", "1M", "4X", "GiB", "9999999999T"} {
		var m Memory
		assert.Error(t, m.UnmarshalText([]byte(in)), in)
	}
	assert.Equal(t, "1.5 GiB", Memory(3<<29).String())
	assert.Equal(t, "128 MiB", Memory(128<<20).String())
	text, err := Memory(4 << 30).MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "4GiB", string(text))
}

// listenUnix serves "hello" on a Unix socket at path and counts the
// connections it accepts.
func listenUnix(t *testing.T, path string) *atomic.Int32 {
	t.Helper()
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	return &n
}

// connectUnix is a command that connects to the Unix socket at path and
// prints what it reads.
func connectUnix(path string) string {
	return fmt.Sprintf(`/usr/bin/python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(5).decode())' %q`, path)
}

func TestUnixSockets(t *testing.T) {
	t.Parallel()
	home := fakeHome(t) // not among the hidden places
	outside := filepath.Join(home, "daemon.sock")
	accepted := listenUnix(t, outside)
	b := newBox(t, Config{Home: home})
	if !b.s.Facts().UnixSockets {
		t.Skipf("Unix sockets are not confined here: %v", b.s.Missing())
	}
	require.NoError(t, os.Symlink(outside, filepath.Join(b.ws, "link.sock")))

	t.Run("refuses a socket outside", func(t *testing.T) {
		for _, path := range []string{outside, "link.sock", "../" + filepath.Base(b.ws) + "/link.sock"} {
			out := b.fails(connectUnix(path))
			assert.Contains(t, out, "PermissionError", path)
			assert.NotContains(t, out, "hello", path)
		}
		out := b.fails(fmt.Sprintf(`cd %q && /usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.connect("daemon.sock")'`, home))
		assert.Contains(t, out, "PermissionError")
		assert.Zero(t, accepted.Load(), "the listener saw no connection")
	})
	t.Run("serves sockets in the workspace and TMPDIR", func(t *testing.T) {
		for _, dir := range []string{".", "$TMPDIR"} {
			assert.Equal(t, "inside\n", b.ok(`cd `+dir+` && /usr/bin/python3 -c '
import socket
srv = socket.socket(socket.AF_UNIX); srv.bind("in.sock"); srv.listen(1)
c = socket.socket(socket.AF_UNIX); c.connect("in.sock")
a, _ = srv.accept(); a.sendall(b"inside"); print(c.recv(6).decode())' && rm in.sock`), dir)
		}
		assert.Equal(t, "pair\n", b.ok(`/usr/bin/python3 -c '
import socket
a, b = socket.socketpair(); a.sendall(b"pair"); print(b.recv(4).decode())'`))
	})
	t.Run("refuses datagram sockets, which send by path", func(t *testing.T) {
		assert.Contains(t, b.fails(`/usr/bin/python3 -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)'`), "PermissionError")
	})
	t.Run("connects to a socket allowed by name", func(t *testing.T) {
		ab := newBox(t, Config{Home: home, AllowUnixSocket: []string{outside}})
		assert.Equal(t, "hello\n", ab.ok(connectUnix(outside)))
		require.NoError(t, os.Symlink(outside, filepath.Join(ab.ws, "link.sock")))
		assert.Equal(t, "hello\n", ab.ok(connectUnix("link.sock")))
		assert.Equal(t, int32(2), accepted.Swap(0))
	})
	t.Run("connects anywhere with the network allowed", func(t *testing.T) {
		nb := newBox(t, Config{Home: home, AllowNetwork: true})
		assert.Equal(t, "hello\n", nb.ok(connectUnix(outside)))
	})
}
