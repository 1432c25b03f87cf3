package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildCmd builds a main package of this module into dir as name and
// returns its path.
func buildCmd(t testing.TB, dir, pkg, name string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, out)
	return bin
}

// asExecutable makes findLauncher see exe as this process's executable, and
// makes exe this test binary (whose TestMain runs the launcher).
func asExecutable(t *testing.T, exe string) {
	self, err := os.Executable()
	require.NoError(t, err)
	require.NoError(t, os.Symlink(self, exe))
	old := osExecutable
	osExecutable = func() (string, error) { return exe, nil }
	t.Cleanup(func() { osExecutable = old })
}

// isolateProbeCache points the probe cache at a directory of the test's.
// The directory is outside the system temporary directory, which commands
// cannot see, since the same base holds fake homes too.
func isolateProbeCache(t *testing.T) string {
	t.Helper()
	base, err := os.UserCacheDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(base, 0o755))
	dir, err := os.MkdirTemp(base, "agentbox-test-cache-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Setenv("XDG_CACHE_HOME", dir)
	return filepath.Join(dir, "agentbox", "sandbox-probe.json")
}

// The launcher binary beside the server is the one started, under its own
// name, and ps shows that name, not the server's.
func TestLauncherBesideTheServer(t *testing.T) {
	isolateProbeCache(t)
	dir := t.TempDir()
	buildCmd(t, dir, "../../cmd/agentbox-sandbox", LauncherName)
	asExecutable(t, filepath.Join(dir, "agentbox"))
	b := newBox(t, Config{})
	assert.Equal(t, []string{filepath.Join(dir, LauncherName)}, b.s.launcher)
	assert.Equal(t, []string{filepath.Join(dir, "agentbox")}, b.s.os.fallback, "the server's own binary stands by")

	// The shell's parent is the launcher (init of the PID namespace, or
	// the launcher's pid without one).
	out := b.ok(`tr '\0' ' ' </proc/$PPID/cmdline; echo; cat /proc/$PPID/comm`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	assert.Equal(t, LauncherName, strings.TrimSpace(lines[0]), "argv")
	assert.Equal(t, LauncherName[:15], lines[1], "comm: the binary's own name, cut to 15 bytes")
}

// Without the launcher binary, the server's own binary stands in for it,
// and ps still shows the launcher's name first.
func TestLauncherFallback(t *testing.T) {
	isolateProbeCache(t)
	b := newBox(t, Config{})
	self, err := os.Executable()
	require.NoError(t, err)
	assert.Equal(t, []string{self, testGuard}, b.s.launcher)
	assert.Empty(t, b.s.os.fallback)
	out := b.ok(`tr '\0' ' ' </proc/$PPID/cmdline`)
	assert.Equal(t, LauncherName+" "+testGuard, strings.TrimSpace(out))
}

// A launcher binary of another build is not trusted with a spec it may not
// understand: the server falls back to its own binary and says so.
func TestLauncherOfAnotherBuild(t *testing.T) {
	isolateProbeCache(t)
	dir := t.TempDir()
	// What a launcher of another build answers (see launch).
	script := "#!/bin/sh\nprintf '!%s: old' '" + errOtherBuild.Error() + "' >&3\nexit 125\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, LauncherName), []byte(script), 0o755))
	asExecutable(t, filepath.Join(dir, "agentbox"))
	var logs bytes.Buffer
	cfg := Config{Logger: textLogger(&logs)}
	b := newBox(t, cfg)
	assert.Equal(t, []string{filepath.Join(dir, "agentbox")}, b.s.launcher)
	assert.Contains(t, logs.String(), "of another build")
	assert.Equal(t, "hi\n", b.ok("echo hi"))
}

// The launcher itself refuses a spec from another build.
func TestLauncherRefusesAnotherBuild(t *testing.T) {
	isolateProbeCache(t)
	b := newBox(t, Config{})
	ls := b.s.launchSpec(Spec{Command: "echo should not run", Dir: b.ws}, b.sc.Tmp)
	data, err := json.Marshal(ls) // Build left empty: not this build's
	require.NoError(t, err)
	self, err := os.Executable()
	require.NoError(t, err)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command(self, testGuard)
	cmd.Args[0] = LauncherName
	cmd.Env = []string{specVar + "=" + string(data)}
	cmd.ExtraFiles = []*os.File{w}
	out, _ := cmd.CombinedOutput()
	w.Close()
	status := make([]byte, 4096)
	n, _ := r.Read(status)
	assert.Equal(t, exitSetup, cmd.ProcessState.ExitCode())
	assert.Contains(t, string(status[:n]), "!"+errOtherBuild.Error())
	assert.NotContains(t, string(out), "should not run")
}

// Run by hand, the launcher binary says what it is and exits 2.
func TestLauncherByHand(t *testing.T) {
	bin := buildCmd(t, t.TempDir(), "../../cmd/agentbox-sandbox", LauncherName)
	out, err := exec.Command(bin).CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(out), "not meant to be run by hand")
}

// BenchmarkLauncher times `true` in the sandbox with each launcher: the
// launcher binary, and the server's binary standing in for it.
func BenchmarkLauncher(b *testing.B) {
	dir := b.TempDir()
	for _, l := range []struct{ name, pkg string }{
		{"agentbox-sandbox", "../../cmd/agentbox-sandbox"},
		{"agentbox", "../../cmd/agentbox"},
	} {
		bin := buildCmd(b, dir, l.pkg, l.name)
		b.Run(l.name, func(b *testing.B) {
			ws := b.TempDir()
			s, err := New(Config{Workspace: ws, Home: os.Getenv("HOME"), Env: os.Environ(), Launcher: []string{bin}})
			require.NoError(b, err)
			defer s.Close()
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
		})
	}
}

func textLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
