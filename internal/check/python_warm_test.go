//go:build linux

package check

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/agentbox/agentbox/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// warmPIDs lists the warm Python checkers running in the workspace dir:
// the processes running checkpy.py's serve loop there, the ones the
// server talks to. With workers, the worker each has forked is listed
// too.
func warmPIDs(t testing.TB, dir string, workers ...bool) []int {
	t.Helper()
	dir, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	parents := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte("# agentbox's Python check")) || !bytes.Contains(cmdline, []byte("\x00serve\x00")) {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		stat, err2 := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil || err2 != nil || cwd != dir {
			continue
		}
		// After "pid (comm) state ": the parent's pid.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		ppid, _ := strconv.Atoi(fields[1])
		parents[pid] = ppid
	}
	var pids []int
	for pid, ppid := range parents {
		if _, forked := parents[ppid]; !forked || len(workers) > 0 && workers[0] {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// waitGone waits until none of pids is a running process.
func waitGone(t testing.TB, pids []int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		alive := slices.DeleteFunc(slices.Clone(pids), func(pid int) bool {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			// Gone, or a zombie waiting for its parent: no longer running.
			return err != nil || strings.Contains(string(b), ") Z ")
		})
		if len(alive) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("checker processes %v still run", alive)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkNow runs the warm checker on name as it is on disk, recording
// whether the checker queued the rest of the check (the first step did
// not settle it).
func (f *fixture) checkNow(name string) (r report, queued bool) {
	f.t.Helper()
	r = f.c.py.check(f.t.Context(), Write{Rel: name}, func(time.Duration) { queued = true })
	require.Empty(f.t, r.skipped)
	require.Empty(f.t, r.givenUp)
	return r, queued
}

// TestWarmPythonFirstStep edits a 10,000-line file the warm checker has
// checked before: its first step compiles only the statements the edit
// touched, and a syntax error comes back from it, before the rest of the
// check is queued, at the line the whole file's compile reports. Valid
// edits at the edges of statements are not taken for errors.
func TestWarmPythonFirstStep(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python})
	head := "import os\n\nDEBUG = os.environ.get('DEBUG')\nif DEBUG:\n    level = 1\n\n\ndef g():\n    return 2\n\n\n"
	base := head + corpus.PythonTests(10_000)
	f.write("big.py", base)
	r, _ := f.checkNow("big.py")
	require.Empty(t, r.findings, "the base is clean")

	for _, tc := range []struct {
		name     string
		old, new string
		fails    bool // whether the edit breaks the file
	}{
		{"an unclosed bracket", `email="user500@example.com"`, `email=("user500@example.com"`, true},
		{"a bad indent", "\n\n@pytest.mark.django_db\ndef test_order_700(", "\n\n  y = 1\n@pytest.mark.django_db\ndef test_order_700(", true},
		{"an unterminated string", `email="user900@example.com"`, `email="""user900@example.com"`, true},
		{"a return outside a function", "\n\n@pytest.mark.django_db\ndef test_order_800(", "\n\nreturn 1\n@pytest.mark.django_db\ndef test_order_800(", true},
		{"an else that belongs to the statement before", "def g():\n    return 2\n", "else:\n    level = 2\n", false},
		{"a decorator the next statement completes", "@pytest.mark.django_db\ndef test_order_300(", "@pytest.mark.slow\n@pytest.mark.django_db\ndef test_order_300(", false},
		{"a new function between two", "\n\n@pytest.mark.django_db\ndef test_order_301(", "\n\ndef helper():\n    return 3\n\n\n@pytest.mark.django_db\ndef test_order_301(", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, 1, strings.Count(base, tc.old), tc.old)
			f.write("big.py", strings.Replace(base, tc.old, tc.new, 1))
			// The first answer is enough: stop at the queued rest (pyflakes).
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			queued := false
			r := f.c.py.check(ctx, Write{Rel: "big.py"}, func(time.Duration) { queued = true; cancel() })
			want := wholeCompile(t, python, filepath.Join(f.dir, "big.py"))
			if !tc.fails {
				require.Empty(t, want, "the edit is valid")
				assert.True(t, queued, "no syntax error: the rest of the check runs")
				return
			}
			require.NotEmpty(t, want, "the edit breaks the file")
			assert.False(t, queued, "the first step found it")
			assert.Equal(t, []string{want}, pythonErrors(r), "what the whole file's compile says")
		})
	}
}

// wholeCompile compiles the file at path with python and returns its
// syntax error as pythonErrors shows it, or "".
func wholeCompile(t *testing.T, python, path string) string {
	t.Helper()
	script := `import sys
try:
    compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec", dont_inherit=True)
except SyntaxError as e:
    print("%d:%d: %s: %s" % (e.lineno, e.offset, type(e).__name__, e.msg))`
	out, err := exec.CommandContext(t.Context(), python, "-I", "-c", script, path).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// pythonErrors lists a report's syntax errors as "line:col: message".
func pythonErrors(r report) []string {
	var errs []string
	for _, f := range r.findings {
		if f.checker == "python" {
			errs = append(errs, fmt.Sprintf("%d:%d: %s", f.line, f.col, f.msg))
		}
	}
	return errs
}

// TestWarmCheckerDiesMidCheck kills the warm checker while it checks a
// file: the check is asked again of a new checker, and the next checks
// work.
func TestWarmCheckerDiesMidCheck(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	localAndSandboxed(t, Options{Python: python}, func(t *testing.T, f *fixture) {
		f.write("warm.py", "x = 1\n")
		f.checkNow("warm.py")
		first := warmPIDs(t, f.dir)
		require.Len(t, first, 1, "one warm checker")
		firstAll := warmPIDs(t, f.dir, true)
		require.Len(t, firstAll, 2, "and its worker")

		f.write("big.py", corpus.PythonTests(5000)+"print(undefined_here)\n")
		killed := false
		r := f.c.py.check(t.Context(), Write{Rel: "big.py"}, func(time.Duration) {
			if !killed {
				// The check is under way: the rest is queued.
				require.NoError(t, syscall.Kill(first[0], syscall.SIGKILL))
				killed = true
			}
		})
		require.True(t, killed)
		require.Empty(t, r.skipped)
		require.Empty(t, r.givenUp)
		require.Len(t, r.findings, 1)
		assert.Equal(t, "undefined name 'undefined_here'", r.findings[0].msg, "the check was asked again")

		got := f.written("next.py", "def f(:\n")
		assert.Contains(t, got, "next.py:1:7: SyntaxError: invalid syntax (python)")
		second := warmPIDs(t, f.dir)
		require.Len(t, second, 1)
		assert.NotEqual(t, first, second, "a new checker")
		waitGone(t, firstAll) // the killed checker's worker too
	})
}

// TestWarmCheckerFollowsTheEnvironment starts the warm checker anew when
// the workspace gets a virtual environment, and when a package is
// installed in it.
func TestWarmCheckerFollowsTheEnvironment(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Env: []string{"PATH=" + filepath.Dir(python) + ":/bin"}})
	assert.Regexp(t, `^Problems after this change \(python3\.\d+\.\d+ compile, pyflakes\)`, f.written("a.py", "def (\n"))
	onPath := warmPIDs(t, f.dir)
	require.Len(t, onPath, 1)

	venv := exec.CommandContext(t.Context(), python, "-m", "venv", "--without-pip", filepath.Join(f.dir, ".venv"))
	if out, err := venv.CombinedOutput(); err != nil {
		t.Skipf("%s cannot make a virtual environment: %v: %s", python, err, out)
	}
	assert.Regexp(t, `^Problems after this change \(python3\.\d+\.\d+ \(\.venv\) compile`, f.written("a.py", "def (\n"))
	inVenv := warmPIDs(t, f.dir)
	require.Len(t, inVenv, 1)
	assert.NotEqual(t, onPath, inVenv)
	waitGone(t, onPath)

	f.written("a.py", "x = 1\n")
	require.Equal(t, inVenv, warmPIDs(t, f.dir), "nothing changed")
	// What pip does to a venv: a new directory in its site-packages.
	sites, err := filepath.Glob(filepath.Join(f.dir, ".venv", "lib", "python3*", "site-packages"))
	require.NoError(t, err)
	require.Len(t, sites, 1)
	require.NoError(t, os.Mkdir(filepath.Join(sites[0], "newpkg"), 0o755))
	require.NoError(t, os.Chtimes(sites[0], time.Now(), time.Now().Add(time.Second)))
	f.written("a.py", "x = 2\n")
	installed := warmPIDs(t, f.dir)
	require.Len(t, installed, 1)
	assert.NotEqual(t, inVenv, installed, "a package was installed")
}

// TestWarmCheckerEndsWithTheChecker closes the checker of a workspace:
// its warm checker ends with it, in the sandbox too.
func TestWarmCheckerEndsWithTheChecker(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	localAndSandboxed(t, Options{Python: python, Timeout: noWait}, func(t *testing.T, f *fixture) {
		f.write("warm.py", "x = 1\n")
		f.checkNow("warm.py")
		f.written("big.py", corpus.PythonTests(5000)) // its check is under way
		pids := warmPIDs(t, f.dir, true)
		require.Len(t, pids, 2, "a checker and its worker")
		f.c.Close()
		waitGone(t, pids)
		assert.Empty(t, f.written("late.py", "x = (\n"), "a closed checker checks nothing")
	})
}

// TestSupersededWhileTheWriteWaits supersedes a check while its write
// still waits for it: that write's result says nothing of the replaced
// content, and the newer write's result tells what its own check found.
// The warm checker is stopped (SIGSTOP) until both checks are submitted,
// so the first cannot finish before it is superseded, however busy the
// machine.
func TestSupersededWhileTheWriteWaits(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python, Timeout: time.Minute})
	f.write("warm.py", "x = 1\n")
	f.checkNow("warm.py")
	checker := warmPIDs(t, f.dir)
	require.Len(t, checker, 1)
	require.NoError(t, syscall.Kill(checker[0], syscall.SIGSTOP))
	stopped := true
	defer func() {
		if stopped {
			_ = syscall.Kill(checker[0], syscall.SIGCONT)
		}
	}()
	big := corpus.PythonTests(5000)
	submit := func(content string) *job {
		f.write("app.py", content)
		j, refused := f.c.sched.submit(f.c, Write{Rel: "app.py", Session: "s1", Tool: "Write", At: time.Now()}, languageOf("app.py"))
		require.NotNil(t, j, refused)
		return j
	}
	first := submit(big + "print(sixth_name)\n")
	done := make(chan string)
	go func() { done <- f.c.await(t.Context(), first) }()
	second := submit(big + "print(fifth_name)\n")
	require.NoError(t, syscall.Kill(checker[0], syscall.SIGCONT))
	stopped = false
	assert.Contains(t, f.c.await(t.Context(), second), "undefined name 'fifth_name'")
	assert.Empty(t, <-done, "the superseded write's result says nothing of replaced content")
	assert.Empty(t, f.c.Pending("s1"), "nor does a later result")
}

// TestWarmCheckerLearnsWhatIsRead reads a 10,000-line file, then edits
// it for the first time: the checker learned the file when it was read,
// so the first check after the edit finds the syntax error in its first
// step, at the line the whole file's compile reports.
func TestWarmCheckerLearnsWhatIsRead(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	f := newFixture(t, Options{Python: python})
	base := corpus.PythonTests(10_000)
	f.write("big.py", base)
	require.Empty(t, warmPIDs(t, f.dir), "no checker before the first read")
	<-f.c.Read("big.py")
	require.Len(t, warmPIDs(t, f.dir), 1, "the read started the checker")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, f.c.py.learn(ctx, "big.py"), "learned already, it is answered at once")

	f.write("big.py", strings.Replace(base, `email="user700@example.com"`, `email=["user700@example.com"`, 1))
	queued := false
	r := f.c.py.check(t.Context(), Write{Rel: "big.py"}, func(time.Duration) { queued = true })
	assert.False(t, queued, "the first step found it")
	assert.Equal(t, []string{wholeCompile(t, python, filepath.Join(f.dir, "big.py"))}, pythonErrors(r))

	t.Run("a file never read is checked whole", func(t *testing.T) {
		f.write("other.py", base)
		queued := false
		f.c.py.check(t.Context(), Write{Rel: "other.py"}, func(time.Duration) { queued = true })
		assert.True(t, queued, "no first step for a file the checker has not seen")
	})
}

// BenchmarkAfterWritePythonSyntaxError measures how long an edit that
// breaks a 10,000-line Python file, one the warm checker has checked
// before, takes to come back with its syntax error: the first step, which
// compiles only the statements the edit touched. Each edit breaks the file
// in another place; the clean file stays the base. Issue 15 wants this
// within Write's and Edit's wait (DefaultTimeout, 30 ms).
func BenchmarkAfterWritePythonSyntaxError(b *testing.B) {
	python := testutil.Python(b, "/usr/bin/python3")
	f := newFixture(b, Options{Python: python})
	base := corpus.PythonTests(10_000)
	f.write("big.py", base)
	r, _ := f.checkNow("big.py")
	require.Empty(b, r.findings, "the base is clean")
	breaks := []struct{ old, new string }{
		{`email="user100@example.com"`, `email=("user100@example.com"`},
		{`email="user500@example.com"`, `email="user500@example.com`},
		{`email="user900@example.com"`, `email="user900@example.com",,`},
	}
	for i := 0; b.Loop(); i++ {
		br := breaks[i%len(breaks)]
		f.write("big.py", strings.Replace(base, br.old, br.new, 1))
		if got := f.c.AfterWrite(b.Context(), Write{Rel: "big.py", Session: "s1", Tool: "Edit", At: time.Now()}); !strings.Contains(got, "Error") {
			b.Fatalf("no syntax error found: %q", got)
		}
	}
}

// TestLongChecksSettle sends the warm checker (checkpy.py's serve loop,
// spoken to directly) two checks of a large file back to back, as a
// client's parallel Edits of one file come: the first is still settling
// in the queue when the second replaces it, so the worker never starts it
// (no "started" answer), and the second is checked whole. A small file's
// check is handed to the worker at once.
func TestLongChecksSettle(t *testing.T) {
	python := pyflakesPython(t)
	t.Parallel()
	// A settling time of 2 s, not 50 ms: the second request must come
	// while the first settles, however loaded the machine.
	cmd := exec.Command(python, "-I", "-B", "-c", checkPyScript, "serve", "-", "2000")
	cmd.Dir = t.TempDir()
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { in.Close(); _ = cmd.Wait() })
	lines := bufio.NewScanner(out)
	lines.Buffer(nil, 1<<20)
	require.True(t, lines.Scan(), "the hello")

	send := func(id int, path, src string) {
		_, err := fmt.Fprintf(in, "{\"op\": \"check\", \"id\": %d, \"path\": %q, \"mode\": \"names\", \"len\": %d}\n%s", id, path, len(src), src)
		require.NoError(t, err)
	}
	states := map[int][]string{}
	await := func(ids ...int) {
		for left := len(ids); left > 0 && lines.Scan(); {
			var a struct {
				ID    int    `json:"id"`
				State string `json:"state"`
			}
			require.NoError(t, json.Unmarshal(lines.Bytes(), &a))
			states[a.ID] = append(states[a.ID], a.State)
			if a.State == "done" || a.State == "cancelled" {
				left--
			}
		}
	}
	big := corpus.PythonTests(5000)
	send(1, "big.py", big+"print(first_name)\n")
	send(2, "big.py", big+"print(second_name)\n")
	await(1, 2)
	assert.Equal(t, []string{"queued", "cancelled"}, states[1], "the first check was replaced while it settled")
	assert.Equal(t, []string{"queued", "started", "done"}, states[2])

	send(3, "small.py", "print(third_name)\n")
	await(3)
	assert.Equal(t, []string{"queued", "started", "done"}, states[3], "a short check does not settle")
}
