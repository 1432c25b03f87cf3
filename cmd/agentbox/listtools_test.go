package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// toolListBudget is the most bytes tools/list may take in compact JSON.
// A client sends every tool's definition with each request to the model,
// whether the model calls the tool or not (issue 13). Detail that matters
// only after a mistake belongs in the error that mistake gets, not here.
const toolListBudget = 12_000

// TestToolListBudget holds tools/list, as `agentbox tools --json` prints
// it, within toolListBudget, with the sandbox on and off (the two Bash
// descriptions), and logs what each tool takes.
func TestToolListBudget(t *testing.T) {
	t.Parallel()
	for _, flags := range [][]string{nil, {"--sandbox=off"}} {
		args := append([]string{"--workspace", t.TempDir(), "--log-level", "error"}, flags...)
		out, errOut, code := agentbox(t, "", append(args, "tools", "--json")...)
		require.Equal(t, 0, code, errOut)
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, []byte(out)))
		assert.Equal(t, strings.TrimSuffix(out, "\n"), compact.String(), "tools --json prints compact JSON")

		var tools []struct {
			Name string `json:"name"`
		}
		var raw []json.RawMessage
		require.NoError(t, json.Unmarshal(compact.Bytes(), &raw))
		require.NoError(t, json.Unmarshal(compact.Bytes(), &tools))
		require.NotEmpty(t, tools)
		var shares []string
		for i, r := range raw {
			shares = append(shares, fmt.Sprintf("%s %d", tools[i].Name, len(r)))
		}
		t.Logf("%v: tools/list is %d bytes: %s", flags, compact.Len(), strings.Join(shares, ", "))
		assert.LessOrEqual(t, compact.Len(), toolListBudget, "%v: tools/list is over its budget: move detail that matters only after a mistake into that mistake's error", flags)
	}
}
