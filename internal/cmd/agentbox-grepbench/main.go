// Command agentbox-grepbench measures agentbox's Grep and Glob through the real
// binary over MCP stdio, against ripgrep, grep -r, find and fd on the same
// tree, and prints the times and their ratios. scripts/bench-grep.sh builds
// and drives it.
//
// Usage:
//
//	agentbox-grepbench gen [-files N] [-size MB] [-seed S] DIR
//	agentbox-grepbench run -server BIN [-runs N] DIR
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/agentbox/agentbox/internal/corpus"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: agentbox-grepbench gen|run [flags] DIR")
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "run":
		err = run(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: use gen or run", os.Args[1])
	}
	if err != nil {
		log.Fatal("agentbox-grepbench: ", err)
	}
}

func gen(args []string) error {
	fl := flag.NewFlagSet("gen", flag.ExitOnError)
	files := fl.Int("files", 5000, "number of files")
	size := fl.Int64("size", 60, "total size in MB")
	seed := fl.Uint64("seed", 1, "random seed")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return errors.New("gen needs one directory")
	}
	return corpus.Write(fl.Arg(0), corpus.Spec{Files: *files, Bytes: *size << 20, Seed: *seed})
}

// query is one search to time.
type query struct {
	name    string
	pattern string
	fold    bool
	content bool
}

var queries = []query{
	{"literal", "ReadFile", false, false},
	{"literal", "ReadFile", false, true},
	{"regex+literal", `func \w+Reader\(`, false, false},
	{"regex+literal", `func \w+Reader\(`, false, true},
	{"case-insensitive", "readfile", true, false},
	{"case-insensitive", "readfile", true, true},
	{"alternation", `\b(TODO|FIXME)\b`, false, false},
	{"alternation", `\b(TODO|FIXME)\b`, false, true},
}

func run(args []string) error {
	fl := flag.NewFlagSet("run", flag.ExitOnError)
	server := fl.String("server", "agentbox", "the agentbox binary")
	runs := fl.Int("runs", 5, "timed runs of each command (the median is shown)")
	fl.Parse(args)
	if fl.NArg() != 1 {
		return errors.New("run needs one directory")
	}
	dir, err := filepath.Abs(fl.Arg(0))
	if err != nil {
		return err
	}
	nfiles, nbytes := treeSize(dir)
	fmt.Printf("\n== %s: %d files, %d MB; median of %d runs, in ms; ratio = agentbox / other\n", dir, nfiles, nbytes>>20, *runs)

	ctx := context.Background()
	var cmd *exec.Cmd
	spawned := time.Now()
	c, err := client.NewStdioMCPClientWithOptions(*server, nil, []string{"--workspace", dir, "--log-level", "error"},
		transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd = exec.CommandContext(ctx, command, args...)
			cmd.Env = append(os.Environ(), env...)
			return cmd, nil
		}))
	if err != nil {
		return err
	}
	defer c.Close()
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "agentbox-bench", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	fmt.Printf("server: spawn to initialized %.1f ms, idle RSS %s\n", ms(time.Since(spawned)), rss(cmd.Process.Pid, "VmRSS"))

	call := func(tool string, args map[string]any) (time.Duration, string) {
		var req mcp.CallToolRequest
		req.Params.Name, req.Params.Arguments = tool, args
		start := time.Now()
		res, err := c.CallTool(ctx, req)
		d := time.Since(start)
		if err != nil {
			log.Fatalf("%s %v: %v", tool, args, err)
		}
		out := ""
		for _, item := range res.Content {
			if t, ok := item.(mcp.TextContent); ok {
				out += t.Text
			}
		}
		if res.IsError {
			log.Fatalf("%s %v: %s", tool, args, out)
		}
		return d, out
	}

	fmt.Printf("%-34s %9s %9s %7s %9s %7s %9s %7s\n", "Grep", "agentbox", "rg", "ratio", "rg|head", "ratio", "grep -r", "ratio")
	for _, q := range queries {
		args := map[string]any{"pattern": q.pattern, "-i": q.fold}
		rgArgs := []string{"--no-config", "--hidden", "--glob", "!.git"}
		grepArgs := []string{"-r", "-I", "-E", "--exclude-dir=.git"}
		mode := "files"
		if q.content {
			mode = "content"
			args["output_mode"] = "content"
			rgArgs = append(rgArgs, "-n")
			grepArgs = append(grepArgs, "-n")
		} else {
			rgArgs = append(rgArgs, "-l")
			grepArgs = append(grepArgs, "-l")
		}
		if q.fold {
			rgArgs = append(rgArgs, "-i")
			grepArgs = append(grepArgs, "-i")
		}
		rgArgs = append(rgArgs, "--", q.pattern)
		grepArgs = append(grepArgs, "--", q.pattern, ".")

		timers := []func() time.Duration{
			func() time.Duration { d, _ := call("Grep", args); return d },
			func() time.Duration { return command(dir, 0, "rg", rgArgs...) },
			func() time.Duration { return command(dir, 250, "rg", rgArgs...) },
			func() time.Duration { return command(dir, 0, "grep", grepArgs...) },
		}
		if !q.content {
			timers[2] = nil // rg -l prints no more than a page of files anyway
		}
		med := measure(*runs, timers)
		row := fmt.Sprintf("%-17s %-8s %-7s", q.name, short(q.pattern), mode)
		fmt.Printf("%-34s %9.1f %9.1f %6.2fx", row, med[0], med[1], med[0]/med[1])
		if med[2] > 0 {
			fmt.Printf(" %9.1f %6.2fx", med[2], med[0]/med[2])
		} else {
			fmt.Printf(" %9s %7s", "-", "-")
		}
		fmt.Printf(" %9.1f %6.2fx\n", med[3], med[0]/med[3])
	}

	fmt.Printf("%-34s %9s %9s %7s %9s %7s %9s %7s\n", "Glob", "agentbox", "find", "ratio", "fd", "ratio", "rg", "ratio")
	fd := "fd"
	if _, err := exec.LookPath(fd); err != nil {
		fd = "fdfind"
	}
	timers := []func() time.Duration{
		func() time.Duration { d, _ := call("Glob", map[string]any{"pattern": "**/*.py"}); return d },
		func() time.Duration { return command(dir, 0, "find", ".", "-name", "*.py", "-type", "f") },
		func() time.Duration { return command(dir, 0, fd, "--hidden", "--type", "f", "--glob", "*.py") },
		func() time.Duration {
			return command(dir, 0, "rg", "--no-config", "--files", "--hidden", "--glob", "!.git", "--glob", "*.py")
		},
	}
	med := measure(*runs, timers)
	fmt.Printf("%-34s %9.1f %9.1f %6.2fx %9.1f %6.2fx %9.1f %6.2fx\n", "**/*.py", med[0], med[1], med[0]/med[1], med[2], med[0]/med[2], med[3], med[0]/med[3])
	fmt.Printf("server: peak RSS %s over all the searches above\n", rss(cmd.Process.Pid, "VmHWM"))
	return nil
}

// measure runs each timer once to warm up, then runs times in turn (so
// that load from elsewhere falls on all of them alike), and returns each
// timer's median in milliseconds; a nil timer gets 0.
func measure(runs int, timers []func() time.Duration) []float64 {
	samples := make([][]float64, len(timers))
	for round := -1; round < runs; round++ {
		for i, t := range timers {
			if t == nil {
				continue
			}
			d := t()
			if round >= 0 {
				samples[i] = append(samples[i], ms(d))
			}
		}
	}
	med := make([]float64, len(timers))
	for i, s := range samples {
		if len(s) > 0 {
			slices.Sort(s)
			med[i] = s[len(s)/2]
		}
	}
	return med
}

// command runs a program in dir with its output discarded and returns how
// long it took; with head > 0 it stops reading after that many lines, as
// `| head` would, and the program ends on its closed pipe.
func command(dir string, head int, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	start := time.Now()
	if head == 0 {
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			log.Fatal(err)
		}
		defer devnull.Close()
		cmd.Stdout = devnull
		if err := cmd.Run(); err != nil && !isExit1(err) {
			log.Fatalf("%s %v: %v", name, args, err)
		}
		return time.Since(start)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 0; n < head && sc.Scan(); n++ {
	}
	out.Close()
	_ = cmd.Wait() // killed by the closed pipe, or done
	return time.Since(start)
}

func isExit1(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == 1 // no match
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func short(p string) string {
	if len(p) > 8 {
		return p[:7] + "…"
	}
	return p
}

// rss reads a memory figure (VmRSS, VmHWM) of a process.
func rss(pid int, field string) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return fmt.Sprintf("%.1f MB", float64(kb)/1024)
		}
	}
	return "unknown"
}

// treeSize counts the regular files and bytes under dir (and warms the
// page cache for every tool alike).
func treeSize(dir string) (int, int64) {
	var n int
	var size int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n++
				size += fi.Size()
				if f, err := os.Open(p); err == nil {
					io.Copy(io.Discard, f)
					f.Close()
				}
			}
		}
		return nil
	})
	return n, size
}
