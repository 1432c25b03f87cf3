//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeVenv makes a virtual environment at dir with Debian's python, which
// has pytest and fastapi (--system-site-packages keeps them).
func makeVenv(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	out, err := exec.Command("/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// instructions returns the instructions of the server's initialize answer.
func (s *rawSession) instructions() string {
	res, _ := s.init["result"].(map[string]any)
	text, _ := res["instructions"].(string)
	return text
}

// bashOut runs command through Bash and returns its output, requiring
// success.
func (s *rawSession) bashOut(id int, command string) string {
	s.t.Helper()
	s.call(id, "Bash", map[string]any{"command": command}, nil)
	resp, _ := s.await(id)
	out, isErr := rawText(s.t, resp)
	require.False(s.t, isErr, out)
	return out
}

// TestWorkspaceVenvOverStdio: a workspace's .venv is what python3 is in
// Bash, and the instructions say so; --python-env off leaves it alone.
func TestWorkspaceVenvOverStdio(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	venv := filepath.Join(ws, ".venv")
	makeVenv(t, venv)
	prefix := `python3 -c 'import sys; print(sys.prefix)'`

	s := startRawEnv(t, ws, nil)
	assert.Contains(t, s.instructions(), "In Bash, `python3` is "+filepath.Join(venv, "bin", "python3"))
	assert.Contains(t, s.instructions(), "from the workspace's virtual environment .venv, which commands and checks run with activated")
	assert.Equal(t, venv, s.bashOut(1, prefix))
	assert.Equal(t, venv, s.bashOut(2, `echo "$VIRTUAL_ENV"`))

	off := startRawEnv(t, ws, nil, "--python-env", "off")
	assert.Contains(t, off.instructions(), "a virtual environment in the workspace is not activated (--python-env off)")
	assert.NotEqual(t, venv, off.bashOut(1, prefix))
	assert.Equal(t, "(Bash completed with no output)", off.bashOut(2, `echo "$VIRTUAL_ENV"`))
}

// TestPythonBackendFlow is the Python backend flow end to end over stdio:
// a FastAPI project written with Write, its tests run through Bash
// `python3 -m pytest`, with the interpreter reached through a PATH entry
// under /tmp; the specialist prompt names that interpreter.
func TestPythonBackendFlow(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	shim := filepath.Join(t.TempDir(), "shim") // under /tmp
	require.NoError(t, os.Mkdir(shim, 0o755))
	require.NoError(t, os.Symlink("/usr/bin/python3", filepath.Join(shim, "python3")))
	ws := t.TempDir()
	s := startRawEnv(t, ws, []string{"PATH=" + shim + ":" + os.Getenv("PATH")})
	assert.Contains(t, s.instructions(), "In Bash, `python3` is "+filepath.Join(shim, "python3"))

	files := map[string]string{
		"requirements.txt": "fastapi\nhttpx\npytest\n",
		"app/__init__.py":  "",
		"app/main.py":      "from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/health\")\ndef health() -> dict[str, str]:\n    return {\"status\": \"ok\"}\n",
		"tests/test_health.py": "from fastapi.testclient import TestClient\n\nfrom app.main import app\n\n\ndef test_health():\n" +
			"    response = TestClient(app).get(\"/health\")\n    assert response.status_code == 200\n    assert response.json() == {\"status\": \"ok\"}\n",
	}
	id := 0
	for name, content := range files {
		id++
		s.call(id, "Write", map[string]any{"file_path": name, "content": content}, nil)
		resp, _ := s.await(id)
		out, isErr := rawText(t, resp)
		require.False(t, isErr, out)
	}
	assert.Equal(t, filepath.Join(shim, "python3"), s.bashOut(id+1, "command -v python3"))
	out := s.bashOut(id+2, "python3 -m pytest -q -p no:cacheprovider")
	assert.Contains(t, out, "1 passed", out)

	s.send(map[string]any{"jsonrpc": "2.0", "id": id + 3, "method": "prompts/get", "params": map[string]any{"name": "python-specialist"}})
	resp, _ := s.await(id + 3)
	res, ok := resp["result"].(map[string]any)
	require.True(t, ok, "%v", resp)
	var text strings.Builder
	for _, m := range res["messages"].([]any) {
		text.WriteString(m.(map[string]any)["content"].(map[string]any)["text"].(string))
	}
	assert.Contains(t, text.String(), "- Framework: FastAPI")
	assert.Regexp(t, "\nInterpreter: In Bash, `python3` is "+regexp.QuoteMeta(filepath.Join(shim, "python3"))+` \(Python 3\.\d+\.\d+, running /usr/bin/python3\.\d+\); no virtual environment is active`, text.String())
}
