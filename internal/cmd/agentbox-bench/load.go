package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentbox/agentbox/internal/corpus"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// load is the after-write checks under load: sessions MCP sessions over
// loopback HTTP to one server, each writing edits Python files of about
// 300 lines back to back, each with an undefined name of its own that
// pyflakes reports. Then each session makes cheap calls, which bring
// what late checks found, until every check is accounted for or drain
// runs out. A check is told in its write's own result, told in a later
// result, given up aloud (a result names its file as unchecked), or, when
// writes go to the same file, superseded by the next write of it; any
// other is skipped silently, which must not happen.
func load(bin, workspace string, sessions, edits int, same bool, drain time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url, stop, err := startHTTPServer(ctx, bin, workspace)
	if err != nil {
		return err
	}
	defer stop()

	base := corpus.PythonTests(300)
	type check struct {
		file, name string
		inline     bool // told in its write's result
		late       bool // told in a later result
		givenUp    bool
		superseded bool
		stale      bool // told after a newer write of its file
	}
	var (
		mu      sync.Mutex
		writes  []time.Duration
		firstEr error
	)
	all := make([][]*check, sessions)
	t0 := time.Now()
	var wg sync.WaitGroup
	for s := range sessions {
		wg.Go(func() {
			fail := func(err error) {
				mu.Lock()
				if firstEr == nil {
					firstEr = fmt.Errorf("session %d: %w", s, err)
				}
				mu.Unlock()
			}
			c, err := client.NewStreamableHttpClient(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + loadToken}))
			if err != nil {
				fail(err)
				return
			}
			defer c.Close()
			if err := c.Start(ctx); err != nil {
				fail(err)
				return
			}
			if _, err := c.Initialize(ctx, mcp.InitializeRequest{}); err != nil {
				fail(err)
				return
			}
			var mine []*check
			seen := func(text string) {
				for _, ck := range mine {
					if strings.Contains(text, "undefined name '"+ck.name+"'") {
						if ck.superseded {
							ck.stale = true
						}
						ck.late = !ck.inline
					}
					if strings.Contains(text, ck.file+" was not checked") || (strings.Contains(text, "Checks of "+ck.file+" after your ") && (strings.Contains(text, " were given up: ") || strings.Contains(text, " were skipped: "))) {
						ck.givenUp = true
					}
				}
			}
			for e := range edits {
				file := fmt.Sprintf("s%02d_%02d.py", s, e)
				if same {
					file = fmt.Sprintf("s%02d.py", s)
				}
				name := fmt.Sprintf("undefined_s%02d_e%02d", s, e)
				if same && len(mine) > 0 {
					mine[len(mine)-1].superseded = true // unless told already
				}
				ck := &check{file: file, name: name}
				mine = append(mine, ck)
				start := time.Now()
				text, err := callText(ctx, c, "Write", map[string]any{"file_path": file, "content": base + "print(" + name + ")\n"})
				took := time.Since(start)
				if err != nil {
					fail(err)
					return
				}
				mu.Lock()
				writes = append(writes, took)
				mu.Unlock()
				ck.inline = strings.Contains(text, "undefined name '"+name+"'")
				seen(text)
			}
			deadline := time.Now().Add(drain)
			for time.Now().Before(deadline) {
				if !slices.ContainsFunc(mine, func(ck *check) bool { return !(ck.inline || ck.late || ck.givenUp || ck.superseded) }) {
					break
				}
				text, err := callText(ctx, c, "Glob", map[string]any{"pattern": "no-such-file-*"})
				if err != nil {
					fail(err)
					return
				}
				seen(text)
				time.Sleep(50 * time.Millisecond) // a bench's pacing, not a test's wait
			}
			mu.Lock()
			all[s] = mine
			mu.Unlock()
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	if firstEr != nil {
		return firstEr
	}
	var inline, late, givenUp, superseded, silent, stale int
	var missing []string
	for _, mine := range all {
		for _, ck := range mine {
			if ck.stale {
				stale++
			}
			switch {
			case ck.inline:
				inline++
			case ck.late:
				late++
			case ck.givenUp:
				givenUp++
			case ck.superseded:
				superseded++
			default:
				silent++
				missing = append(missing, ck.name)
			}
		}
	}
	mode := "a new file each"
	if same {
		mode = "one file per session, rewritten"
	}
	fmt.Printf("load: %d HTTP sessions × %d Writes (%s), %d checks in %.1fs\n", sessions, edits, mode, sessions*edits, wall.Seconds())
	fmt.Printf("  told in the write's result %d, told later %d, given up aloud %d, superseded %d, skipped silently %d; stale findings told %d\n", inline, late, givenUp, superseded, silent, stale)
	report("  Write of a 300-line file", writes)
	if silent > 0 {
		return fmt.Errorf("%d checks were skipped silently, e.g. %v", silent, missing[:min(len(missing), 5)])
	}
	if stale > 0 {
		return fmt.Errorf("%d superseded checks were told", stale)
	}
	return nil
}

// loadToken is the bearer token of the load test's server.
const loadToken = "agentbox-bench-load-token-0123456789"

var servingRE = regexp.MustCompile(`serving MCP over HTTP.*url=(\S+)`)

// startHTTPServer starts the server over HTTP on a loopback port and
// returns its URL and how to stop it.
func startHTTPServer(ctx context.Context, bin, workspace string) (string, func(), error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--workspace", workspace, "--http", "127.0.0.1:0", "--log-level", "info", "--max-sessions", "1000"}, extraArgs...)...)
	cmd.Env = append(os.Environ(), "AGENTBOX_TOKEN="+loadToken)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() {
				for sc.Scan() {
					if strings.Contains(sc.Text(), "level=ERROR") {
						fmt.Fprintln(os.Stderr, sc.Text())
					}
				}
			}()
			return strings.Trim(m[1], `"`), stop, nil
		}
	}
	stop()
	return "", nil, errors.New("the server did not say where it serves")
}

// callText calls a tool and returns its text, failing on an error result.
func callText(ctx context.Context, c *client.Client, tool string, args map[string]any) (string, error) {
	var req mcp.CallToolRequest
	req.Params.Name, req.Params.Arguments = tool, args
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, ct := range res.Content {
		if t, ok := ct.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	if res.IsError {
		return "", fmt.Errorf("%s failed: %s", tool, b.String())
	}
	return b.String(), nil
}
