package release

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaID is the MCP Registry's server.json schema that
// testdata/server.schema.json copies (the registry's
// internal/validators/schemas/2025-12-11.json).
const schemaID = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"

func serverSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/server.schema.json")
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource(schemaID, doc))
	sch, err := c.Compile(schemaID)
	require.NoError(t, err)
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return sch.Validate(inst)
}

type serverDoc struct {
	Schema   string `json:"$schema"`
	Name     string
	Version  string
	Packages []struct {
		RegistryType string
		Identifier   string
		Version      string
		FileSha256   string
	}
}

// The checked-in server.json, and what a release makes of it, follow the
// registry's schema; a release's names each bundle it has, with its hash.
func TestServerJSON(t *testing.T) {
	sch := serverSchema(t)
	tmpl, err := os.ReadFile("../../server.json")
	require.NoError(t, err)
	require.NoError(t, validate(t, sch, tmpl), "server.json")
	var doc serverDoc
	require.NoError(t, json.Unmarshal(tmpl, &doc))
	assert.Equal(t, schemaID, doc.Schema)
	kinds := map[string]int{}
	for _, p := range doc.Packages {
		kinds[p.RegistryType]++
	}
	assert.Equal(t, map[string]int{"go": 1, "mcpb": 4}, kinds, "the Go package and the bundles")

	// The validator does reject: a description over 100 characters.
	var bad map[string]any
	require.NoError(t, json.Unmarshal(tmpl, &bad))
	bad["description"] = strings.Repeat("x", 101)
	badData, err := json.Marshal(bad)
	require.NoError(t, err)
	require.Error(t, validate(t, sch, badData))

	t.Run("filled in", func(t *testing.T) {
		dist := t.TempDir()
		for _, name := range []string{"agentbox_darwin.mcpb", "agentbox_linux_amd64.mcpb"} {
			require.NoError(t, os.WriteFile(filepath.Join(dist, name), []byte(name), 0o644))
		}
		out, err := ServerJSON(tmpl, "1.2.3", dist)
		require.NoError(t, err)
		require.NoError(t, validate(t, sch, out), "%s", out)
		checkRelease(t, out, "1.2.3", dist)
		var got serverDoc
		require.NoError(t, json.Unmarshal(out, &got))
		require.Len(t, got.Packages, 3, "the Go package and the two bundles there are")
		assert.Equal(t, "v1.2.3", got.Packages[0].Version)
		assert.Equal(t, "https://github.com/agentbox/agentbox/releases/download/v1.2.3/agentbox_darwin.mcpb", got.Packages[1].Identifier)
		// sha256sum of a file holding its own name:
		assert.Equal(t, "4f9503b127c2c9de1344b203999a87f7aa8febb722fa0ff625748fce890e3010", got.Packages[1].FileSha256)

		_, err = ServerJSON(tmpl, "1.2.3", t.TempDir())
		assert.ErrorContains(t, err, "no bundle")
	})

	// scripts/release.sh points AGENTBOX_DIST at the release it made.
	if dist := os.Getenv("AGENTBOX_DIST"); dist != "" {
		t.Run("release in AGENTBOX_DIST", func(t *testing.T) {
			out, err := os.ReadFile(filepath.Join(dist, "server.json"))
			require.NoError(t, err)
			require.NoError(t, validate(t, sch, out), "%s", out)
			var got serverDoc
			require.NoError(t, json.Unmarshal(out, &got))
			checkRelease(t, out, got.Version, dist)
		})
	}
}

// checkRelease checks that a filled-in server.json names version
// throughout and that each bundle's hash is that of its file in dist.
func checkRelease(t *testing.T, data []byte, version, dist string) {
	t.Helper()
	var doc serverDoc
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, version, doc.Version)
	for _, p := range doc.Packages {
		switch p.RegistryType {
		case "go":
			assert.Equal(t, "v"+version, p.Version)
		case "mcpb":
			assert.Equal(t, version, p.Version)
			assert.Contains(t, p.Identifier, "/v"+version+"/")
			assert.Equal(t, mustSHA256(t, filepath.Join(dist, filepath.Base(p.Identifier))), p.FileSha256, p.Identifier)
		}
	}
}

func mustSHA256(t *testing.T, name string) string {
	t.Helper()
	sum, err := fileSHA256(name)
	require.NoError(t, err)
	return sum
}
