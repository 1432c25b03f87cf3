package tools

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agentbox/agentbox/internal/search"
	"github.com/agentbox/agentbox/internal/walk"
	"github.com/agentbox/agentbox/internal/workspace"
)

// do runs the search in the request's mode and writes the result text.
func (r *grepRun) do(ctx context.Context) string {
	var out strings.Builder
	var notes []string
	var st walk.Stats
	var err error
	switch r.req.mode {
	case "content":
		var files []grepFile
		files, st, err = r.content(ctx)
		notes = r.writeContent(&out, files)
	case "count":
		var files []grepFile
		files, st, err = r.count(ctx)
		notes = r.writeCount(&out, files)
	default:
		var files []grepFile
		var more bool
		files, more, st, err = r.files(ctx)
		notes = r.writeFiles(&out, files, more)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		notes = append(notes, fmt.Sprintf("[The search stopped after %d seconds, so the results are incomplete. Narrow the path, glob or type.]", int(grepTimeout.Seconds())))
	case errors.Is(err, context.Canceled):
		return "Grep was cancelled."
	case err != nil:
		notes = append(notes, fmt.Sprintf("[The search failed: %v]", err))
	case st.Truncated:
		notes = append(notes, fmt.Sprintf("[The search stopped after %s files and directories, so the results are incomplete. Narrow the path, glob or type.]", english.Sprintf("%d", walkMaxEntries)))
	}
	r.mu.Lock()
	errs := append(append([]error(nil), r.errs...), st.Errors...)
	n := r.nerrs + st.ErrorCount
	if r.nlate > 0 {
		late := strings.Join(r.late, ", ")
		if r.nlate > len(r.late) {
			late += fmt.Sprintf(" and %d more", r.nlate-len(r.late))
		}
		notes = append(notes, fmt.Sprintf("[Binary data (a NUL byte) follows the matches in %s: %s. The search of such a file stops there.]", plural(r.nlate, "file"), late))
	}
	r.mu.Unlock()
	if note := unreadNote(walk.Stats{Errors: errs, ErrorCount: n}, nil); note != "" {
		notes = append(notes, "["+strings.Trim(note, "()")+"]")
	}
	if out.Len() == 0 {
		if r.req.mode == "files_with_matches" {
			out.WriteString("No files found")
		} else {
			out.WriteString("No matches found")
		}
		if why := r.whyNothing(st); why != "" && r.found == 0 {
			notes = append(notes, why)
		}
	}
	text := strings.TrimSuffix(out.String(), "\n")
	if len(notes) > 0 {
		text += "\n\n" + strings.Join(notes, "\n")
	}
	return text
}

// whyNothing explains an empty result when files were left out.
func (r *grepRun) whyNothing(st walk.Stats) string {
	var why []string
	if b := r.binary.Load(); b > 0 {
		why = append(why, fmt.Sprintf("%s %s skipped", plural(int(b), "binary file"), isAre(int(b))))
	}
	if st.Ignored > 0 {
		why = append(why, fmt.Sprintf("%s left out by .gitignore, .ignore or the global git excludes (pass an ignored directory as path, or name ignored files with glob, to search them)",
			plural(int(st.Ignored), "path")))
	}
	if len(why) == 0 {
		return ""
	}
	return "[" + strings.Join(why, "; ") + ".]"
}

func (r *grepRun) writeFiles(out *strings.Builder, files []grepFile, more bool) []string {
	r.found = len(files)
	offset := r.req.offset
	page := files[min(offset, len(files)):]
	page = page[:min(len(page), r.keep())]
	if len(page) == 0 && offset == 0 {
		return nil
	}
	if len(page) > 0 {
		fmt.Fprintf(out, "Found %s\n", plural(len(page), "file"))
	}
	shown := 0
	for _, f := range page {
		line := workspace.Display(f.path) + "\n"
		if out.Len()+len(line) > grepMaxOutput {
			return []string{fullNote("files_with_matches", offset, shown)}
		}
		out.WriteString(line)
		shown++
	}
	if note := pageNote("files_with_matches", offset, len(page), more, len(files)); note != "" {
		if offset > 0 && len(page) == 0 {
			out.Reset()
		}
		return []string{note}
	}
	return nil
}

func (r *grepRun) writeCount(out *strings.Builder, files []grepFile) []string {
	total := 0
	for _, f := range files {
		total += f.count
	}
	if len(files) == 0 {
		return nil
	}
	r.found = len(files)
	offset := r.req.offset
	page := files[min(offset, len(files)):]
	page = page[:min(len(page), r.keep())]
	var notes []string
	for i, f := range page {
		line := workspace.Display(f.path) + ":" + strconv.Itoa(f.count) + "\n"
		if out.Len()+len(line) > grepMaxOutput {
			notes = append(notes, fullNote("count", offset, i))
			break
		}
		out.WriteString(line)
	}
	what := "matching line"
	if r.req.args.Only || r.req.args.Multiline {
		what = "match"
	}
	summary := fmt.Sprintf("Found %s across %s.", nouns(total, what), plural(len(files), "file"))
	if note := pageNote("count", offset, len(page), offset+len(page) < len(files), len(files)); note != "" {
		summary += " " + note
	}
	if out.Len() == 0 {
		out.WriteString("No entries on this page.\n")
	}
	return append([]string{summary}, notes...)
}

func (r *grepRun) writeContent(out *strings.Builder, files []grepFile) []string {
	ctxLines := r.req.before > 0 || r.req.after > 0
	single := r.req.file != ""
	var seq []string
	for _, f := range files {
		if ctxLines && len(seq) > 0 {
			seq = append(seq, "--")
		}
		prefix := ""
		if !single {
			prefix = workspace.Display(f.path)
		}
		for _, l := range f.lines {
			if l.sep == 0 {
				seq = append(seq, "--")
				continue
			}
			var b strings.Builder
			if prefix != "" {
				b.WriteString(prefix)
				b.WriteByte(l.sep)
			}
			if r.req.numbers {
				b.WriteString(strconv.Itoa(l.num))
				b.WriteByte(l.sep)
			}
			b.WriteString(l.text)
			seq = append(seq, b.String())
		}
	}
	r.found = len(seq)
	offset := r.req.offset
	page := seq[min(offset, len(seq)):]
	more := len(page) > r.keep()
	page = page[:min(len(page), r.keep())]
	for i, line := range page {
		if out.Len()+len(line)+1 > grepMaxOutput {
			return []string{fullNote("content", offset, i)}
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if note := pageNote("content", offset, len(page), more, len(seq)); note != "" {
		return []string{note}
	}
	return nil
}

// clipLine shows a line, or for one over grepMaxColumns a marker with the
// part around its first match.
func clipLine(text []byte, match bool, p *search.Pattern) string {
	if len(text) <= grepMaxColumns {
		return string(text)
	}
	if !match {
		return fmt.Sprintf("[Omitted long context line: %s characters]", english.Sprintf("%d", utf8.RuneCount(text)))
	}
	m, ok := p.First(text)
	if !ok {
		return fmt.Sprintf("[Omitted long matching line: %s characters]", english.Sprintf("%d", utf8.RuneCount(text)))
	}
	const around = 100
	from, to := max(0, m[0]-around), min(len(text), max(m[1], m[0]+1)+around)
	if to-from > 3*around {
		to = from + 3*around
	}
	for from > 0 && !utf8.RuneStart(text[from]) {
		from--
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return fmt.Sprintf("[Omitted long matching line: %s characters; around the match at column %s: …%s…]",
		english.Sprintf("%d", utf8.RuneCount(text)), english.Sprintf("%d", utf8.RuneCount(text[:m[0]])+1), strings.ToValidUTF8(string(text[from:to]), "\uFFFD"))
}

// clipMatch shows a match on its own (-o), or a marker for a long one.
func clipMatch(text []byte) string {
	if len(text) <= grepMaxColumns {
		return string(text)
	}
	return fmt.Sprintf("[Omitted long match: %s characters]", english.Sprintf("%d", utf8.RuneCount(text)))
}

// nouns is plural for any English noun we use: "1 entry", "2 entries",
// "3 matches".
func nouns(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "y"):
		return fmt.Sprintf("%d %sies", n, word[:len(word)-1])
	case strings.HasSuffix(word, "ch"):
		return fmt.Sprintf("%d %ses", n, word)
	}
	return plural(n, word)
}
