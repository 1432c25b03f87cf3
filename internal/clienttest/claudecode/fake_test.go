package claudecode

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeModel stands in for the Anthropic Messages API that Claude Code
// talks to at ANTHROPIC_BASE_URL. It plays the model from a script: each
// request of the conversation is answered with the next step's tool_use
// block, and once the script is done with a text that ends the turn. It
// keeps the tool_result blocks Claude Code sends back, which are exactly
// what a model would read, and a log of every request it got.
//
// It is written in Go, in the test, so that the script can look at earlier
// results (a background job's ID) and the assertions read the results
// without a second program or a file format between them.
type fakeModel struct {
	srv    *httptest.Server
	script []step
	marker string // text that only the conversation's requests hold: the prompt

	mu       sync.Mutex
	log      []loggedRequest
	requests []apiRequest           // the conversation's requests, in order
	results  map[string]*toolResult // by tool_use id, without "toolu_"
	tries    map[string]int         // by step: how many calls were sent
	done     map[string]*toolResult // by step: the result of its last call
	issued   []string               // message ids answered, in order
	turnIDs  []string               // those of them answering the conversation
	problems []string               // what went wrong in the handler
}

// step is one tool call of the script. The fake sends it as a tool_use
// block with the id "toolu_"+id.
type step struct {
	id    string
	tool  string // agentbox's name; Claude Code calls it mcp__agentbox__<tool>
	input func(prev func(id string) string) map[string]any
	// until, if set, makes the fake call again (as a model polling a job
	// does) until the result satisfies it, at most maxTries times.
	until func(text string) bool
}

const maxTries = 100

// call is a step whose input does not depend on earlier results.
func call(id, tool string, input map[string]any) step {
	return step{id: id, tool: tool, input: func(func(string) string) map[string]any { return input }}
}

// toolResult is a tool_result block as the model receives it.
type toolResult struct {
	Text    string // the text blocks joined with newlines, or the string content
	IsError bool
}

// loggedRequest is one request the fake got.
type loggedRequest struct {
	Method, Path string
	Kind         string // "turn", "side", "count_tokens" or "unknown"
	Stream       bool
	Model        string
	Tools        int
	Answer       string // the step answered, "text", or the status sent
}

// apiRequest is the part of a Messages API request the fake reads.
type apiRequest struct {
	Model    string       `json:"model"`
	Stream   bool         `json:"stream"`
	Tools    []apiTool    `json:"tools"`
	Messages []apiMessage `json:"messages"`
}

type apiTool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	InputSchema  json.RawMessage `json:"input_schema"`
	DeferLoading bool            `json:"defer_loading"`
}

type apiMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // a string or blocks
}

type apiBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

// blocks returns a message's content as blocks; a string is one text block.
func (m apiMessage) blocks() []apiBlock {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return []apiBlock{{Type: "text", Text: s}}
	}
	var bs []apiBlock
	_ = json.Unmarshal(m.Content, &bs)
	return bs
}

// mentions reports whether a user message of the request has s in a text.
func (r apiRequest) mentions(s string) bool {
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		for _, text := range m.texts() {
			if strings.Contains(text, s) {
				return true
			}
		}
	}
	return false
}

// texts returns the text of a message's text blocks.
func (m apiMessage) texts() []string {
	var out []string
	for _, b := range m.blocks() {
		if b.Type == "text" {
			out = append(out, b.Text)
		}
	}
	return out
}

// resultText is a tool_result's content as text: the string, or the text
// blocks joined with newlines (other blocks are named in brackets).
func resultText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var bs []apiBlock
	if err := json.Unmarshal(content, &bs); err != nil {
		return string(content)
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		if b.Type == "text" {
			parts[i] = b.Text
		} else {
			parts[i] = "[" + b.Type + " block]"
		}
	}
	return strings.Join(parts, "\n")
}

const toolPrefix = "mcp__agentbox__"

func newFakeModel(t *testing.T, marker string, script []step) *fakeModel {
	f := &fakeModel{script: script, marker: marker, results: map[string]*toolResult{}, tries: map[string]int{}, done: map[string]*toolResult{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	entry := loggedRequest{Method: r.Method, Path: r.URL.Path}
	defer func() {
		f.mu.Lock()
		f.log = append(f.log, entry)
		f.mu.Unlock()
	}()
	if r.Method != http.MethodPost {
		entry.Kind, entry.Answer = "unknown", "404"
		apiError(w, http.StatusNotFound, "not_found_error", "the fake model serves POST /v1/messages only")
		return
	}
	var req apiRequest
	if err := json.Unmarshal(body, &req); err != nil {
		entry.Kind, entry.Answer = "unknown", "400"
		f.problem("%s: request is not JSON: %v", r.URL.Path, err)
		apiError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	entry.Stream, entry.Model, entry.Tools = req.Stream, req.Model, len(req.Tools)
	switch r.URL.Path {
	case "/v1/messages/count_tokens":
		// About four bytes a token. (Claude Code 2.1.332 asks when a tool
		// result is over 50,000 characters: over 25,000 tokens, its stand-in
		// for the parked result is an error rather than a preview.)
		entry.Kind, entry.Answer = "count_tokens", "200"
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"input_tokens":%d}`, len(body)/4)
		return
	case "/v1/messages":
	default:
		entry.Kind, entry.Answer = "unknown", "404"
		f.problem("request to %s %s, which the fake does not know", r.Method, r.URL.Path)
		apiError(w, http.StatusNotFound, "not_found_error", "unknown path "+r.URL.Path)
		return
	}

	// The conversation's requests carry the user's prompt; a request
	// without it is one Claude Code makes on the side (a title, a
	// summary), answered with a short text.
	if !req.mentions(f.marker) {
		entry.Kind, entry.Answer = "side", "text"
		f.reply(w, req, f.nextID(false), []map[string]any{{"type": "text", "text": "ok"}}, "end_turn")
		return
	}
	entry.Kind = "turn"
	content, stop, answer := f.turn(req)
	entry.Answer = answer
	f.reply(w, req, f.nextID(true), content, stop)
}

// turn records the tool results in req and picks the answer: the first
// step of the script without a result yet, or the final text. The caller
// does not hold f.mu.
func (f *fakeModel) turn(req apiRequest) (content []map[string]any, stop, answer string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	for _, m := range req.Messages {
		if m.Role != "user" {
			continue
		}
		for _, b := range m.blocks() {
			if b.Type != "tool_result" {
				continue
			}
			id := strings.TrimPrefix(b.ToolUseID, "toolu_")
			if _, seen := f.results[id]; !seen {
				f.results[id] = &toolResult{Text: resultText(b.Content), IsError: b.IsError}
			}
		}
	}
	for _, s := range f.script {
		if f.done[s.id] != nil {
			continue
		}
		if n := f.tries[s.id]; n > 0 {
			last := f.results[tryID(s.id, n)]
			if last == nil {
				f.problems = append(f.problems, fmt.Sprintf("step %s: no result for its call %d", s.id, n))
				break
			}
			if s.until == nil || s.until(last.Text) || n >= maxTries {
				f.done[s.id] = last
				continue
			}
		}
		input := s.input(func(id string) string {
			if r := f.done[id]; r != nil {
				return r.Text
			}
			return ""
		})
		if input == nil {
			f.problems = append(f.problems, fmt.Sprintf("step %s: its input could not be made from the results before it", s.id))
			break
		}
		f.tries[s.id]++
		id := tryID(s.id, f.tries[s.id])
		return []map[string]any{{"type": "tool_use", "id": "toolu_" + id, "name": toolPrefix + s.tool, "input": input}}, "tool_use", id
	}
	return []map[string]any{{"type": "text", "text": "Done."}}, "end_turn", "text"
}

// nextID returns the id of the next message the fake sends.
func (f *fakeModel) nextID(turn bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := fmt.Sprintf("msg_fake_%03d", len(f.issued))
	f.issued = append(f.issued, id)
	if turn {
		f.turnIDs = append(f.turnIDs, id)
	}
	return id
}

func (f *fakeModel) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// reply sends one assistant message, as JSON or, when the request asks for
// a stream, as the server-sent events the Messages API streams.
func (f *fakeModel) reply(w http.ResponseWriter, req apiRequest, id string, content []map[string]any, stop string) {
	usage := map[string]any{"input_tokens": 10, "output_tokens": 10}
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // the client hung up
			"id": id, "type": "message", "role": "assistant", "model": req.Model,
			"content": content, "stop_reason": stop, "stop_sequence": nil, "usage": usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	event := func(name string, data map[string]any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	}
	event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": id, "type": "message", "role": "assistant", "model": req.Model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": usage,
	}})
	for i, block := range content {
		switch block["type"] {
		case "tool_use":
			input, _ := json.Marshal(block["input"])
			event("content_block_start", map[string]any{"type": "content_block_start", "index": i,
				"content_block": map[string]any{"type": "tool_use", "id": block["id"], "name": block["name"], "input": map[string]any{}}})
			event("content_block_delta", map[string]any{"type": "content_block_delta", "index": i,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": string(input)}})
		default:
			event("content_block_start", map[string]any{"type": "content_block_start", "index": i,
				"content_block": map[string]any{"type": "text", "text": ""}})
			event("content_block_delta", map[string]any{"type": "content_block_delta", "index": i,
				"delta": map[string]any{"type": "text_delta", "text": block["text"]}})
		}
		event("content_block_stop", map[string]any{"type": "content_block_stop", "index": i})
	}
	event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 10}})
	event("message_stop", map[string]any{"type": "message_stop"})
}

func apiError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}}) //nolint:errcheck // the client hung up
}

// tryID is the tool_use id of a step's nth call. (Claude Code 2.1.332
// loses the result of a call whose id is an earlier call's id plus "_2":
// it pairs the result with the earlier call, so the suffix is "-try2".)
func tryID(step string, n int) string {
	if n <= 1 {
		return step
	}
	return fmt.Sprintf("%s-try%d", step, n)
}

// result returns the tool result of step id (its last call), or nil.
func (f *fakeModel) result(id string) *toolResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.done[id]
}

// firstRequest is the conversation's first request: its tools are what the
// model is offered.
func (f *fakeModel) firstRequest() (apiRequest, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return apiRequest{}, false
	}
	return f.requests[0], true
}
