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
//	rss TOOL JSON            the server's idle RSS, then its peak RSS after N calls
//	compare SCENARIO ...     the same calls alternating between agentbox and
//	                         others: Claude Code, checks off, another build
//	                         (see compare.go)
//
// Each timing scenario prints one line: a label, p50, p95, n. Calls are
// timed until their whole response has arrived (see request).
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
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "agentbox", "the agentbox binary")
	workspace := flag.String("workspace", ".", "the workspace to serve")
	n := flag.Int("n", 100, "repetitions")
	label := flag.String("label", "", "label for the output line (default: the scenario)")
	warm := flag.Int("warmup", 3, "calls before measuring")
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
		err = calls(*bin, *workspace, *n, *warm, args[1], args[2], or(*label, args[1]))
	case "edit":
		if len(args) != 4 {
			err = errors.New("edit needs FILE, OLD and NEW")
			break
		}
		err = edits(*bin, *workspace, *n, args[1], args[2], args[3], or(*label, "Edit "+args[1]))
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
}

// extraArgs are the -server-arg flags, passed to every server started.
var extraArgs []string

// start spawns the server on workspace and completes the initialize
// handshake with it.
func start(bin, workspace string) (*server, error) {
	return startCmd(exec.Command(bin, append([]string{"--workspace", workspace, "--log-level", "error"}, extraArgs...)...))
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
	var r toolResult
	if err := s.request("tools/call", map[string]any{"name": tool, "arguments": args}, &r); err != nil {
		return err
	}
	if r.IsError {
		text := ""
		if len(r.Content) > 0 {
			text = r.Content[0].Text
		}
		return fmt.Errorf("%s failed: %s", tool, text)
	}
	return nil
}

func (s *server) stop() {
	s.in.Close()
	_ = s.cmd.Wait()
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
		s, err := start(bin, workspace)
		if err != nil {
			return err
		}
		times = append(times, time.Since(t0))
		s.stop()
	}
	report(label, times)
	return nil
}

func calls(bin, workspace string, n, warm int, tool, args, label string) error {
	s, err := start(bin, workspace)
	if err != nil {
		return err
	}
	defer s.stop()
	raw := json.RawMessage(args)
	for range warm {
		if err := s.call(tool, raw); err != nil {
			return err
		}
	}
	var times []time.Duration
	for range n {
		t0 := time.Now()
		if err := s.call(tool, raw); err != nil {
			return err
		}
		times = append(times, s.arrived.Sub(t0))
	}
	report(label, times)
	return nil
}

func pings(bin, workspace string, n int, label string) error {
	s, err := start(bin, workspace)
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

func edits(bin, workspace string, n int, file, old, new, label string) error {
	s, err := start(bin, workspace)
	if err != nil {
		return err
	}
	defer s.stop()
	read, _ := json.Marshal(map[string]any{"file_path": file, "limit": 1})
	if err := s.call("Read", read); err != nil {
		return err
	}
	var times []time.Duration
	for i := range n {
		from, to := old, new
		if i%2 == 1 {
			from, to = new, old
		}
		args, _ := json.Marshal(map[string]any{"file_path": file, "old_string": from, "new_string": to})
		t0 := time.Now()
		if err := s.call("Edit", args); err != nil {
			return err
		}
		times = append(times, s.arrived.Sub(t0))
	}
	report(label, times)
	return nil
}

func rss(bin, workspace string, n int, tool, args string) error {
	s, err := start(bin, workspace)
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

func report(label string, times []time.Duration) {
	slices.Sort(times)
	p := func(q float64) float64 {
		return float64(times[min(len(times)-1, int(q*float64(len(times))))].Microseconds()) / 1000
	}
	fmt.Printf("%-34s p50 %8.2f ms   p95 %8.2f ms   n=%d\n", label, p(0.50), p(0.95), len(times))
}
