//go:build linux

package main

import (
	"bytes"
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

// runWrapped runs the built binary with argv prefixed by wrap (another program
// that runs it, such as bwrap) and env added to this process's environment;
// it returns stdout, stderr and the exit status.
func runWrapped(t *testing.T, wrap, env []string, args ...string) (string, string, int) {
	t.Helper()
	argv := append(append(append([]string(nil), wrap...), binary), args...)
	cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return stdout.String(), stderr.String(), code
}

// logValues returns the values of key in the log lines whose message is
// msg.
func logValues(t *testing.T, log, msg, key string) []string {
	t.Helper()
	var out []string
	re := regexp.MustCompile(`msg=` + regexp.QuoteMeta(strconv.Quote(msg)) + `.* ` + key + `=("(?:[^"\\]|\\.)*")`)
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
	for _, user := range []struct {
		name string
		args []string
	}{
		{"root", nil},
		// Another user has no capability at all: no namespace of any kind.
		{"another user", []string{"--uid", "1000", "--gid", "1000"}},
	} {
		t.Run(user.name, func(t *testing.T) {
			t.Parallel()
			wrap := append([]string{bwrap, "--unshare-user", "--disable-userns", "--dev-bind", "/", "/"}, user.args...)
			ws := t.TempDir()
			outside := filepath.Join(t.TempDir(), "outside")
			out, log, code := runWrapped(t, wrap, nil, "call", "--workspace", ws, "--log-level=info", "Bash",
				`{"command":"echo inside > f && cat f"}`)
			require.Equal(t, 0, code, "%s\n%s", out, log)
			assert.Equal(t, "inside\n", out)
			assert.Contains(t, log, "Landlock ABI", "Landlock needs no namespace")
			missing := logValues(t, log, "sandbox layer unavailable", "what")
			require.NotEmpty(t, missing)
			assert.Contains(t, missing[0], "no user namespace: the kernel refused to make one")

			out, _, code = runWrapped(t, wrap, nil, "call", "--workspace", ws, "Bash", `{"command":"touch `+outside+`"}`)
			assert.Equal(t, 1, code, out)
			assert.NoFileExists(t, outside, "writes stay in the workspace")

			desc, _, code := runWrapped(t, wrap, nil, "tools", "--workspace", ws)
			require.Equal(t, 0, code)
			assert.Contains(t, desc, "Not confined here: "+strings.Join(missing, "; ")+".")

			out, log, code = runWrapped(t, wrap, nil, "call", "--workspace", ws, "--sandbox=require", "Bash", `{"command":"echo ran"}`)
			assert.NotEqual(t, 0, code)
			assert.NotContains(t, out, "ran")
			refused := logValues(t, log, "cannot start", "err")
			require.Len(t, refused, 1, log)
			assert.Equal(t, "sandbox unavailable (--sandbox=require): "+strings.Join(missing, "; "), refused[0])
		})
	}
}

// TestPathUnderTmp: a PATH entry under the shared /tmp, which commands do
// not see, still resolves inside Bash.
func TestPathUnderTmp(t *testing.T) {
	t.Parallel()
	shim := filepath.Join(t.TempDir(), "shim") // under /tmp
	require.NoError(t, os.Mkdir(shim, 0o755))
	require.NoError(t, os.Symlink("/usr/bin/python3", filepath.Join(shim, "python3")))
	out, log, code := runWrapped(t, nil, []string{"PATH=" + shim + ":" + os.Getenv("PATH")},
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
	assert.Contains(t, out, "[Killed for memory: the command went past its limit of 100 MiB")

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
