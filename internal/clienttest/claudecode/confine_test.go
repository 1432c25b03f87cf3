//go:build linux

package claudecode

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestConfinedByConfig starts Claude Code the way `agentbox config
// claude-code` says to and checks what the model is offered: agentbox's
// tools and no other, none deferred (issue 13, gap 4). The printed
// JSON objects are used as they are: the one with mcpServers as the MCP
// configuration, any other as settings.
func TestConfinedByConfig(t *testing.T) {
	claudeCode(t)
	t.Parallel()
	ws := workspace(t)
	out, err := exec.Command(agentbox(t), "config", "claude-code", "--workspace", ws).Output()
	if err != nil {
		t.Fatalf("agentbox config claude-code: %v", err)
	}
	s := session{workspace: ws, prompt: "What is in this project?", builtins: true}
	for _, obj := range jsonObjects(out) {
		var v map[string]any
		if json.Unmarshal(obj, &v) != nil {
			continue
		}
		if servers, ok := v["mcpServers"].(map[string]any); ok {
			s.server, _ = servers["agentbox"].(map[string]any)
			continue
		}
		s.settings = filepath.Join(t.TempDir(), "settings.json")
		writeJSON(t, s.settings, v)
	}
	if s.server == nil {
		t.Fatalf("agentbox config claude-code printed no mcpServers entry for agentbox:\n%s", out)
	}
	tr := run(t, s)
	req, _ := tr.model.firstRequest()
	var offered, deferred []string
	for _, tool := range req.Tools {
		if tool.DeferLoading {
			deferred = append(deferred, tool.Name)
		} else {
			offered = append(offered, tool.Name)
		}
	}
	sort.Strings(offered)
	record("tools offered as agentbox config claude-code says (gap 4)",
		"offered: "+strings.Join(offered, " ")+"\ndeferred (name only): "+strings.Join(deferred, " ")+"\n\n"+deferredList(req), tr.dirs)
	gapCheck(t, 4, func(c checker) {
		var others []string
		for _, name := range offered {
			if !strings.HasPrefix(name, toolPrefix) {
				others = append(others, name)
			}
		}
		if len(others) > 0 {
			c.Errorf("the model should be offered agentbox's tools only; it is offered %d of Claude Code's own too: %s", len(others), strings.Join(others, " "))
		}
		if got := len(offered) - len(others); got != len(agentboxTools) {
			c.Errorf("the model should be offered agentbox's %d tools with their schemas; it is offered %d (the others are deferred behind ToolSearch, or missing)", len(agentboxTools), got)
		}
	})
}

// deferredList is the reminder in which Claude Code names the tools it
// offers by name only, if the request has one.
func deferredList(req apiRequest) string {
	for _, m := range req.Messages {
		for _, text := range m.texts() {
			if i := strings.Index(text, "The following deferred tools"); i >= 0 {
				rest := text[i:]
				if j := strings.Index(rest, "\n\n"); j >= 0 {
					rest = rest[:j]
				}
				return rest
			}
		}
	}
	return ""
}

// jsonObjects returns the JSON objects in out that start a line.
func jsonObjects(out []byte) []json.RawMessage {
	var objs []json.RawMessage
	for i := 0; i < len(out); i++ {
		if out[i] != '{' || (i > 0 && out[i-1] != '\n') {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(out[i:]))
		var obj json.RawMessage
		if dec.Decode(&obj) == nil {
			objs = append(objs, obj)
			i += int(dec.InputOffset()) - 1
		}
	}
	return objs
}
