package tools

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rgFixture is a tree on which Grep must agree with ripgrep. It leaves out
// what the two do differently on purpose: symlinked files (ripgrep skips
// them, Grep follows those that stay inside), lines over 500 columns
// (ripgrep prints a bare marker, Grep the text around the match) and file
// names whose byte order differs from ripgrep's component order.
var rgFixture = map[string]string{
	".git/HEAD":            "ref: refs/heads/main needle\n",
	".gitignore":           "*.log\n!keep.log\nbuild/\n/top.txt\n",
	".ignore":              "secrets/\n",
	".hidden/config.py":    "needle = 'hidden'\n",
	"app/main.py":          "import os\n\ndef main():\n    # TODO: find the needle\n    needle = os.getenv('NEEDLE')\n    return needle\n\nclass Needle:\n    pass\n",
	"app/util.py":          "def helper():\n    return 'no match here'\n\ndef other():\n    return 'Needle in caps, needle twice: needle'\n",
	"app/.gitignore":       "gen_*.py\n!gen_keep.py\n",
	"app/gen_x.py":         "needle = 'ignored'\n",
	"app/gen_keep.py":      "needle = 'kept by negation'\n",
	"app/deep/top.txt":     "needle: anchored patterns apply at their own level only\n",
	"top.txt":              "needle at the top, ignored\n",
	"build/out.py":         "needle = 'ignored directory'\n",
	"secrets/key.txt":      "needle in .ignore'd directory\n",
	"debug.log":            "needle in a log\n",
	"keep.log":             "needle in a kept log\n",
	"data.bin":             "needle\x00binary\n",
	"windows.txt":          "first line\r\nneedle with CRLF\r\nlast needle\r\n",
	"web/app.js":           "// FIXME: the needle\nconst needle = 1;\nexport { needle };\n// todo: more\n",
	"web/style.css":        ".needle { color: red; }\n",
	"docs/guide.md":        "# Guide\n\nFind the needle.\n\nTODO write more\n",
	"docs/notes.markdown":  "needle\nneedle\nno\nneedle\n",
	"src/lib.rs":           "fn needle() -> u32 {\n    42\n}\n",
	"src/deep/a/b/c.go":    "package c\n\nfunc Needle() {}\n",
	"noeol.txt":            "no newline at the end: needle",
	"empty.txt":            "",
	"unicode/straße.txt":   "Straße needle café NEEDLE\n",
	"many/one.txt":         strings.Repeat("needle\nhay\nhay\n", 50),
	"many/two.txt":         strings.Repeat("hay\n", 40) + "needle\n" + strings.Repeat("hay\n", 40),
	"many/sub/three.txt":   "needle\n",
	"many/sub/four.py":     "x = 'needle'\ny = 'needle'\n",
	"big/large.txt":        strings.Repeat("hay hay hay hay hay hay hay hay\n", 10000) + "needle deep inside\n" + strings.Repeat("hay\n", 10000),
	"big/binary-late.txt":  strings.Repeat("needle early\n", 10) + strings.Repeat("x", 70000) + "\x00" + "needle late\n",
	"big/many-lines.txt":   strings.Repeat("needle line\n", 600),
	"tabs.txt":             "\tneedle\twith\ttabs\n",
	"edge/needle-only.txt": "needle",
}

func TestGrepMatchesRipgrep(t *testing.T) {
	t.Parallel()
	rg, err := exec.LookPath("rg")
	if err != nil {
		t.Skip("ripgrep (rg) is not installed")
	}
	h := newHarness(t)
	for name, content := range rgFixture {
		h.write(name, content)
	}
	home := t.TempDir() // no global git excludes or ripgrep config
	runRg := func(args ...string) string {
		base := []string{"--no-config", "--hidden", "--no-follow", "--crlf",
			"--glob", "!.git", "--glob", "!.svn", "--glob", "!.hg", "--glob", "!.bzr", "--glob", "!.jj", "--glob", "!.sl"}
		cmd := exec.Command(rg, append(base, args...)...)
		cmd.Dir = h.dir
		cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "PATH=" + os.Getenv("PATH")}
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return "" // no match
		}
		require.NoError(t, err, "rg %s: %s", args, out)
		out = bytes.ReplaceAll(out, []byte("\r\n"), []byte("\n"))
		// Grep says this in a note at the end instead.
		out = regexp.MustCompile(`(?m)^.*WARNING: stopped searching binary file.*\n`).ReplaceAll(out, nil)
		return string(out)
	}

	cases := []struct {
		args map[string]any
		rg   []string
	}{
		{map[string]any{"pattern": "needle"}, []string{"-l", "needle"}},
		{map[string]any{"pattern": "needle", "-i": true}, []string{"-l", "-i", "needle"}},
		{map[string]any{"pattern": `\bneedle\b`}, []string{"-l", `\bneedle\b`}},
		{map[string]any{"pattern": "(?i)todo|fixme"}, []string{"-l", "(?i)todo|fixme"}},
		{map[string]any{"pattern": "needle", "glob": "*.py"}, []string{"-l", "--glob", "*.py", "needle"}},
		{map[string]any{"pattern": "needle", "glob": "*.log"}, []string{"-l", "--glob", "*.log", "needle"}},
		{map[string]any{"pattern": "needle", "glob": "!app/**"}, []string{"-l", "--glob", "!app/**", "needle"}},
		{map[string]any{"pattern": "needle", "type": "py"}, []string{"-l", "--type", "py", "needle"}},
		{map[string]any{"pattern": "needle", "type": "md"}, []string{"-l", "--type", "md", "needle"}},
		{map[string]any{"pattern": "needle", "path": "build"}, []string{"-l", "needle", "build"}},
		{map[string]any{"pattern": "needle", "output_mode": "content"}, []string{"-n", "needle"}},
		{map[string]any{"pattern": "needle", "output_mode": "content", "-n": false}, []string{"needle"}},
		{map[string]any{"pattern": "needle$", "output_mode": "content"}, []string{"-n", "needle$"}},
		{map[string]any{"pattern": `^\s+return`, "output_mode": "content"}, []string{"-n", `^\s+return`}},
		{map[string]any{"pattern": "NEEDLE|café", "-i": true, "output_mode": "content"}, []string{"-n", "-i", "NEEDLE|café"}},
		{map[string]any{"pattern": "straße", "-i": true, "output_mode": "content"}, []string{"-n", "-i", "straße"}},
		{map[string]any{"pattern": "needle", "output_mode": "content", "-C": 1}, []string{"-n", "-C", "1", "needle"}},
		{map[string]any{"pattern": "needle", "output_mode": "content", "-A": 2, "-B": 1, "path": "many"}, []string{"-n", "-A", "2", "-B", "1", "needle", "many"}},
		{map[string]any{"pattern": "needle", "output_mode": "content", "-B": 3, "path": "big"}, []string{"-n", "-B", "3", "needle", "big"}},
		{map[string]any{"pattern": "ne+dle|FIXME", "output_mode": "content", "-o": true}, []string{"-n", "-o", "ne+dle|FIXME"}},
		{map[string]any{"pattern": "needle", "output_mode": "count"}, []string{"-c", "needle"}},
		{map[string]any{"pattern": "needle", "output_mode": "count", "-o": true}, []string{"-c", "-o", "needle"}},
		{map[string]any{"pattern": `\w+\(\)`, "output_mode": "count"}, []string{"-c", `\w+\(\)`}},
		{map[string]any{"pattern": `def \w+\(\):\n\s+return`, "multiline": true, "output_mode": "content"}, []string{"-n", "-U", "--multiline-dotall", `def \w+\(\):\n\s+return`}},
		{map[string]any{"pattern": `class.*pass`, "multiline": true, "output_mode": "content"}, []string{"-n", "-U", "--multiline-dotall", `class.*pass`}},
		{map[string]any{"pattern": "needle", "path": "app/main.py", "output_mode": "content"}, []string{"-n", "needle", "app/main.py"}},
	}
	for _, c := range cases {
		c.args["head_limit"] = 0
		got := h.ok("Grep", c.args)
		want := runRg(c.rg...)
		require.NotEmpty(t, want, "rg %v matches nothing: the case tests nothing", c.rg)
		mode, _ := c.args["output_mode"].(string)
		switch mode {
		case "", "files_with_matches":
			assert.Equal(t, sortedLines(want), sortedLines(strings.SplitN(got, "\n", 2)[1]), "Grep %v vs rg %v", c.args, c.rg)
		case "count":
			// ripgrep's count leaves out a binary file whose NUL comes
			// after matches, which its other modes show; Grep counts them.
			body, _, _ := strings.Cut(got, "\n\nFound ")
			counts := slices.DeleteFunc(sortedLines(body), func(l string) bool { return strings.HasPrefix(l, "big/binary-late.txt:") })
			assert.Equal(t, sortedLines(want), counts, "Grep %v vs rg %v", c.args, c.rg)
		default:
			body, _, _ := strings.Cut(got, "\n\n[") // notes at the end
			wantFiles, gotFiles := byFile(want), byFile(body)
			for name := range mergeKeys(wantFiles, gotFiles) {
				assert.Equal(t, wantFiles[name], gotFiles[name], "Grep %v vs rg %v: file %s", c.args, c.rg, name)
			}
		}
	}
}

func mergeKeys(a, b map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// sortedLines returns the non-empty lines of s, sorted.
func sortedLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return lines
}

// byFile splits content output into each file's lines (separators kept
// within a file), so the order of files does not matter.
func byFile(s string) map[string]string {
	files := map[string]string{}
	var last string
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l == "--" {
			files[last] += "--\n"
			continue
		}
		name := l
		if i := strings.IndexAny(l, ":-"); i >= 0 {
			name = l[:i]
			// A name holding - or : is found by the file it names.
			for j := i; j < len(l); j++ {
				if l[j] != ':' && l[j] != '-' {
					continue
				}
				if _, ok := rgFixture[l[:j]]; ok {
					name = l[:j]
					break
				}
			}
		}
		if _, ok := rgFixture[name]; !ok {
			name = "(single file)"
		}
		if name != last && files[last] != "" {
			files[last] = strings.TrimSuffix(files[last], "--\n")
		}
		files[name] += l + "\n"
		last = name
	}
	files[last] = strings.TrimSuffix(files[last], "--\n")
	for k, v := range files {
		if v == "" {
			delete(files, k)
		}
	}
	return files
}

func init() {
	// Keep the fixture's paths honest: byFile relies on exact names.
	for name := range rgFixture {
		if filepath.Clean(name) != name {
			panic(fmt.Sprintf("rgFixture: unclean name %q", name))
		}
	}
}
