//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runWrapped runs argv (the binary and its arguments) under wrap (another
// program that runs it, such as bwrap) and returns stdout, stderr and the
// exit status.
func runWrapped(t *testing.T, wrap []string, argv ...string) (string, string, int) {
	t.Helper()
	argv = append(append([]string(nil), wrap...), argv...)
	return runProcess(t, exec.CommandContext(t.Context(), argv[0], argv[1:]...), "")
}

// logValues returns the values of key in the log lines whose message is
// msg.
func logValues(t *testing.T, log, msg, key string) []string {
	t.Helper()
	var out []string
	re := regexp.MustCompile(`msg=(?:` + regexp.QuoteMeta(strconv.Quote(msg)) + `|` + regexp.QuoteMeta(msg) + `) .*` + key + `=("(?:[^"\\]|\\.)*")`)
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		v, err := strconv.Unquote(m[1])
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// TestInsideAnotherSandbox runs agentbox where user namespaces cannot be
// made, as inside a container or another tool's sandbox: it starts with the
// layers that remain and says which are missing, in the log and in Bash's
// description, and --sandbox=require refuses with the same list.
func TestInsideAnotherSandbox(t *testing.T) {
	t.Parallel()
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		t.Skip("bubblewrap is not installed (.ci/run installs it)")
	}
	for _, tc := range []struct {
		name string
		// user runs bwrap as another user of the host (setpriv), with the
		// files it needs made its own.
		user    bool
		args    []string // more bwrap arguments
		layers  []string // beginnings of layers the log names
		missing []string // beginnings of the layers missing, in order
	}{{
		name:    "root",
		layers:  []string{"mount namespace", "PID namespace", "network namespace", "Unix sockets: only those", "Landlock ABI", "memory: at most 256 MiB per command"},
		missing: []string{"no user namespace: the kernel refused to make one"},
	}, {
		// Root of the host seen as another user: no capability, so no
		// namespace of any kind; its files are its own.
		name: "host root as another user",
		args: []string{"--uid", "1000", "--gid", "1000"},
		layers: []string{"no network: no sockets but Unix ones (seccomp)", "Unix sockets: only those", "Landlock ABI",
			"memory: at most 256 MiB per command"},
		missing: []string{"no user namespace", "no mount namespace (only root may make one without a user namespace)",
			"no PID namespace", "no process limit"},
	}, {
		// A user with no rights over the host: no cgroup either.
		name: "an unprivileged user",
		user: true,
		layers: []string{"at most 1024 processes per command beyond those the user already runs (RLIMIT_NPROC)",
			"no network: no sockets but Unix ones (seccomp)", "Unix sockets: only those", "Landlock ABI",
			"memory: at most 256 MiB of data per process (RLIMIT_DATA"},
		missing: []string{"no user namespace", "no mount namespace (only root may make one without a user namespace)",
			"no PID namespace"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin, ws, outside := binary, t.TempDir(), t.TempDir()
			var wrap []string
			if tc.user {
				if os.Geteuid() != 0 {
					t.Skip("needs root to run as another user")
				}
				bin, ws = forNobody(t, ws)
				wrap = []string{"setpriv", "--reuid=4242", "--regid=4242", "--clear-groups"}
				require.NoError(t, os.Chmod(outside, 0o777))
			}
			wrap = append(append(wrap, bwrap, "--unshare-user", "--disable-userns", "--dev-bind", "/", "/"), tc.args...)
			wrap = append(wrap, "--setenv", "HOME", ws, "--", bin)
			call := func(args ...string) (string, string, int) {
				t.Helper()
				return runWrapped(t, wrap[:len(wrap)-1], append([]string{bin, "call", "--workspace", ws, "--memory-limit=256MiB"}, args...)...)
			}
			out, log, code := call("--log-level=info", "Bash", `{"command":"echo inside > f && cat f"}`)
			require.Equal(t, 0, code, "%s\n%s", out, log)
			assert.Equal(t, "inside\n", out)
			logged := logValues(t, log, "sandbox", "layers")
			require.Len(t, logged, 1, log)
			layers := strings.Split(logged[0], "; ")
			for _, want := range tc.layers {
				assert.True(t, hasPrefix(layers, want), "no layer %q in %q", want, layers)
			}
			missing := logValues(t, log, "sandbox layer unavailable", "what")
			require.Len(t, missing, len(tc.missing), "%q", missing)
			for i, want := range tc.missing {
				assert.True(t, strings.HasPrefix(missing[i], want), "%q is not %q", missing[i], want)
			}

			// What remains still holds.
			out, _, code = call("Bash", `{"command":"touch `+filepath.Join(outside, "f")+`"}`)
			assert.Equal(t, 1, code, out)
			assert.NoFileExists(t, filepath.Join(outside, "f"), "writes stay in the workspace")
			out, _, _ = call("Bash", `{"command":"/usr/bin/python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 9))' 2>&1 | tail -1"}`)
			assert.Regexp(t, "PermissionError|ConnectionRefusedError", out, "no network")

			if tc.user {
				// The rlimits stand in for the cgroup and the PID namespace.
				out, _, _ = call("Bash", `{"command":"/usr/bin/python3 -c 'b = \"x\" * (400 << 20)' 2>&1 | tail -1; ulimit -d; ulimit -u"}`)
				lines := strings.Split(out, "\n")
				require.GreaterOrEqual(t, len(lines), 3, out)
				assert.Equal(t, "MemoryError", lines[0])
				assert.Equal(t, "262144", lines[1])
				assert.Regexp(t, `^\d+$`, lines[2])
			}

			desc, _, code := runWrapped(t, wrap[:len(wrap)-1], bin, "tools", "--workspace", ws, "--memory-limit=256MiB")
			require.Equal(t, 0, code)
			assert.Contains(t, desc, "Not confined here: "+strings.Join(missing, "; ")+".")

			out, log, code = call("--sandbox=require", "Bash", `{"command":"echo ran"}`)
			assert.NotEqual(t, 0, code)
			assert.NotContains(t, out, "ran")
			refused := logValues(t, log, "cannot start", "err")
			require.Len(t, refused, 1, log)
			assert.Equal(t, "sandbox unavailable (--sandbox=require): "+strings.Join(missing, "; "), refused[0])
		})
	}
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// forNobody makes a copy of the binary that user 4242 may run, and hands
// it the workspace ws.
func forNobody(t *testing.T, ws string) (bin, workspace string) {
	t.Helper()
	for _, d := range []string{ws, filepath.Dir(ws)} {
		require.NoError(t, os.Chmod(d, 0o755))
	}
	require.NoError(t, os.Chown(ws, 4242, 4242))
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	data, err := os.ReadFile(binary)
	require.NoError(t, err)
	bin = filepath.Join(dir, "agentbox")
	require.NoError(t, os.WriteFile(bin, data, 0o755))
	return bin, ws
}

// TestPathUnderTmp: a PATH entry under the shared /tmp, which commands do
// not see, still resolves inside Bash.
func TestPathUnderTmp(t *testing.T) {
	t.Parallel()
	shim := filepath.Join(t.TempDir(), "shim") // under /tmp
	require.NoError(t, os.Mkdir(shim, 0o755))
	require.NoError(t, os.Symlink("/usr/bin/python3", filepath.Join(shim, "python3")))
	out, log, code := runIn(t, "", append(environWithout("PATH"), "PATH="+shim+":"+os.Getenv("PATH")), "",
		"call", "--workspace", t.TempDir(), "Bash", `{"command":"which python3 && python3 -c 'import sys; print(sys.executable)'"}`)
	require.Equal(t, 0, code, "%s\n%s", out, log)
	assert.Equal(t, filepath.Join(shim, "python3")+"\n"+filepath.Join(shim, "python3")+"\n", out)
}

// TestMemoryLimitOverStdio: a command that goes past --memory-limit is
// killed and the result says so; the server goes on, and so do its other
// commands, in the foreground and in the background.
func TestMemoryLimitOverStdio(t *testing.T) {
	t.Parallel()
	s := startRaw(t, "--memory-limit=100MiB", "--log-level=info")
	if strings.Contains(s.stderr.String(), "RLIMIT_DATA") {
		t.Skip("no memory cgroup here: each process is bounded, and nothing is killed")
	}
	hog := `/usr/bin/python3 -c 'b = "x" * (400 << 20); print("al" + "located")'`
	s.call(1, "Bash", map[string]any{"command": hog}, nil)
	resp, _ := s.await(1)
	out, isErr := rawText(t, resp)
	assert.True(t, isErr)
	assert.True(t, strings.HasPrefix(out, "Exit code 137 (killed)"), out)
	assert.NotContains(t, out, "allocated")
	assert.Contains(t, out, "[Killed for memory: the command went past its memory limit of 100 MiB")

	s.call(2, "Bash", map[string]any{"command": hog, "run_in_background": true}, nil)
	resp, _ = s.await(2)
	out, _ = rawText(t, resp)
	id := regexp.MustCompile(`with ID (\S+)\.`).FindStringSubmatch(out)
	require.Len(t, id, 2, out)
	s.call(3, "Bash", map[string]any{"command": "echo still here"}, nil)
	resp, _ = s.await(3)
	out, isErr = rawText(t, resp)
	assert.False(t, isErr)
	assert.Equal(t, "still here", out)
	require.Eventually(t, func() bool {
		s.call(4, "BashOutput", map[string]any{"bash_id": id[1]}, nil)
		resp, _ = s.await(4)
		out, _ = rawText(t, resp)
		return !strings.Contains(out, "running for")
	}, 30*time.Second, 50*time.Millisecond)
	assert.Contains(t, out, "killed for memory (past its limit of 100 MiB)")
}
