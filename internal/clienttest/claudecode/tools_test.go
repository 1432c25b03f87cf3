//go:build linux

package claudecode

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// workspace makes the project the tools scenario works on.
func workspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"requirements.txt": "fastapi\n",
		"app/__init__.py":  "",
		"app/main.py":      "from fastapi import FastAPI\n\napp = FastAPI()\n",
		"app/orders.py": `def list_orders(db):
    return db.query("orders")


def get_order(db, order_id):
    return db.get("orders", order_id)


def cancel_order(db, order_id):
    return db.delete("orders", order_id)
`,
		"broken.py": "def total(items:\n    return sum(items)\n",
	}
	// 30 notes with a TODO each, for Grep's pages.
	for i := 1; i <= 30; i++ {
		files[fmt.Sprintf("notes/n%02d.md", i)] = fmt.Sprintf("# Note %d\n\nTODO: follow up on item %d\n", i, i)
	}
	// 120 files, for Glob's limit of 100 paths.
	for i := range 120 {
		files[fmt.Sprintf("gen/f%03d.txt", i)] = "x\n"
	}
	// A 2,000-line module of about 108 KB: Read's default page is all of it.
	var big strings.Builder
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&big, "def function_%04d(argument_one, argument_two):  # %s\n", i, strings.Repeat("x", 2))
	}
	files["big.py"] = padLines(big.String(), 54)
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// padLines pads each line of s with spaces to width characters.
func padLines(s string, width int) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if body := strings.TrimSuffix(l, "\n"); len(body) < width && l != "" {
			lines[i] = body + strings.Repeat(" ", width-len(body)) + "\n"
		}
	}
	return strings.Join(lines, "")
}

var (
	bashIDRE = regexp.MustCompile(`bash_id\W+([A-Za-z0-9_.-]+)`)
	offsetRE = regexp.MustCompile(`offset\W+(\d+)`)
)

// toolsScript calls every tool, as a model working on the workspace would.
func toolsScript() []step {
	bashID := func(step string) func(prev func(string) string) map[string]any {
		return func(prev func(string) string) map[string]any {
			m := bashIDRE.FindStringSubmatch(prev(step))
			if m == nil {
				return nil
			}
			return map[string]any{"bash_id": m[1]}
		}
	}
	return []step{
		call("read", "Read", map[string]any{"file_path": "app/orders.py"}),
		call("write", "Write", map[string]any{"file_path": "app/health.py", "content": "def health():\n    return {\"ok\": True}\n"}),
		call("edit", "Edit", map[string]any{"file_path": "app/orders.py", "old_string": `return db.query("orders")`, "new_string": `return db.query("orders").all()`}),
		call("glob", "Glob", map[string]any{"pattern": "**/*.py"}),
		call("glob_many", "Glob", map[string]any{"pattern": "gen/*.txt"}),
		call("grep_files", "Grep", map[string]any{"pattern": "TODO", "output_mode": "files_with_matches", "head_limit": 10}),
		call("grep_files_page2", "Grep", map[string]any{"pattern": "TODO", "output_mode": "files_with_matches", "head_limit": 10, "offset": 10}),
		call("grep_content", "Grep", map[string]any{"pattern": `def \w+_order`, "path": "app", "output_mode": "content", "-n": true}),
		call("grep_content_page", "Grep", map[string]any{"pattern": "TODO", "output_mode": "content", "head_limit": 5, "offset": 5}),
		call("grep_count", "Grep", map[string]any{"pattern": "TODO", "output_mode": "count", "head_limit": 5}),
		call("read_big", "Read", map[string]any{"file_path": "big.py"}),
		call("diagnostics", "Diagnostics", map[string]any{"path": "broken.py"}),
		call("bash", "Bash", map[string]any{"command": "echo hello from bash && echo second line"}),
		call("bash_big", "Bash", map[string]any{"command": "seq 1 40000"}),
		{id: "bash_big_more", tool: "BashOutput", input: func(prev func(string) string) map[string]any {
			text := prev("bash_big")
			id, off := bashIDRE.FindStringSubmatch(text), offsetRE.FindStringSubmatch(text)
			if id == nil || off == nil {
				return nil
			}
			return map[string]any{"bash_id": id[1], "offset": off[1]}
		}},
		call("bash_bg", "Bash", map[string]any{"command": "echo tick 1; echo tick 2; sleep 60", "run_in_background": true}),
		{id: "bash_output", tool: "BashOutput", input: bashID("bash_bg"),
			until: func(text string) bool { return strings.Contains(text, "tick 2") }},
		{id: "kill", tool: "KillShell", input: func(prev func(string) string) map[string]any {
			m := bashIDRE.FindStringSubmatch(prev("bash_bg"))
			if m == nil {
				return nil
			}
			return map[string]any{"shell_id": m[1]}
		}},
		{id: "bash_output_killed", tool: "BashOutput", input: bashID("bash_bg")},
	}
}

// stepGaps are the steps whose results show a gap of issue 13, for -record.
var stepGaps = map[string]int{
	"glob_many": 1, "grep_files": 1, "grep_files_page2": 1, "grep_content": 1, "grep_content_page": 1, "grep_count": 1,
	"read_big": 2,
}

// agentboxTools are the tools the model should be offered, and only they,
// by their names in Claude Code.
var agentboxTools = []string{"Bash", "BashOutput", "Changes", "Diagnostics", "Edit", "Glob", "Grep", "KillShell", "Read", "Undo", "Write"}

// TestClaudeCode plays one session per transport, stdio and HTTP: the user
// runs the python-specialist prompt with a task, and the model, working on
// it, calls every tool. The checks look at what the model receives: the
// prompt's messages, the tools it is offered, and each tool's result.
func TestClaudeCode(t *testing.T) {
	claudeCode(t)
	t.Parallel()
	overEach(t, func(t *testing.T, transport string) {
		ws := workspace(t)
		s := session{workspace: ws, prompt: "/mcp__agentbox__python-specialist " + task, marker: task, script: toolsScript()}
		s.serve(t, transport)
		tr := run(t, s)
		results := map[string]string{}
		for _, st := range s.script {
			r := tr.model.result(st.id)
			if r == nil {
				t.Fatalf("the fake model got no result for step %s", st.id)
			}
			if r.IsError {
				t.Errorf("step %s: the model gets an error: %s", st.id, excerpt(r.Text))
			}
			results[st.id] = r.Text
			if transport == "stdio" {
				name := fmt.Sprintf("%02d %s: %s", len(results), st.tool, st.id)
				if n := stepGaps[st.id]; n > 0 {
					name += fmt.Sprintf(" (gap %d)", n)
				}
				record(name, shorten(r.Text), tr.dirs)
			}
		}
		t.Run("prompt", func(t *testing.T) { checkPrompt(t, tr, transport) })
		checkTools(t, tr)
		checkResults(t, ws, results)
	})
}

// checkTools checks the tools the model is offered: with Claude Code's own
// tools off, agentbox's nine, each with its schema (not deferred behind
// ToolSearch). Claude Code 2.1.332 adds DeferredToolPlaceholder, a
// reserved stub with defer_loading set that "keeps deferred tool loading
// active; never call this tool".
func checkTools(t *testing.T, tr *transcript) {
	t.Run("offers the model agentbox's tools and no other", func(t *testing.T) {
		req, ok := tr.model.firstRequest()
		if !ok {
			t.Fatal("no request")
		}
		var offered []string
		for _, tool := range req.Tools {
			if tool.Name == "DeferredToolPlaceholder" && tool.DeferLoading {
				continue
			}
			name, ok := strings.CutPrefix(tool.Name, toolPrefix)
			switch {
			case !ok:
				t.Errorf("the model is offered %s, which is not agentbox's", tool.Name)
			case tool.DeferLoading:
				t.Errorf("%s is deferred: the model sees its name only", tool.Name)
			case len(tool.InputSchema) == 0 || tool.Description == "":
				t.Errorf("%s comes without its description or schema", tool.Name)
			}
			offered = append(offered, name)
		}
		sort.Strings(offered)
		if !slices.Equal(offered, agentboxTools) {
			t.Errorf("the model is offered %v; want %v", offered, agentboxTools)
		}
	})
}

// checkResults checks each step's result as the model receives it.
func checkResults(t *testing.T, ws string, r map[string]string) {
	t.Run("Read", func(t *testing.T) {
		wantContains(t, r["read"], "1\tdef list_orders(db):\n2\t    return db.query(\"orders\")\n", "the file's lines, numbered")
		wantContains(t, r["read"], "10\t    return db.delete(\"orders\", order_id)", "the last line")
	})
	t.Run("Read of a 108 KB file gives a page the model can read, and where to go on", func(t *testing.T) {
		gapCheck(t, 2, func(c checker) {
			got := r["read_big"]
			wantFits(c, got)
			wantContains(c, got, "def function_0001(", "the file's first line")
			m := regexp.MustCompile(`offset\W{1,4}(\d+)`).FindStringSubmatch(got)
			if m == nil {
				c.Errorf("the model should get the offset to continue at; it gets:\n%s", excerpt(got))
				return
			}
			next, _ := strconv.Atoi(m[1])
			wantContains(c, got, fmt.Sprintf("def function_%04d(", next-1), "the line before the offset to continue at")
			wantNot(c, got, fmt.Sprintf("def function_%04d(", next), "the line at the offset to continue at")
		})
	})
	t.Run("Write", func(t *testing.T) {
		wantContains(t, r["write"], "Created app/health.py", "what was written")
		if b, err := os.ReadFile(filepath.Join(ws, "app/health.py")); err != nil || !strings.Contains(string(b), "def health():") {
			t.Errorf("app/health.py was not written: %v %q", err, b)
		}
	})
	t.Run("Edit", func(t *testing.T) {
		wantContains(t, r["edit"], "replaced 1 occurrence", "what changed")
		wantContains(t, r["edit"], `2	    return db.query("orders").all()`, "the edited line in its context")
		if b, err := os.ReadFile(filepath.Join(ws, "app/orders.py")); err != nil || !strings.Contains(string(b), `db.query("orders").all()`) {
			t.Errorf("app/orders.py was not edited: %v %q", err, b)
		}
	})
	t.Run("Glob", func(t *testing.T) {
		for _, f := range []string{"app/orders.py", "app/health.py", "app/main.py", "app/__init__.py", "big.py", "broken.py"} {
			wantContains(t, r["glob"], f, "every matching file")
		}
	})
	t.Run("Glob says how many more files matched than it lists", func(t *testing.T) {
		gapCheck(t, 1, func(c checker) {
			got := r["glob_many"]
			if n := strings.Count(got, "gen/f"); n != 100 {
				c.Errorf("the model should get 100 paths; it gets %d", n)
			}
			wantMatch(c, got, `\b20 more\b`, "the note that 20 more files matched")
		})
	})
	t.Run("Grep files_with_matches", func(t *testing.T) {
		for _, step := range []string{"grep_files", "grep_files_page2"} {
			if n := strings.Count(r[step], "notes/n"); n != 10 {
				t.Errorf("%s: the model should get 10 paths; it gets %d:\n%s", step, n, excerpt(r[step]))
			}
		}
	})
	t.Run("Grep files_with_matches says where the next page starts", func(t *testing.T) {
		gapCheck(t, 1, func(c checker) {
			wantMatch(c, r["grep_files"], `offset\W{1,4}10\b`, "the offset of the next page")
			wantMatch(c, r["grep_files_page2"], `offset\W{1,4}20\b`, "the offset of the next page")
		})
	})
	t.Run("Grep content gives the matching lines", func(t *testing.T) {
		gapCheck(t, 1, func(c checker) {
			got := r["grep_content"]
			wantContains(c, got, "app/orders.py", "the file")
			for _, line := range []string{"1\\D{1,12}def list_orders\\(db\\):", "5\\D{1,12}def get_order\\(db, order_id\\):", "9\\D{1,12}def cancel_order\\(db, order_id\\):"} {
				wantMatch(c, got, line, "a matching line with its number")
			}
		})
	})
	t.Run("Grep content pages through the lines", func(t *testing.T) {
		gapCheck(t, 1, func(c checker) {
			got := r["grep_content_page"]
			for i := 6; i <= 10; i++ {
				wantContains(c, got, fmt.Sprintf("TODO: follow up on item %d", i), "a line of the page")
			}
			wantNot(c, got, "item 5\n", "a line of the page before")
			wantMatch(c, got, `offset\W{1,4}10\b`, "the offset of the next page")
		})
	})
	t.Run("Grep count", func(t *testing.T) {
		for i := 1; i <= 5; i++ {
			// notes/n01.md:1, or {"count":1,"path":"notes/n01.md"}
			wantMatch(t, r["grep_count"], fmt.Sprintf(`notes/n%02d\.md\W{1,12}1\b|\b1\W{1,12}path\W{1,4}notes/n%02d\.md`, i, i), "a file with its count")
		}
	})
	t.Run("Grep count gives the total and where the next page starts", func(t *testing.T) {
		gapCheck(t, 1, func(c checker) {
			wantMatch(c, r["grep_count"], `\b30 matching lines`, "the total")
			wantMatch(c, r["grep_count"], `offset\W{1,4}5\b`, "the offset of the next page")
		})
	})
	t.Run("Diagnostics", func(t *testing.T) {
		wantMatch(t, r["diagnostics"], `broken\.py:1:\d+: SyntaxError: '\(' was never closed`, "the problem with its place")
	})
	t.Run("Bash in the foreground", func(t *testing.T) {
		wantContains(t, r["bash"], "hello from bash\nsecond line", "the command's output")
	})
	t.Run("Bash output over the limit is cut with a note on where to read on", func(t *testing.T) {
		got := r["bash_big"]
		wantFits(t, got)
		wantContains(t, got, "1\n2\n3\n", "the output's beginning")
		wantContains(t, got, "39999\n40000", "the output's end")
		wantMatch(t, got, `bash_id\W+\w+`, "the job to read on from")
		wantMatch(t, got, `offset\W{1,4}\d+`, "the offset to read on from")
	})
	t.Run("BashOutput reads on from the offset", func(t *testing.T) {
		got := r["bash_big_more"]
		wantFits(t, got)
		wantMatch(t, got, `exited with code 0`, "how the job ended")
		wantNot(t, got, "\n1\n2\n3\n", "the output's beginning again")
	})
	t.Run("Bash in the background, BashOutput and KillShell", func(t *testing.T) {
		wantMatch(t, r["bash_bg"], `Started in the background with ID \w+`, "the job's ID")
		wantContains(t, r["bash_output"], "tick 1\ntick 2\n", "the job's output")
		wantMatch(t, r["bash_output"], `running`, "that the job is running")
		wantMatch(t, r["kill"], `^Stopped \w+`, "that the job was stopped")
		wantContains(t, r["bash_output_killed"], "stopped by KillShell", "how the job ended")
	})
	t.Run("every result fits what Claude Code passes on", func(t *testing.T) {
		gapCheck(t, 2, func(c checker) {
			for _, step := range slices.Sorted(maps.Keys(r)) {
				got := r[step]
				if parked(got) || len(got) > resultLimit {
					c.Errorf("step %s: %d characters, parked: %v:\n%s", step, len(got), parked(got), excerpt(got))
				}
			}
		})
	})
}

// shorten keeps a long result's start and end for -record.
func shorten(s string) string {
	const most, head, tail = 2500, 1000, 500
	if len(s) <= most {
		return s
	}
	return fmt.Sprintf("%s\n[... %d characters left out here ...]\n%s", s[:head], len(s)-head-tail, s[len(s)-tail:])
}
