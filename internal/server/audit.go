package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// auditor writes one JSON line per tool call. Lines are whole: each is one
// write, under a lock, to a file opened for appending, and a write the disk
// cuts short is undone (the file is truncated back to its size before it),
// so a full disk never leaves half a record fused with the next. Records
// that cannot be written are counted: the next write that succeeds puts an
// audit_gap record first, saying how many were lost and when. A failing
// write is reported on the server's log at most once a minute; unless
// required, it never stops the calls.
type auditor struct {
	mu       sync.Mutex
	w        io.Writer
	required bool // refuse calls while the log cannot be written
	log      *slog.Logger
	lastWarn time.Time
	now      func() time.Time
	gap      *auditGap // what has gone unrecorded since the log last worked; nil while it works
}

// auditLine is one tool call in the audit log.
type auditLine struct {
	Time       string         `json:"time"`
	Session    string         `json:"session"`
	Tool       string         `json:"tool"`
	Arguments  map[string]any `json:"arguments"`
	DurationMS float64        `json:"duration_ms"`
	IsError    bool           `json:"is_error"`
	OutputSize int            `json:"output_bytes"`
	Failure    string         `json:"protocol_error,omitempty"`
}

// gapLine is the record of a time the log could not be written, put in
// as soon as it can be again.
type gapLine struct {
	Time string   `json:"time"`
	Gap  auditGap `json:"audit_gap"`
}

// auditGap says what went unrecorded: calls that ran but whose records
// were lost, and calls refused because the log could not be written
// (with --audit-required), between the first and the last of them.
type auditGap struct {
	Lost    int    `json:"lost"`
	Refused int    `json:"refused"`
	From    string `json:"from"`
	To      string `json:"to"`
	Error   string `json:"error"`
}

// errAuditDown is what a call refused for the audit log's sake says.
var errAuditDown = errors.New("the audit log cannot be written")

// middleware records every call that passes through it. When the log is
// required and cannot be written, the call is refused before it runs.
func (a *auditor) middleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := a.now()
		if a.required {
			if err := a.ready(start); err != nil {
				return mcp.NewToolResultError(fmt.Sprintf("%s was not run: %v (%v), and agentbox was started with --audit-required, so no tool runs until the log can be written again. Nothing was executed. Tell the user: the disk that holds the audit log is likely full.",
					req.Params.Name, errAuditDown, cause(err))), nil
			}
		}
		res, err := next(ctx, req)
		line := auditLine{
			Time:       start.UTC().Format(time.RFC3339Nano),
			Tool:       req.Params.Name,
			Arguments:  redact(req.GetArguments()),
			DurationMS: float64(a.now().Sub(start).Microseconds()) / 1000,
		}
		if cs := mcpserver.ClientSessionFromContext(ctx); cs != nil {
			line.Session = cs.SessionID()
		}
		if err != nil {
			line.IsError, line.Failure = true, err.Error()
		}
		if res != nil {
			line.IsError = line.IsError || res.IsError
			line.OutputSize = outputSize(res)
		}
		a.write(start, line)
		return res, err
	}
}

// write appends the record of a call that started at start, after the
// record of the gap before it, if any, in one write.
func (a *auditor) write(start time.Time, line auditLine) {
	b, err := json.Marshal(line)
	if err != nil {
		a.log.Error("audit: encoding a line", "err", err)
		return
	}
	b = append(b, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gap != nil {
		b = append(a.gapRecord(), b...)
	}
	if err := a.append(b); err != nil {
		a.lose(start, err, func(g *auditGap) { g.Lost++ })
		return
	}
	a.recovered()
}

// ready reports whether the log can be written, before a call runs: while
// records are missing, it tries to write the record of the gap.
func (a *auditor) ready(start time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gap == nil {
		return nil
	}
	if err := a.append(a.gapRecord()); err != nil {
		a.lose(start, err, func(g *auditGap) { g.Refused++ })
		return err
	}
	a.recovered()
	return nil
}

// gapRecord is the line recording a.gap.
func (a *auditor) gapRecord() []byte {
	b, _ := json.Marshal(gapLine{Time: a.now().UTC().Format(time.RFC3339Nano), Gap: *a.gap}) // plain strings and ints
	return append(b, '\n')
}

// lose counts a record that could not be written.
func (a *auditor) lose(at time.Time, err error, count func(*auditGap)) {
	t := at.UTC().Format(time.RFC3339Nano)
	if a.gap == nil {
		a.gap = &auditGap{From: t}
	}
	count(a.gap)
	a.gap.To, a.gap.Error = t, cause(err).Error()
	if a.now().Sub(a.lastWarn) > time.Minute {
		a.lastWarn = a.now()
		if a.required {
			a.log.Error("audit: cannot write the audit log; tool calls are refused until it can be written (--audit-required)", "err", err)
		} else {
			a.log.Error("audit: cannot write the audit log; calls go on unrecorded, and the log will say how many once it can be written", "err", err)
		}
	}
}

// recovered notes that the log has been written, gap record included.
func (a *auditor) recovered() {
	if a.gap != nil {
		a.log.Warn("audit: the audit log can be written again; a record of the gap was written", "lost", a.gap.Lost, "refused", a.gap.Refused, "from", a.gap.From)
		a.gap = nil
	}
}

// truncater is a file the auditor can cut back after a short write.
type truncater interface {
	Stat() (os.FileInfo, error)
	Truncate(size int64) error
}

// append writes b whole or not at all: when the writer is a file and the
// write fails part way (a full disk), the file is truncated back to its
// size before the write.
func (a *auditor) append(b []byte) error {
	f, ok := a.w.(truncater)
	var size int64 = -1
	if ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	}
	n, err := a.w.Write(b)
	if err == nil {
		return nil
	}
	if n > 0 && size >= 0 {
		if terr := f.Truncate(size); terr != nil {
			a.log.Error("audit: a short write left part of a record in the audit log, and cutting it off failed", "err", terr)
		}
	}
	return err
}

// cause strips the file name from a write error: the model is not told
// where the audit log is.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// outputSize counts the bytes of a result's content as a client sees it.
func outputSize(res *mcp.CallToolResult) int {
	n := 0
	for _, c := range res.Content {
		switch c := c.(type) {
		case mcp.TextContent:
			n += len(c.Text)
		case mcp.ImageContent:
			n += len(c.Data)
		default:
			if b, err := json.Marshal(c); err == nil {
				n += len(b)
			}
		}
	}
	return n
}
