package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// auditMaxValue is the longest argument string an audit line keeps; a
// longer one (file content, a patch) is replaced by its size and hash.
const auditMaxValue = 256

// auditor writes one JSON line per tool call. Lines are whole: each is one
// write, under a lock, to a file opened for appending. A failing write (a
// full disk) is reported on the server's log, at most once a minute, and
// never stops the call.
type auditor struct {
	mu       sync.Mutex
	w        io.Writer
	log      *slog.Logger
	lastWarn time.Time
	now      func() time.Time
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

// middleware records every call that passes through it.
func (a *auditor) middleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := a.now()
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
		a.write(line)
		return res, err
	}
}

func (a *auditor) write(line auditLine) {
	b, err := json.Marshal(line)
	if err != nil {
		a.log.Error("audit: encoding a line", "err", err)
		return
	}
	b = append(b, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err := a.w.Write(b); err != nil && a.now().Sub(a.lastWarn) > time.Minute {
		a.lastWarn = a.now()
		a.log.Error("audit: cannot write the audit log; calls go on unrecorded", "err", err)
	}
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

var (
	// secretKey matches argument names whose values are secrets.
	secretKey = regexp.MustCompile(`(?i)(secret|token|passw(or)?d|api[_-]?key|auth|credential|private[_-]?key|cookie)`)
	// secretAssign matches NAME=value assignments of secret-looking names
	// inside commands, and bearer tokens.
	secretAssign = regexp.MustCompile(`(?i)\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|CREDENTIALS?)[A-Z0-9_]*)=("[^"]*"|'[^']*'|\S+)|(\bBearer\s+)\S+`)
)

// redact copies tool arguments for the audit log: values of secret-looking
// keys are replaced, secret-looking assignments inside strings are masked,
// and long strings become their size and hash.
func redact(args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		if secretKey.MatchString(k) {
			out[k] = "[redacted]"
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > auditMaxValue {
			sum := sha256.Sum256([]byte(v))
			return fmt.Sprintf("[%d bytes, sha256 %s]", len(v), hex.EncodeToString(sum[:8]))
		}
		return secretAssign.ReplaceAllStringFunc(v, func(m string) string {
			sub := secretAssign.FindStringSubmatch(m)
			if sub[3] != "" {
				return sub[3] + "[redacted]"
			}
			return sub[1] + "=[redacted]"
		})
	case map[string]any:
		return redact(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactValue(e)
		}
		return out
	}
	return v
}
