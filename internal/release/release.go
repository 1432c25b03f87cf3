// Package release makes what a release publishes besides the archives:
// server.json for the MCP Registry, filled in from the release's files.
// Its tests also check that agentbox installs with go install.
package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// templateVersion is the version the checked-in server.json names, to be
// replaced by the release's.
const templateVersion = "0.0.0"

// ServerJSON fills in the checked-in server.json (tmpl) for a release of
// version (without the "v") whose files are in dist: the versions, the
// bundles' download addresses, and their SHA-256. It drops the bundles the
// release lacks, and fails if it lacks them all.
func ServerJSON(tmpl []byte, version, dist string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(tmpl, &doc); err != nil {
		return nil, fmt.Errorf("server.json: %w", err)
	}
	doc["version"] = version
	pkgs, _ := doc["packages"].([]any)
	var kept []any
	bundles := 0
	for _, p := range pkgs {
		pkg, ok := p.(map[string]any)
		if !ok {
			return nil, errors.New("server.json: a package is not an object")
		}
		switch pkg["registryType"] {
		case "go":
			pkg["version"] = "v" + version
		case "mcpb":
			id, _ := pkg["identifier"].(string)
			id = strings.ReplaceAll(id, templateVersion, version)
			sum, err := fileSHA256(filepath.Join(dist, path.Base(id)))
			if errors.Is(err, os.ErrNotExist) {
				continue // a bundle this release does not have
			}
			if err != nil {
				return nil, err
			}
			pkg["identifier"], pkg["version"], pkg["fileSha256"] = id, version, sum
			bundles++
		}
		kept = append(kept, pkg)
	}
	if bundles == 0 {
		return nil, fmt.Errorf("server.json: no bundle of version %s in %s", version, dist)
	}
	doc["packages"] = kept
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
