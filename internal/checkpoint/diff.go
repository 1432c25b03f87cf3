package checkpoint

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Diff returns checkpoint id as a unified diff: each file's content
// before and after, with three lines of context. Binary files, symlinks,
// directories and mode changes get a line each.
func (j *Journal) Diff(id int64) (string, error) {
	var b strings.Builder
	if err := j.WriteDiff(&b, id); err != nil {
		return "", err
	}
	return b.String(), nil
}

// WriteDiff writes checkpoint id as Diff returns it, a file at a time, and
// stops at the first error w returns: a reader that wants one page of a
// large checkpoint's diff returns one once it has it, and the rest is
// never made.
func (j *Journal) WriteDiff(w io.Writer, id int64) error {
	cp, err := j.Get(id)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, fc := range cp.Files {
		b.Reset()
		j.diffFile(&b, fc)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	for _, u := range cp.Uncovered {
		if _, err := fmt.Fprintf(w, "# not recorded: %s: %s\n", u.Path, u.Why); err != nil {
			return err
		}
	}
	return nil
}

func (j *Journal) diffFile(b *strings.Builder, fc FileChange) {
	p := fc.Path
	fmt.Fprintf(b, "diff --agentbox a/%s b/%s\n", p, p)
	before, after := fc.Before, fc.After
	if (before != nil && before.Type == Dir) || (after != nil && after.Type == Dir) {
		switch {
		case before == nil:
			fmt.Fprintf(b, "new directory mode %s\n", mode(after))
		case after == nil:
			fmt.Fprintf(b, "deleted directory mode %s\n", mode(before))
		default:
			fmt.Fprintf(b, "old mode %s\nnew mode %s\n", mode(before), mode(after))
		}
		return
	}
	switch {
	case before == nil:
		fmt.Fprintf(b, "new file mode %s\n", mode(after))
	case after == nil:
		fmt.Fprintf(b, "deleted file mode %s\n", mode(before))
	case before.Mode != after.Mode || before.Type != after.Type:
		fmt.Fprintf(b, "old mode %s\nnew mode %s\n", mode(before), mode(after))
	}
	if fc.Change == ModeOnly {
		return
	}
	old, oerr := j.content(before)
	neu, nerr := j.content(after)
	if oerr != nil || nerr != nil {
		fmt.Fprintf(b, "# content not available: %v\n", firstErr(oerr, nerr))
		return
	}
	if isBinary(old) || isBinary(neu) {
		fmt.Fprintf(b, "Binary files a/%s and b/%s differ\n", p, p)
		return
	}
	from, to := "a/"+p, "b/"+p
	if before == nil {
		from = "/dev/null"
	}
	if after == nil {
		to = "/dev/null"
	}
	fmt.Fprintf(b, "--- %s\n+++ %s\n", from, to)
	unified(b, splitLines(old), splitLines(neu))
}

func mode(s *State) string {
	switch s.Type {
	case Dir:
		return fmt.Sprintf("04%04o", s.Mode)
	case Link:
		return "120000"
	}
	return fmt.Sprintf("10%04o", s.Mode)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// content returns a state's content; none for nil.
func (j *Journal) content(s *State) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	return j.log.store.get(s.Hash)
}

func isBinary(b []byte) bool { return bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0 }

// splitLines splits after each newline; the last line may lack one.
func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// op is one line of an edit script.
type op struct {
	kind byte // ' ', '-', '+'
	line string
}

// unified writes the hunks turning a into b, with three lines of context.
func unified(w *strings.Builder, a, b []string) {
	script := editScript(a, b)
	const ctx = 3
	// Positions of changes in the script; hunks gather changes within 2*ctx.
	for i := 0; i < len(script); {
		if script[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for k := i; k < len(script); k++ {
			if script[k].kind != ' ' {
				end = k
			} else if k-end > 2*ctx {
				break
			}
		}
		stop := min(end+ctx+1, len(script))
		// Line numbers at the hunk's start.
		aLine, bLine := 1, 1
		for _, o := range script[:start] {
			if o.kind != '+' {
				aLine++
			}
			if o.kind != '-' {
				bLine++
			}
		}
		var aN, bN int
		for _, o := range script[start:stop] {
			if o.kind != '+' {
				aN++
			}
			if o.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aLine, aN), hunkRange(bLine, bN))
		for _, o := range script[start:stop] {
			w.WriteByte(o.kind)
			w.WriteString(o.line)
			if !strings.HasSuffix(o.line, "\n") {
				w.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
}

func hunkRange(line, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", line-1)
	}
	if n == 1 {
		return fmt.Sprint(line)
	}
	return fmt.Sprintf("%d,%d", line, n)
}

// maxEdits bounds the diff's search; past it the files are shown as
// replaced whole.
const maxEdits = 1000

// editScript is Myers' O(ND) diff of two line lists.
func editScript(a, b []string) []op {
	// Trim the common head and tail: most edits are small.
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var out []op
	for _, l := range a[:head] {
		out = append(out, op{' ', l})
	}
	out = append(out, myers(a[head:len(a)-tail], b[head:len(b)-tail])...)
	for _, l := range a[len(a)-tail:] {
		out = append(out, op{' ', l})
	}
	return out
}

func myers(a, b []string) []op {
	n, m := len(a), len(b)
	replace := func() []op {
		var out []op
		for _, l := range a {
			out = append(out, op{'-', l})
		}
		for _, l := range b {
			out = append(out, op{'+', l})
		}
		return out
	}
	if n == 0 || m == 0 {
		return replace()
	}
	maxD := min(n+m, maxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := -1
	for d := 0; d <= maxD && found < 0; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...)) // what step d reads of v: k±1 for |k| ≤ d
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return replace()
	}
	// Walk back through the trace.
	var rev []op
	x, y := n, m
	for d := found; d > 0; d-- {
		vp := func(k int) int { return trace[d][k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && vp(k-1) < vp(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vp(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, op{' ', a[x]})
		}
		if x == px {
			y--
			rev = append(rev, op{'+', b[y]})
		} else {
			x--
			rev = append(rev, op{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, op{' ', a[x]})
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
