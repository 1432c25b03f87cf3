package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/agentbox/agentbox/internal/check"
)

// withCheckDoc adds what Write's and Edit's descriptions say of the
// after-write check to their template data.
func withCheckDoc(data map[string]any) map[string]any {
	if data == nil {
		data = map[string]any{}
	}
	data["CheckShowFile"], data["CheckShowOthers"] = check.ShowFile, check.ShowOthers
	return data
}

// save writes data to the file as workspace.WriteFile does, for tool
// (Write or Edit). When after-write checks are on, it begins the check of
// data, a file in a language internal/check knows, alongside the write
// (a checker that takes content starts at once), and puts it in *chk; a
// failed write stops it.
func (t *Toolset) save(ctx context.Context, tool, name, rel string, data []byte, perm fs.FileMode, create bool, chk **check.Started) error {
	var st *check.Started
	if t.opts.Checks.AfterWrite {
		st = t.checks.Start(check.Write{Rel: rel, Session: sessionID(ctx), Tool: tool, At: time.Now(), Data: data})
	}
	if err := t.ws.WriteFile(name, data, perm, create); err != nil {
		st.Drop()
		return err
	}
	*chk = st
	return nil
}

// afterWrite is what Write and Edit (tool) return: their result, followed,
// after a successful write, by what its check (see save) found within the
// check's short wait. What the check finds later comes with the session's
// next result (see withLateChecks).
func (t *Toolset) afterWrite(ctx context.Context, res *mcp.CallToolResult, chk *check.Started) *mcp.CallToolResult {
	if res == nil || res.IsError {
		chk.Drop()
		return res
	}
	if note := chk.Wait(ctx); note != "" {
		appendNote(res, note)
	}
	return res
}

// afterRead tells the checks of a file Read read, which the model may edit
// next (see check.Checker.Read), when after-write checks are on.
func (t *Toolset) afterRead(name string, res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil || res.IsError || !t.opts.Checks.AfterWrite {
		return res
	}
	if rel, err := t.ws.Rel(name); err == nil {
		t.checks.Read(rel)
	}
	return res
}

// withLateChecks makes st's results carry what after-write checks of the
// session's earlier Writes and Edits found after those had returned: the
// next result of the session, whatever its tool, gets it, before it goes
// (never as a message after it). It goes after the result's own text,
// and, when the tool returns structured content, which some clients show
// the model instead of the text, into its "checks" field too.
func (t *Toolset) withLateChecks(st server.ServerTool) server.ServerTool {
	if !t.opts.Checks.AfterWrite {
		return st
	}
	if len(st.Tool.RawOutputSchema) > 0 {
		st.Tool.RawOutputSchema = withChecksField(st.Tool.RawOutputSchema)
	}
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if err != nil || res == nil {
			return res, err // what was found waits for a result that reaches the model
		}
		if note := t.checks.Pending(sessionID(ctx)); note != "" {
			appendNote(res, note)
			if sc, ok := res.StructuredContent.(map[string]any); ok {
				sc[lateChecksField] = note
			}
		}
		return res, nil
	}
	return st
}

// lateChecksField is the field of structured results that carries what
// late checks found.
const lateChecksField = "checks"

// withChecksField declares lateChecksField in a tool's output schema,
// after its own fields (the schema allows no field it does not name).
func withChecksField(schema []byte) []byte {
	const props = `"properties":`
	i := bytes.Index(schema, []byte(props))
	if i < 0 {
		return schema
	}
	start := i + len(props)
	d := json.NewDecoder(bytes.NewReader(schema[start:]))
	var obj json.RawMessage
	if err := d.Decode(&obj); err != nil || len(obj) < 2 || obj[0] != '{' {
		return schema
	}
	end := start + int(d.InputOffset()) - 1 // the properties' closing brace
	field := `"` + lateChecksField + `":{"type":"string","description":"what checks of your earlier Writes and Edits found after those returned"}`
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
		field = "," + field
	}
	return slices.Concat(schema[:end], []byte(field), schema[end:])
}

// appendNote adds note to res after a blank line: to its first text
// content, or as a text content of its own.
func appendNote(res *mcp.CallToolResult, note string) {
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text = strings.TrimRight(tc.Text, "\n") + "\n\n" + note
			res.Content[i] = tc
			return
		}
	}
	res.Content = append(res.Content, mcp.NewTextContent(note))
}

// sessionID names the client session of the call in ctx; calls outside
// any session share "".
func sessionID(ctx context.Context) string {
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		return cs.SessionID()
	}
	return ""
}
