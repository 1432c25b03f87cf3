package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// compare runs the same calls on several servers in one run, alternating
// between them call by call, so that every server meets the same machine
// (on a shared machine the load changes by the second): agentbox as
// configured; with -checks-off, agentbox with --diagnostics=off too; with
// -base, another agentbox binary (say, main's, for a before and after);
// with -claude, Claude Code's `claude mcp serve`; and, for start-up only,
// with -floor, the least mcp-go server (internal/cmd/mcpgo-floor).
//
//	compare startup               spawn → initialize answered, and → tools/list answered;
//	                              on Linux also the CPU time the server ran to initialize
//	compare call TOOL JSON        calls of TOOL; "$WS/" in JSON is the workspace's absolute path
//	compare edit FILE OLD NEW     Edits flipping OLD and NEW, each server on its own copy of FILE
//
// It prints a Markdown table: each server's p50 and p95 and, for agentbox,
// its p50 as a multiple of each other server's.
func compare(bin, workspace string, n, warm int, args []string) error {
	cs, err := contenders(bin, workspace, args[0])
	if err != nil {
		return err
	}
	switch {
	case args[0] == "startup" && len(args) == 1:
		return compareStartup(cs, n)
	case args[0] == "call" && len(args) == 3:
		return compareCalls(cs, workspace, n, warm, args[1], args[2])
	case args[0] == "edit" && len(args) == 4:
		return compareEdits(cs, workspace, n, args[1], args[2], args[3])
	}
	return errors.New("compare needs: startup | call TOOL JSON | edit FILE OLD NEW")
}

// Flags of compare.
var (
	compareBase      = flag.String("base", "", "compare: another agentbox `binary` to run the same calls on")
	compareClaude    = flag.String("claude", "", "compare: Claude Code's `claude` binary, run as claude mcp serve in the workspace")
	compareFloor     = flag.String("floor", "", "compare startup: the least mcp-go server `binary` (internal/cmd/mcpgo-floor)")
	compareChecksOff = flag.Bool("checks-off", false, "compare: agentbox with --diagnostics=off too")
)

// contender is one server of a comparison.
type contender struct {
	label string
	cmd   func() *exec.Cmd
	// prefix is put before the base name of the file a contender edits:
	// each edits its own copy, since an edit by one would be a change on
	// disk under the feet of the others.
	prefix string
	times  map[string][]time.Duration // by what was timed
}

func contenders(bin, workspace, scenario string) ([]*contender, error) {
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return nil, err
	}
	agentbox := func(bin string, more ...string) func() *exec.Cmd {
		return func() *exec.Cmd {
			return exec.Command(bin, slices.Concat([]string{"--workspace", ws, "--log-level", "error"}, extraArgs, more)...)
		}
	}
	cs := []*contender{{label: "agentbox", cmd: agentbox(bin)}}
	if *compareChecksOff {
		cs = append(cs, &contender{label: "checks off", cmd: agentbox(bin, "--diagnostics=off"), prefix: "off-"})
	}
	if *compareBase != "" {
		cs = append(cs, &contender{label: "base", cmd: agentbox(*compareBase), prefix: "base-"})
	}
	if *compareClaude != "" {
		home, err := os.MkdirTemp("", "agentbox-bench-claude-")
		if err != nil {
			return nil, err
		}
		claude := *compareClaude
		cs = append(cs, &contender{label: "Claude Code", prefix: "cc-", cmd: func() *exec.Cmd {
			cmd := exec.Command(claude, "mcp", "serve")
			cmd.Dir = ws
			// As shared/reference/claude-code-tools.md starts it: no network,
			// a scratch home, and Glob and Grep served (local-agent).
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "DISABLE_TELEMETRY=1", "DISABLE_AUTOUPDATER=1",
				"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_ERROR_REPORTING=1", "CLAUDE_CODE_ENTRYPOINT=local-agent"}
			return cmd
		}})
	}
	if *compareFloor != "" && scenario == "startup" {
		cs = append(cs, &contender{label: "mcp-go floor", cmd: func() *exec.Cmd { return exec.Command(*compareFloor) }})
	}
	for _, c := range cs {
		c.times = map[string][]time.Duration{}
	}
	return cs, nil
}

// rounds runs f for each contender n times, round by round, each round
// beginning with the next contender.
func rounds(cs []*contender, n int, f func(c *contender) error) error {
	for i := range n {
		for j := range cs {
			if err := f(cs[(i+j)%len(cs)]); err != nil {
				return err
			}
		}
	}
	return nil
}

func compareStartup(cs []*contender, n int) error {
	const initialized, listed, cpu = "spawn → initialized", "spawn → tools/list answered", "CPU time to initialized"
	measureCPU := true
	err := rounds(cs, n, func(c *contender) error {
		t0 := time.Now()
		s, err := startCmd(c.cmd())
		if err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		defer s.stop()
		c.times[initialized] = append(c.times[initialized], s.arrived.Sub(t0))
		if d, ok := cpuTime(s.cmd.Process.Pid); ok && measureCPU {
			c.times[cpu] = append(c.times[cpu], d)
		} else {
			measureCPU = false
		}
		if err := s.request("tools/list", map[string]any{}, nil); err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		c.times[listed] = append(c.times[listed], s.arrived.Sub(t0))
		return nil
	})
	if err != nil {
		return err
	}
	if measureCPU {
		table(cs, initialized, listed, cpu)
	} else {
		table(cs, initialized, listed)
	}
	return nil
}

// cpuTime is the CPU time the process pid's threads have run so far, from
// Linux's /proc/PID/task/*/schedstat (in nanoseconds, unlike the clock
// ticks of /proc/PID/stat). On a loaded machine a start waits for a core
// for most of its wall time; this is what it cost once it had one. It
// leaves out the process's children.
func cpuTime(pid int) (time.Duration, bool) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			return 0, false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, false
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		sum += time.Duration(ns)
	}
	return sum, true
}

func compareCalls(cs []*contender, workspace string, n, warm int, tool, args string) error {
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return err
	}
	raw := json.RawMessage(strings.ReplaceAll(args, "$WS/", ws+"/"))
	sessions, err := startAll(cs)
	if err != nil {
		return err
	}
	defer stopAll(sessions)
	for _, c := range cs {
		for range warm {
			if err := sessions[c].call(tool, raw); err != nil {
				return fmt.Errorf("%s: %w", c.label, err)
			}
		}
	}
	label := tool + " " + args
	err = rounds(cs, n, func(c *contender) error {
		s := sessions[c]
		t0 := time.Now()
		if err := s.call(tool, raw); err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		c.times[label] = append(c.times[label], s.arrived.Sub(t0))
		return nil
	})
	if err != nil {
		return err
	}
	table(cs, label)
	return nil
}

func compareEdits(cs []*contender, workspace string, n int, file, old, new string) error {
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(filepath.Join(ws, file))
	if err != nil {
		return err
	}
	path := func(c *contender) string { return filepath.Join(ws, filepath.Dir(file), c.prefix+filepath.Base(file)) }
	for _, c := range cs {
		if c.prefix != "" {
			if err := os.WriteFile(path(c), data, 0o644); err != nil {
				return err
			}
		}
	}
	sessions, err := startAll(cs)
	if err != nil {
		return err
	}
	defer stopAll(sessions)
	edits := map[*contender]int{}
	edit := func(c *contender) (time.Duration, error) {
		from, to := old, new
		if edits[c]%2 == 1 {
			from, to = new, old
		}
		edits[c]++
		args, _ := json.Marshal(map[string]any{"file_path": path(c), "old_string": from, "new_string": to})
		s := sessions[c]
		t0 := time.Now()
		if err := s.call("Edit", args); err != nil {
			return 0, fmt.Errorf("%s: %w", c.label, err)
		}
		return s.arrived.Sub(t0), nil
	}
	for _, c := range cs {
		read, _ := json.Marshal(map[string]any{"file_path": path(c), "limit": 1}) // a whole-file Read has a size cap
		if err := sessions[c].call("Read", read); err != nil {
			return fmt.Errorf("%s: %w", c.label, err)
		}
		for range 3 { // the first edits may start a warm checker
			if _, err := edit(c); err != nil {
				return err
			}
		}
	}
	label := "Edit " + file
	err = rounds(cs, n, func(c *contender) error {
		d, err := edit(c)
		c.times[label] = append(c.times[label], d)
		return err
	})
	if err != nil {
		return err
	}
	table(cs, label)
	return nil
}

func startAll(cs []*contender) (map[*contender]*server, error) {
	sessions := map[*contender]*server{}
	for _, c := range cs {
		s, err := startCmd(c.cmd())
		if err != nil {
			stopAll(sessions)
			return nil, fmt.Errorf("%s: %w", c.label, err)
		}
		sessions[c] = s
	}
	return sessions, nil
}

func stopAll(sessions map[*contender]*server) {
	for _, s := range sessions {
		s.stop()
	}
}

// table prints one Markdown row for each thing timed: every contender's p50
// and p95, then agentbox's p50 as a multiple of each other's.
func table(cs []*contender, rows ...string) {
	head := []string{"call (n=" + fmt.Sprint(len(cs[0].times[rows[0]])) + " each, alternating)"}
	for _, c := range cs {
		head = append(head, c.label+" p50 / p95")
	}
	for _, c := range cs[1:] {
		head = append(head, "agentbox ÷ "+c.label)
	}
	fmt.Println("| " + strings.Join(head, " | ") + " |")
	fmt.Println("|" + strings.Repeat(" --- |", len(head)))
	for _, row := range rows {
		cells := []string{row}
		for _, c := range cs {
			cells = append(cells, fmt.Sprintf("%s / %s", ms(quantile(c.times[row], 0.5)), ms(quantile(c.times[row], 0.95))))
		}
		for _, c := range cs[1:] {
			cells = append(cells, fmt.Sprintf("%.2f×", float64(quantile(cs[0].times[row], 0.5))/float64(quantile(c.times[row], 0.5))))
		}
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
}

func quantile(times []time.Duration, q float64) time.Duration {
	s := slices.Clone(times)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
