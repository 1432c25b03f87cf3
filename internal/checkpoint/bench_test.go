package checkpoint

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbox/agentbox/internal/corpus"
)

// The benchmarks time what checkpoints add to a tool call, against the
// same call with checkpoints off, on trees internal/corpus generates:
//
//	go test ./internal/checkpoint -run '^$' -bench . -benchtime 200x
//
// Each reports the p50 and p90 of the time checkpoints add (ms), beside
// the p50 of the call itself.

// benchTree writes a corpus tree of n files, about 4 KB each.
func benchTree(b *testing.B, n int) string {
	b.Helper()
	dir, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := corpus.Write(dir, corpus.Spec{Files: n, Bytes: int64(n) * 4 << 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchJournal(b *testing.B, ws string, opts Options) *Journal {
	b.Helper()
	root, err := os.OpenRoot(ws)
	if err != nil {
		b.Fatal(err)
	}
	opts.Dir, opts.Live = filepath.Join(b.TempDir(), "journal"), true
	j, err := Open(root, ws, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close(); root.Close() })
	<-j.Primed()
	return j
}

// timings collects durations and reports percentiles.
type timings []time.Duration

func (t timings) report(b *testing.B, name string) {
	if len(t) == 0 {
		return
	}
	s := slices.Clone(t)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(s[len(s)/2]), name+"-p50-ms")
	b.ReportMetric(ms(s[len(s)*9/10]), name+"-p90-ms")
}

// writeLikeWorkspace writes as the workspace does: a temporary file, synced,
// renamed over the old one.
func writeLikeWorkspace(b *testing.B, path string, data []byte) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	f.Write(data)
	f.Sync()
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWrite times a Write of a 10 KB file in a 5,000-file tree.
func BenchmarkWrite(b *testing.B) {
	ws := benchTree(b, 5000)
	name := "mod00/pkg000/user0/target.py"
	path := filepath.Join(ws, name)
	content := func(i int) []byte {
		return []byte(strings.Repeat(fmt.Sprintf("line %d of a file being written\n", i), 300))
	}
	b.Run("off", func(b *testing.B) {
		var call timings
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			writeLikeWorkspace(b, path, content(i))
			call = append(call, time.Since(start))
		}
		call.report(b, "call")
	})
	b.Run("on", func(b *testing.B) {
		j := benchJournal(b, ws, Options{})
		var call, added timings
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			op := j.Begin("Write", name, name)
			begun := time.Now()
			writeLikeWorkspace(b, path, content(i))
			written := time.Now()
			if _, err := op.Done(b.Context()); err != nil {
				b.Fatal(err)
			}
			end := time.Now()
			call = append(call, end.Sub(start))
			added = append(added, begun.Sub(start)+end.Sub(written))
		}
		call.report(b, "call")
		added.report(b, "added")
	})
}

// BenchmarkBashTrue times Bash `true` in trees of 5,000 and 50,000 files:
// a scan before the command and one after it.
func BenchmarkBashTrue(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		ws := benchTree(b, n)
		bash := func(b *testing.B) {
			cmd := exec.Command("bash", "-c", "true")
			cmd.Dir = ws
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("files=%d/off", n), func(b *testing.B) {
			var call timings
			for b.Loop() {
				start := time.Now()
				bash(b)
				call = append(call, time.Since(start))
			}
			call.report(b, "call")
		})
		for _, poll := range []bool{false, true} {
			mode := map[bool]string{false: "on", true: "on-polling"}[poll]
			b.Run(fmt.Sprintf("files=%d/%s", n, mode), func(b *testing.B) {
				j := benchJournal(b, ws, Options{Poll: poll})
				var call, added timings
				for b.Loop() {
					start := time.Now()
					op, err := j.BeginScan(b.Context(), "Bash", "true")
					if err != nil {
						b.Fatal(err)
					}
					begun := time.Now()
					bash(b)
					ran := time.Now()
					if _, err := op.Done(b.Context()); err != nil {
						b.Fatal(err)
					}
					end := time.Now()
					call = append(call, end.Sub(start))
					added = append(added, begun.Sub(start)+end.Sub(ran))
				}
				call.report(b, "call")
				added.report(b, "added")
			})
		}
	}
}

// BenchmarkFirstCall times opening the journal of a fresh 50,000-file
// workspace and the first tool calls after it, while the first snapshot
// runs in the background; and how long that snapshot takes.
func BenchmarkFirstCall(b *testing.B) {
	ws := benchTree(b, 50000)
	name := "mod00/pkg000/user0/first.py"
	var open, write, bash, primed timings
	for b.Loop() {
		root, err := os.OpenRoot(ws)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		j, err := Open(root, ws, Options{Dir: filepath.Join(b.TempDir(), "journal"), Live: true})
		if err != nil {
			b.Fatal(err)
		}
		opened := time.Now()
		op := j.Begin("Write", name, name)
		os.WriteFile(filepath.Join(ws, name), []byte("x\n"), 0o644)
		if _, err := op.Done(b.Context()); err != nil {
			b.Fatal(err)
		}
		wrote := time.Now()
		sop, err := j.BeginScan(b.Context(), "Bash", "true")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sop.Done(b.Context()); err != nil {
			b.Fatal(err)
		}
		scanned := time.Now()
		<-j.Primed()
		done := time.Now()
		open = append(open, opened.Sub(start))
		write = append(write, wrote.Sub(opened))
		bash = append(bash, scanned.Sub(wrote))
		primed = append(primed, done.Sub(start))
		j.Close()
		root.Close()
	}
	open.report(b, "open")
	write.report(b, "first-write")
	bash.report(b, "first-bash")
	primed.report(b, "snapshot")
}

// BenchmarkMemory measures a server's memory with the journal of a
// 50,000-file tree: a child process opens it, waits for the first
// snapshot, and reports its resident set (now and at its peak) and how
// long the snapshot took; then a second child does the same on the same
// journal, as a server started again does (its index saved).
func BenchmarkMemory(b *testing.B) {
	ws := benchTree(b, 50000)
	for b.Loop() {
		journal := filepath.Join(b.TempDir(), "journal")
		for _, run := range []string{"fresh", "restart"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$")
			cmd.Env = append(os.Environ(), "CHECKPOINT_MEMORY_CHILD="+ws+string(os.PathListSeparator)+journal)
			out, err := cmd.Output()
			if err != nil {
				b.Fatalf("%v: %s", err, out)
			}
			for _, line := range strings.Split(string(out), "\n") {
				name, value, ok := strings.Cut(line, "=")
				if v, err := strconv.ParseFloat(value, 64); ok && err == nil {
					b.ReportMetric(v, run+"-"+name)
				}
			}
		}
	}
}

// TestMemoryChild is BenchmarkMemory's server.
func TestMemoryChild(t *testing.T) {
	spec := os.Getenv("CHECKPOINT_MEMORY_CHILD")
	if spec == "" {
		t.Skip("run by BenchmarkMemory")
	}
	ws, dir, _ := strings.Cut(spec, string(os.PathListSeparator))
	base := procStatus("VmRSS")
	root, err := os.OpenRoot(ws)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	j, err := Open(root, ws, Options{Dir: dir, Live: true})
	if err != nil {
		t.Fatal(err)
	}
	<-j.Primed()
	took := time.Since(start)
	j.mu.Lock()
	files, _ := j.idx.count()
	j.mu.Unlock()
	fmt.Printf("files=%d\nsnapshot-s=%.1f\n", files, took.Seconds())
	fmt.Printf("rss-before-MB=%.1f\nrss-MB=%.1f\nrss-peak-MB=%.1f\n", base, procStatus("VmRSS"), procStatus("VmHWM"))
	j.Close()
}

// procStatus reads a size in /proc/self/status, in MB.
func procStatus(key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkClose measures closing a live journal whose first snapshot is
// done, as a server's exit does: the inotify watcher is woken at once (it
// polled with a 200 ms timeout, ~100 ms of every exit, before).
func BenchmarkClose(b *testing.B) {
	ws := benchTree(b, 500)
	root, err := os.OpenRoot(ws)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	dir := filepath.Join(b.TempDir(), "journal")
	for b.Loop() {
		b.StopTimer()
		j, err := Open(root, ws, Options{Dir: dir, Live: true})
		if err != nil {
			b.Fatal(err)
		}
		<-j.Primed()
		b.StartTimer()
		if err := j.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
