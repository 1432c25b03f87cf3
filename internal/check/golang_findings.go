package check

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/agentbox/agentbox/internal/check/gocheck"
)

// Turning what go/packages and the go command say into findings.

// goFindings turns a package's errors into findings. dir is where the go
// command ran, which relative positions are relative to.
func (c *Checker) goFindings(pkg gocheck.Package, dir string) []finding {
	// With cgo, the type check cannot import "C" when cgo failed: cgo's
	// own words (in the compiler's output) say why.
	cgoFailed := slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import C ")
	}) && slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ")
	})
	typed := !cgoFailed && slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool {
		return e.Kind == packages.TypeError || e.Kind == packages.ParseError
	})
	var out []finding
	// A dependency that could not be loaded (not downloaded, not in
	// go.mod) is explained by the go command at the import; the type
	// check's "could not import" for it says less.
	broken := map[string]bool{}
	for _, ipath := range slices.Sorted(maps.Keys(pkg.ImportErrors)) {
		for _, e := range pkg.ImportErrors[ipath] {
			broken[ipath] = true
			f := c.goFinding(e.Pos, dir, e.Msg, "go list")
			if !strings.Contains(f.msg, ipath) {
				f.msg = ipath + ": " + f.msg
			}
			out = append(out, f)
		}
	}
	for _, e := range pkg.Errors {
		if cgoFailed && e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import C ") {
			continue
		}
		if e.Kind == packages.TypeError && strings.HasPrefix(e.Msg, "could not import ") {
			if ipath, _, _ := strings.Cut(strings.TrimPrefix(e.Msg, "could not import "), " "); broken[ipath] {
				continue
			}
		}
		if e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ") {
			// The compiler's own output (go list -export builds the
			// package): the same errors the type check found, or, when
			// it found none, the only word on them.
			if !typed {
				out = append(out, c.compilerFindings(e.Msg, dir)...)
			}
			continue
		}
		f := c.goFinding(e.Pos, dir, e.Msg, goChecker(e.Kind))
		if e.Kind == packages.ParseError && slices.ContainsFunc(out, func(g finding) bool {
			return g.checker == f.checker && g.file == f.file && g.line == f.line
		}) {
			continue // the parser's first complaint on a line is the one that counts
		}
		out = append(out, f)
	}
	return out
}

// goFinding is the finding of a go command's message msg at pos. A
// message about a file outside the workspace is not shown: it could quote
// that file (the assembler's and cgo's errors on an #include quote the
// included file's lines), and the checks never show what is outside.
func (c *Checker) goFinding(pos, dir, msg, checker string) finding {
	f := finding{checker: checker}
	var outside string
	f.file, f.line, f.col, outside = c.goPlace(pos, dir)
	if outside != "" {
		f.msg = outsideMsg(outside)
		return f
	}
	f.msg = c.cleanMsg(msg) + missingModuleHint(msg) + killedHint(msg)
	return f
}

// outsideMsg stands for a message about the file host, outside the
// workspace.
func outsideMsg(host string) string {
	return fmt.Sprintf("a problem in %s, which is outside the workspace (checks do not show what is outside it)", host)
}

// dropRebuilt drops the compiler's findings that repeat a type checker's
// at the same place: go list -export builds every package it lists, and a
// package's build errors can arrive on another package (its test main).
func dropRebuilt(found []finding) []finding {
	type place struct {
		file      string
		line, col int
	}
	typed := map[place]bool{}
	for _, f := range found {
		if f.checker == "go types" || f.checker == "go parser" {
			typed[place{f.file, f.line, f.col}] = true
		}
	}
	return slices.DeleteFunc(found, func(f finding) bool {
		return f.checker == "go build" && typed[place{f.file, f.line, f.col}]
	})
}

// goChecker names the checker of a go/packages error.
func goChecker(k packages.ErrorKind) string {
	switch k {
	case packages.ParseError:
		return "go parser"
	case packages.TypeError:
		return "go types"
	}
	return "go list"
}

// goPlace splits a go command position ("file:line:col", "file:line",
// "file", "-" or ""). outside is the file's host path when it is outside
// the workspace; file is then "".
func (c *Checker) goPlace(pos, dir string) (file string, line, col int, outside string) {
	if pos == "" || pos == "-" {
		return "", 0, 0, ""
	}
	rest := pos
	var nums []int
	for range 2 {
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(rest[i+1:])
		if err != nil {
			break
		}
		nums = append([]int{n}, nums...)
		rest = rest[:i]
	}
	if !filepath.IsAbs(rest) {
		rest = filepath.Join(dir, rest)
	}
	file = c.display(rest)
	if file == "" {
		return "", 0, 0, filepath.Clean(rest)
	}
	if len(nums) > 0 {
		line = nums[0]
	}
	if len(nums) > 1 {
		col = nums[1]
	}
	return file, line, col, ""
}

// compilerFindings reads the compiler's "# pkg\n./f.go:1:2: msg" output
// (or the assembler's, or cgo's). A line about a file outside the
// workspace is not shown, nor are the source lines gcc quotes under its
// messages ("    3 | text"), which may be an included file's.
func (c *Checker) compilerFindings(msg, dir string) []finding {
	var out []finding
	for _, line := range strings.Split(msg, "\n") {
		if line == "" || strings.HasPrefix(line, "# ") || gccExcerpt.MatchString(line) {
			continue
		}
		f, ok := parseLine(line, "go build")
		if !ok {
			out = append(out, finding{msg: c.cleanMsg(line), checker: "go build"})
			continue
		}
		pos := filepath.FromSlash(f.file)
		if f.line > 0 {
			pos += ":" + strconv.Itoa(f.line)
		}
		g := c.goFinding(pos, dir, f.msg, "go build")
		g.col = f.col
		if g.file == "" {
			g.col = 0
		}
		out = append(out, g)
	}
	return out
}

// gccExcerpt matches the lines of source gcc quotes under a message, and
// the marker line under them.
var gccExcerpt = regexp.MustCompile(`^\s*\d*\s*\|`)

// cleanMsg keeps the workspace's host path out of a message and makes it
// one line.
func (c *Checker) cleanMsg(msg string) string {
	for _, d := range []string{c.ws.Dir(), c.ws.RealDir()} {
		if d != "" {
			msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "")
		}
	}
	msg = strings.ReplaceAll(strings.TrimSpace(msg), "\n\t", " ")
	return strings.ReplaceAll(msg, "\n", "; ")
}

// missingModuleHint explains the go command's words for a dependency that
// is not downloaded, since checks never download.
func missingModuleHint(msg string) string {
	if strings.Contains(msg, "GOPROXY=off") || strings.Contains(msg, "missing go.sum entry") || strings.Contains(msg, "not in the module cache") {
		return " [the dependency is not downloaded, and checks never download (GOPROXY=off): run `go mod download` (or `go mod tidy`), then check again]"
	}
	return ""
}

// killedHint explains a compiler killed by a signal: what kills one during
// a check is, nearly always, the sandbox's memory limit (the compiler's own
// address-space bound makes it report "out of memory" itself).
func killedHint(msg string) string {
	if strings.Contains(msg, "Killed signal terminated program") {
		return " [the compiler was killed, most likely for going past the checks' memory limit (--memory-limit): an #include of a device or of a huge file does that]"
	}
	return ""
}
