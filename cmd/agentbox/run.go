package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// scriptStep is one line of a script: a tool and its arguments.
type scriptStep struct {
	line      int
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
}

// stepResult is one line of run's output.
type stepResult struct {
	Step       int     `json:"step"`
	Line       int     `json:"line"`
	Tool       string  `json:"tool"`
	IsError    bool    `json:"is_error"`
	Text       string  `json:"text"`
	DurationMS float64 `json:"duration_ms"`
}

// runCmd replays a JSON Lines script of tool calls in one session and
// writes one JSON line per step. Exit status: 0 when every step succeeded,
// 1 when one failed, 2 for bad usage or a malformed script (then nothing
// runs).
func runCmd(ctx context.Context, e *env, args []string) int {
	var cfg config
	fs := flags(e, "run", &cfg)
	stopOnError := fs.Bool("stop-on-error", false, "stop at the first step whose result is an error")
	args, code := parse(e, fs, args, "SCRIPT|-")
	if code >= 0 {
		return code
	}
	if len(args) != 1 {
		fmt.Fprintln(e.stderr, "agentbox run: want one SCRIPT file, or - for stdin")
		return 2
	}
	name := args[0]
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(e.stderr, "agentbox run:", err)
			return 2
		}
		defer f.Close()
		r = f
	} else {
		name = "stdin"
	}
	steps, err := parseScript(r)
	if err != nil {
		fmt.Fprintf(e.stderr, "agentbox run: %s: %v; nothing was run\n", name, err)
		return 2
	}

	srv, c, code := openSession(ctx, e, &cfg, "agentbox-run")
	if c == nil {
		return code
	}
	defer srv.Close()
	defer c.Close()
	out := json.NewEncoder(e.stdout)
	out.SetEscapeHTML(false)
	failed := false
	for i, st := range steps {
		start := time.Now()
		res, err := callTool(ctx, c, st.Tool, st.Arguments)
		step := stepResult{Step: i + 1, Line: st.line, Tool: st.Tool, DurationMS: float64(time.Since(start).Microseconds()) / 1000}
		if err != nil {
			step.IsError, step.Text = true, err.Error()
		} else {
			step.IsError, step.Text = res.IsError, resultText(res)
		}
		if err := out.Encode(step); err != nil {
			fmt.Fprintln(e.stderr, "agentbox run:", err)
			return 1
		}
		if step.IsError {
			failed = true
			if *stopOnError {
				break
			}
		}
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "agentbox run: interrupted")
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

// parseScript reads a whole script before anything runs, so a malformed
// line stops it before its first step. Blank lines and lines starting with
// # or // are skipped. Errors name the line.
func parseScript(r io.Reader) ([]scriptStep, error) {
	var steps []scriptStep
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' || bytes.HasPrefix(line, []byte("//")) {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		st := scriptStep{line: n}
		if err := dec.Decode(&st); err != nil {
			return nil, fmt.Errorf("line %d: malformed step: %v (want {\"tool\": NAME, \"arguments\": {...}})", n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("line %d: malformed step: more than one JSON value on the line", n)
		}
		if st.Tool == "" {
			return nil, fmt.Errorf("line %d: malformed step: no \"tool\"", n)
		}
		steps = append(steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(steps) == 0 {
		return nil, errors.New("the script has no steps")
	}
	return steps, nil
}
