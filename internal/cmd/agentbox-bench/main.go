// Command agentbox-bench measures the agentbox binary as a client meets it:
// it spawns the server, speaks JSON-RPC over its stdin and stdout, and times
// the answers. scripts/bench.sh drives it.
//
// Usage:
//
//	agentbox-bench [-bin agentbox] [-workspace DIR] [-n N] SCENARIO [ARGS]
//
// Scenarios:
//
//	startup                  spawn → initialize answered, N fresh processes
//	ping                     N pings in one session: the transport's own cost
//	call TOOL JSON           N calls of one tool in one session
//	edit FILE OLD NEW        Read FILE, then N Edits flipping OLD and NEW
//	write FILE SIZE          N Writes of FILE, SIZE bytes, alternating two contents
//	first TOOL JSON          the first call of N fresh servers, right after initialize ({n} in JSON: a new number each time)
//	rss TOOL JSON            the server's idle RSS, then its peak RSS after N calls
//	pyedit FILE OLD NEW      as edit, for a Python FILE: with -vs, the two servers
//	                         edit copies named 0-FILE and 1-FILE, which stay .py
//	editcheck FILE OLD NEW   as edit, each Edit to be answered with its check's
//	                         findings (NEW and OLD each hold an undefined name):
//	                         counts the results that have pyflakes' finding
//	pyfile N FILE            write a clean Python module of about N lines to FILE
//	load                     after-write checks of many HTTP sessions at once
//	                         (-sessions, -edits, -same, -drain): each is told or
//	                         given up aloud, none skipped silently
//	compare SCENARIO ...     the same calls alternating between agentbox and
//	                         others: Claude Code, checks off, another build
//	                         (see compare.go)
//
// With -primed, a server first waits for its checkpoint journal's first
// snapshot of the workspace (Changes stops saying it is being taken), so
// calls are timed in the steady state. With -fresh-journal, each server
// keeps its journal in a new directory, as on a workspace never served.
//
// Each timing scenario prints one line: a label, p50, p95, n. Calls are
// timed until their whole response has arrived (see request). With -vs, a
// second server with more flags (-vs=--checkpoints=on) is timed against
// the first, the two taking turns call for call so that the load of the
// machine weighs on both alike; a third line gives the median of what the
// second adds, pair by pair.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agentbox/agentbox/internal/corpus"
)

func main() {
	bin := flag.String("bin", "agentbox", "the agentbox binary")
	workspace := flag.String("workspace", ".", "the workspace to serve")
	n := flag.Int("n", 100, "repetitions")
	label := flag.String("label", "", "label for the output line (default: the scenario)")
	warm := flag.Int("warmup", 3, "calls before measuring")
	flag.BoolVar(&primed, "primed", false, "wait for the checkpoint journal's first snapshot before timing")
	flag.BoolVar(&freshJournal, "fresh-journal", false, "give each server a new, empty --checkpoint-dir")
	flag.Func("vs", "a `flag` of a second server timed against the first, call for call (repeatable), e.g. -vs=--checkpoints=on", func(s string) error {
		vsArgs = append(vsArgs, s)
		return nil
	})
	flag.Func("names", "what to call the two servers of -vs, `A,B`", func(s string) error {
		a, b, ok := strings.Cut(s, ",")
		if !ok {
			return errors.New("want two names, e.g. off,on")
		}
		sideNames = [2]string{a, b}
		return nil
	})
	sessions := flag.Int("sessions", 50, "load: HTTP sessions at once")
	perSession := flag.Int("edits", 10, "load: writes per session")
	same := flag.Bool("same", false, "load: each session rewrites one file (else a new file each write)")
	drain := flag.Duration("drain", 90*time.Second, "load: how long sessions wait for late checks after their writes")
	var serverArgs []string
	flag.Func("server-arg", "an extra `flag` for the server (repeatable), e.g. --server-arg=--diagnostics=off", func(s string) error {
		serverArgs = append(serverArgs, s)
		return nil
	})
	flag.Parse()
	extraArgs = serverArgs
	args := flag.Args()
	if len(args) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var err error
	switch args[0] {
	case "startup":
		err = startup(*bin, *workspace, *n, or(*label, "spawn → initialized"))
	case "ping":
		err = pings(*bin, *workspace, *n, or(*label, "ping"))
	case "call":
		if len(args) != 3 {
			err = errors.New("call needs TOOL and JSON arguments")
			break
		}
		err = measure(*bin, *workspace, *n, *warm, or(*label, args[1]), callScenario(args[1], args[2]))
	case "edit":
		if len(args) != 4 {
			err = errors.New("edit needs FILE, OLD and NEW")
			break
		}
		err = measure(*bin, *workspace, *n, 0, or(*label, "Edit "+args[1]), editScenario(args[1], args[2], args[3], suffixCopy, nil))
	case "write":
		if len(args) != 3 {
			err = errors.New("write needs FILE and SIZE")
			break
		}
		size, perr := strconv.Atoi(args[2])
		if perr != nil {
			err = fmt.Errorf("write: SIZE: %v", perr)
			break
		}
		err = measure(*bin, *workspace, *n, *warm, or(*label, "Write "+args[1]), writeScenario(args[1], size))
	case "first":
		if len(args) != 3 {
			err = errors.New("first needs TOOL and JSON arguments")
			break
		}
		err = measure(*bin, *workspace, *n, 0, or(*label, "first "+args[1]), firstScenario(args[1], args[2]))
	case "pyedit", "editcheck":
		if len(args) != 4 {
			err = fmt.Errorf("%s needs FILE, OLD and NEW", args[0])
			break
		}
		if args[0] == "pyedit" {
			err = measure(*bin, *workspace, *n, *warm, or(*label, "Edit "+args[1]), editScenario(args[1], args[2], args[3], pyCopy, nil))
			break
		}
		inline := 0
		err = measure(*bin, *workspace, *n, *warm, or(*label, "Edit "+args[1]+", check in the result"), editScenario(args[1], args[2], args[3], pyCopy, func(i int, text string) {
			if i >= 0 && strings.Contains(text, "undefined name") && strings.Contains(text, "(pyflakes)") {
				inline++
			}
		}))
		if err == nil {
			fmt.Printf("  %-32s %5d of %d\n", "with pyflakes' finding inside", inline, *n)
		}
	case "gopkg":
		if len(args) != 2 {
			err = errors.New("gopkg needs DIR")
			break
		}
		err = writeGoPackage(filepath.Join(*workspace, args[1]))
	case "goedit":
		if len(args) != 2 {
			err = errors.New("goedit needs FILE, a file gopkg wrote")
			break
		}
		var seen goSeen
		err = measure(*bin, *workspace, *n, *warm, or(*label, "Go edit of "+args[1]+", a type error"), goEditScenario(args[1], &seen))
		if err == nil {
			fmt.Printf("  %-32s %5d of %d\n", "the error in the Edit's result", seen.inline, *n)
			fmt.Printf("  %-32s %5d of %d\n", "the error with the next call", seen.next, *n)
			fmt.Printf("  %-32s %5d of %d\n", "the error not told", seen.missing, *n)
		}
	case "pyfile":
		var lines int
		if len(args) == 3 {
			lines, err = strconv.Atoi(args[1])
		}
		if len(args) != 3 || err != nil {
			err = errors.New("pyfile needs N and FILE")
			break
		}
		err = os.WriteFile(filepath.Join(*workspace, args[2]), []byte(corpus.PythonTests(lines)), 0o644)
	case "load":
		err = load(*bin, *workspace, *sessions, *perSession, *same, *drain)
	case "compare":
		if len(args) < 2 {
			err = errors.New("compare needs a scenario: startup, call or edit")
			break
		}
		err = compare(*bin, *workspace, *n, *warm, args[1:])
	case "rss":
		if len(args) != 3 {
			err = errors.New("rss needs TOOL and JSON arguments for the load")
			break
		}
		err = rss(*bin, *workspace, *n, args[1], args[2])
	default:
		err = fmt.Errorf("unknown scenario %q", args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentbox-bench:", err)
		os.Exit(1)
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// server is a spawned agentbox with a line-oriented JSON-RPC client.
type server struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	nextID  int
	arrived time.Time // when the last response line arrived
	journal string    // a -fresh-journal directory, removed when the server stops
}

// extraArgs are the -server-arg flags, passed to every server started.
var extraArgs []string

// primed and freshJournal are the flags of the same names.
var primed, freshJournal bool

// vsArgs are the -vs flags: a second server has them too, and is timed
// against the first call for call; sideNames name the two.
var (
	vsArgs    []string
	sideNames = [2]string{"A", "B"}
)

// start spawns the server on workspace and completes the initialize
// handshake with it.
func start(bin, workspace string, more []string) (*server, error) {
	args := append([]string{"--workspace", workspace, "--log-level", "error"}, extraArgs...)
	args = append(args, more...)
	var journal string
	if freshJournal {
		dir, err := os.MkdirTemp("", "agentbox-bench-journal-")
		if err != nil {
			return nil, err
		}
		journal = dir
		args = append(args, "--checkpoint-dir", dir)
	}
	s, err := startCmd(exec.Command(bin, args...))
	if err != nil {
		if journal != "" {
			os.RemoveAll(journal)
		}
		return nil, err
	}
	s.journal = journal
	return s, nil
}

// startCmd starts cmd, an MCP server on stdio, and completes the
// initialize handshake with it; s.arrived is when initialize was answered.
func startCmd(cmd *exec.Cmd) (*server, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	if err := s.initialize(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// started is start, then with -primed the wait for the first snapshot.
func started(bin, workspace string, more []string) (*server, error) {
	s, err := start(bin, workspace, more)
	if err != nil || !primed {
		return s, err
	}
	if err := s.awaitSnapshot(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// awaitSnapshot waits until the journal's first snapshot of the workspace
// is done: Changes says so while it is not. A server without Changes has
// no journal, and nothing to wait for.
func (s *server) awaitSnapshot() error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		text, err := s.callText("Changes", json.RawMessage(`{"limit":1}`))
		if err != nil {
			if strings.Contains(err.Error(), "Changes") && strings.Contains(err.Error(), "not found") {
				return nil
			}
			return err
		}
		if !strings.Contains(text, "first copy of the workspace") {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("the journal's first snapshot did not end within 10 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// toolResult is the part of a tool result the bench looks at.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Text string `json:"text"`
	} `json:"content"`
}

// request sends one request and waits for its response, skipping
// notifications, then decodes its result into result (nil: skipped). It
// records in s.arrived the moment the whole response line had arrived:
// timings stop there, so they measure the server and the pipe, not this
// client's JSON decoding (encoding/json takes about a millisecond for a
// 1,000-line Read; a JavaScript client's JSON.parse a fraction of that).
func (s *server) request(method string, params any, result any) error {
	s.nextID++
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": s.nextID, "method": method, "params": params})
	if err != nil {
		return err
	}
	if _, err := s.in.Write(append(msg, '\n')); err != nil {
		return err
	}
	for {
		line, err := s.out.ReadBytes('\n')
		if err != nil {
			return err
		}
		s.arrived = time.Now()
		resp := struct {
			ID     *int            `json:"id"`
			Result any             `json:"result"`
			Error  json.RawMessage `json:"error"`
		}{Result: result}
		if err := json.Unmarshal(line, &resp); err != nil {
			return fmt.Errorf("bad line from server: %.200s", line)
		}
		if resp.ID == nil || *resp.ID != s.nextID {
			continue
		}
		if resp.Error != nil {
			return fmt.Errorf("%s: %s", method, resp.Error)
		}
		return nil
	}
}

func (s *server) initialize() error {
	err := s.request("initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "agentbox-bench", "version": "1"},
	}, nil)
	if err != nil {
		return err
	}
	n, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	_, err = s.in.Write(append(n, '\n'))
	return err
}

// call runs a tool and reports an isError result as an error.
func (s *server) call(tool string, args json.RawMessage) error {
	_, err := s.callText(tool, args)
	return err
}

// callText runs a tool and returns its text; an isError result is an error.
func (s *server) callText(tool string, args json.RawMessage) (string, error) {
	var r toolResult
	if err := s.request("tools/call", map[string]any{"name": tool, "arguments": args}, &r); err != nil {
		return "", err
	}
	text := ""
	if len(r.Content) > 0 {
		text = r.Content[0].Text
	}
	if r.IsError {
		return "", fmt.Errorf("%s failed: %s", tool, text)
	}
	return text, nil
}

func (s *server) stop() {
	s.in.Close()
	_ = s.cmd.Wait()
	if s.journal != "" {
		os.RemoveAll(s.journal)
	}
}

// status reads a field of /proc/PID/status, such as VmRSS or VmHWM, in KB.
func (s *server) status(field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no %s in /proc status", field)
}

func startup(bin, workspace string, n int, label string) error {
	var times []time.Duration
	for range n {
		t0 := time.Now()
		s, err := start(bin, workspace, nil)
		if err != nil {
			return err
		}
		times = append(times, time.Since(t0))
		s.stop()
	}
	report(label, times)
	return nil
}

func pings(bin, workspace string, n int, label string) error {
	s, err := start(bin, workspace, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	var times []time.Duration
	for range n {
		t0 := time.Now()
		if err := s.request("ping", map[string]any{}, nil); err != nil {
			return err
		}
		times = append(times, time.Since(t0))
	}
	report(label, times)
	return nil
}

func rss(bin, workspace string, n int, tool, args string) error {
	s, err := started(bin, workspace, nil)
	if err != nil {
		return err
	}
	defer s.stop()
	idle, err := s.status("VmRSS")
	if err != nil {
		return err
	}
	for range n {
		if err := s.call(tool, json.RawMessage(args)); err != nil {
			return err
		}
	}
	peak, err := s.status("VmHWM")
	if err != nil {
		return err
	}
	fmt.Printf("%-34s %8.1f MB\n", "RSS idle (after initialize)", float64(idle)/1024)
	fmt.Printf("%-34s %8.1f MB   (after %d %s calls)\n", "RSS peak", float64(peak)/1024, n, tool)
	return nil
}

// scenario is what one timing scenario does with a server: ready it, then
// make its i-th timed call (i < 0: a warm-up) and say how long it took.
type scenario struct {
	fresh bool // a new server for every call, its first (no warm-up)
	ready func(s *server) error
	step  func(s *server, i int) (time.Duration, error)
}

// measure times n steps of sc on a server with the -server-arg flags and,
// with -vs, on a second server that has the -vs flags too, the two taking
// turns call for call, so that whatever else loads the machine weighs on
// both alike; it then reports what the second adds, pair by pair.
func measure(bin, workspace string, n, warm int, label string, sc scenario) error {
	sides := [][]string{nil}
	names := []string{label}
	if vsArgs != nil {
		sides = append(sides, vsArgs)
		names = []string{label + ", " + sideNames[0], label + ", " + sideNames[1]}
	}
	servers := make([]*server, len(sides))
	if !sc.fresh {
		for k, extra := range sides {
			s, err := started(bin, workspace, extra)
			if err != nil {
				return err
			}
			defer s.stop()
			if sc.ready != nil {
				if err := sc.ready(s); err != nil {
					return err
				}
			}
			for i := range warm {
				if _, err := sc.step(s, -1-i); err != nil {
					return err
				}
			}
			servers[k] = s
		}
	}
	times := make([][]time.Duration, len(sides))
	for i := range n {
		for k, extra := range sides {
			s := servers[k]
			if sc.fresh {
				var err error
				if s, err = start(bin, workspace, extra); err != nil {
					return err
				}
			}
			d, err := sc.step(s, i)
			if sc.fresh {
				s.stop()
			}
			if err != nil {
				return err
			}
			times[k] = append(times[k], d)
		}
	}
	for k := range sides {
		report(names[k], times[k])
	}
	if len(sides) == 2 {
		diffs := make([]time.Duration, n)
		for i := range n {
			diffs[i] = times[1][i] - times[0][i]
		}
		slices.Sort(diffs)
		fmt.Printf("  %-32s p50 %+8.2f ms   (pair by pair)\n", sideNames[1]+" adds", float64(diffs[n/2].Microseconds())/1000)
	}
	return nil
}

// callScenario calls tool with args, the same each time.
func callScenario(tool, args string) scenario {
	return scenario{step: func(s *server, _ int) (time.Duration, error) {
		t0 := time.Now()
		err := s.call(tool, json.RawMessage(args))
		return s.arrived.Sub(t0), err
	}}
}

// editScenario reads file, then edits it flipping old and new. With -vs,
// the two servers edit copies of their own, which must exist: copyOf(file,
// k) names server k's. Each Edit's text goes to seen, with the step's
// number (negative in the warm-up), when seen is not nil.
func editScenario(file, old, new string, copyOf func(file string, k int) string, seen func(i int, text string)) scenario {
	flips := map[*server]int{}
	names := map[*server]string{}
	return scenario{
		ready: func(s *server) error {
			names[s] = file
			if vsArgs != nil {
				names[s] = copyOf(file, len(names)-1)
			}
			read, _ := json.Marshal(map[string]any{"file_path": names[s], "limit": 1})
			return s.call("Read", read)
		},
		step: func(s *server, i int) (time.Duration, error) {
			from, to := old, new
			if flips[s]%2 == 1 {
				from, to = new, old
			}
			flips[s]++
			args, _ := json.Marshal(map[string]any{"file_path": names[s], "old_string": from, "new_string": to})
			t0 := time.Now()
			text, err := s.callText("Edit", args)
			if seen != nil {
				seen(i, text)
			}
			return s.arrived.Sub(t0), err
		},
	}
}

// suffixCopy names server k's copy FILE.k.
func suffixCopy(file string, k int) string { return fmt.Sprintf("%s.%d", file, k) }

// pyCopy names server k's copy of a Python file k-FILE, a name that stays
// .py, so that both servers check it.
func pyCopy(file string, k int) string {
	return path.Join(path.Dir(file), fmt.Sprintf("%d-%s", k, path.Base(file)))
}

// writeScenario writes file, size bytes, alternating two contents so that
// each Write changes it. Each server writes a file of its own.
func writeScenario(file string, size int) scenario {
	line := "    result = compute_value(input, factor=7)  # a line of typical width\n"
	body := strings.Repeat(line, size/len(line)+1)[:size-1]
	names := map[*server]string{}
	flips := map[*server]int{}
	return scenario{
		ready: func(s *server) error {
			names[s] = fmt.Sprintf("%s.%d", file, len(names))
			read, _ := json.Marshal(map[string]any{"file_path": names[s], "limit": 1})
			_ = s.call("Read", read) // a file left by an earlier run may be replaced once read
			args, _ := json.Marshal(map[string]any{"file_path": names[s], "content": body})
			return s.call("Write", args)
		},
		step: func(s *server, _ int) (time.Duration, error) {
			flips[s]++
			args, _ := json.Marshal(map[string]any{"file_path": names[s], "content": body + string(rune('a'+flips[s]%2))})
			t0 := time.Now()
			err := s.call("Write", args)
			return s.arrived.Sub(t0), err
		},
	}
}

// firstScenario times the first call of a fresh server, made as soon as
// initialize is answered. {n} in args stands for a number new each time,
// so that each Write can make a file of its own.
func firstScenario(tool, args string) scenario {
	return scenario{fresh: true, step: func(s *server, _ int) (time.Duration, error) {
		a := strings.ReplaceAll(args, "{n}", strconv.FormatInt(time.Now().UnixNano(), 36))
		t0 := time.Now()
		err := s.call(tool, json.RawMessage(a))
		return s.arrived.Sub(t0), err
	}}
}

func report(label string, times []time.Duration) {
	slices.Sort(times)
	p := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
	}
	fmt.Printf("%-34s p50 %8.2f ms   p95 %8.2f ms   n=%d\n", label, p(0.50), p(0.95), len(times))
}

// goPackageFiles is how many files gopkg's package has.
const goPackageFiles = 50

// writeGoPackage writes a clean 50-file Go module into dir (see
// corpus.GoPackageFile).
func writeGoPackage(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(corpus.GoModule), 0o644); err != nil {
		return err
	}
	for i := range goPackageFiles {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.go", i)), []byte(corpus.GoPackageFile(i)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// goSeen counts where goEditScenario's type errors were told.
type goSeen struct{ inline, next, missing int }

// goEditScenario times an Edit that puts a type error in file, one of
// gopkg's package, and looks for the error where the model gets it: in the
// Edit's result, or else with its next call, made after a model's pause
// (a Read of another file, 300 ms later: a model takes longer). An Edit
// then takes the error out again, untimed. The first check of the
// package, which loads it into the Go checker (a second or so), comes
// before the timing.
func goEditScenario(file string, seen *goSeen) scenario {
	const clean, broken = "\treturn s\n", "\treturn \"s\"\n"
	const told = "cannot use \"s\""
	other := path.Join(path.Dir(file), "go.mod")
	edit := func(s *server, from, to string) (string, error) {
		args, _ := json.Marshal(map[string]any{"file_path": file, "old_string": from, "new_string": to})
		return s.callText("Edit", args)
	}
	return scenario{
		ready: func(s *server) error {
			read, _ := json.Marshal(map[string]any{"file_path": file, "limit": 1})
			if err := s.call("Read", read); err != nil {
				return err
			}
			// The first check loads the package into the Go checker
			// process, and the first call sets off the server's background
			// start-up work (python3's probe, the checkpoint journal's
			// first snapshot): both come before the timing.
			if _, err := edit(s, clean, broken); err != nil {
				return err
			}
			time.Sleep(3 * time.Second)
			_, err := edit(s, broken, clean)
			time.Sleep(time.Second)
			return err
		},
		step: func(s *server, i int) (time.Duration, error) {
			t0 := time.Now()
			text, err := edit(s, clean, broken)
			if err != nil {
				return 0, err
			}
			d := s.arrived.Sub(t0)
			if i >= 0 {
				switch {
				case strings.Contains(text, told):
					seen.inline++
				default:
					time.Sleep(300 * time.Millisecond)
					read, _ := json.Marshal(map[string]any{"file_path": other, "limit": 1})
					next, err := s.callText("Read", read)
					if err != nil {
						return 0, err
					}
					if strings.Contains(next, told) {
						seen.next++
					} else {
						seen.missing++
					}
				}
			}
			_, err = edit(s, broken, clean)
			return d, err
		},
	}
}
