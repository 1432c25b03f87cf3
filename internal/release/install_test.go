// Package release holds the tests of how agentbox reaches its users: go
// install from a module proxy, the release packaging, the registry entry.
package release

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

const modulePath = "github.com/agentbox/agentbox"

// repoRoot is the repository's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// goCmd runs go with env added to this process's environment and returns
// its combined output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// writeModuleProxy writes a file-based module proxy (the GOPROXY protocol
// over file://) holding the repository's files as module version v: the
// files git tracks or would track, as a tag of this tree would hold them.
func writeModuleProxy(t *testing.T, root, proxy, v string) {
	t.Helper()
	ls := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	ls.Dir = root
	out, err := ls.Output()
	if err != nil {
		t.Skipf("git ls-files: %v (the test needs the repository)", err)
	}
	tree := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or not a file
		}
		dst := filepath.Join(tree, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, data, fi.Mode().Perm()))
	}
	dir := filepath.Join(proxy, modulePath, "@v")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, v+".zip"))
	require.NoError(t, err)
	require.NoError(t, zip.CreateFromDir(f, module.Version{Path: modulePath, Version: v}, tree))
	require.NoError(t, f.Close())
	gomod, err := os.ReadFile(filepath.Join(tree, "go.mod"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, v+".mod"), gomod, 0o644))
	info, err := json.Marshal(map[string]any{"Version": v, "Time": time.Now().UTC().Truncate(time.Second)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, v+".info"), info, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "list"), []byte(v+"\n"), 0o644))
}

// TestGoInstall installs agentbox as a user would, with `go install
// …@version` from a module proxy, into a fresh GOPATH: the module must
// build from its zip alone (no replace directives, nothing outside it).
// The installed server prints that version and runs a Bash command in the
// sandbox: first with its own binary as the launcher, then with
// agentbox-sandbox installed beside it.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds agentbox from a module proxy: slow")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the sandboxed Bash call needs Linux")
	}
	const v = "v0.0.1-installtest"
	root := repoRoot(t)
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	writeModuleProxy(t, root, proxy, v)

	// Dependencies come from this machine's module cache, itself a file
	// proxy, then from the configured one.
	modcache := strings.TrimSpace(goCmd(t, root, nil, "env", "GOMODCACHE"))
	upstream := strings.TrimSpace(goCmd(t, root, nil, "env", "GOPROXY"))
	gopath := filepath.Join(tmp, "gopath")
	env := []string{
		"GOPATH=" + gopath,
		"GOMODCACHE=" + filepath.Join(gopath, "pkg", "mod"),
		"GOBIN=",
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(modcache, "cache", "download")) + "," + upstream,
		"GONOSUMDB=" + modulePath, // a test version: not in the checksum database
		"GOPRIVATE=", "GONOPROXY=",
		"GOFLAGS=-trimpath", // -trimpath: the build cache serves every GOPATH
		"GOTOOLCHAIN=local",
		"GOWORK=off",
	}
	t.Cleanup(func() { // the module cache is read-only; let TempDir remove it
		c := exec.Command("go", "clean", "-modcache")
		c.Env = append(os.Environ(), env...)
		_ = c.Run()
	})
	work := t.TempDir() // outside the repository: no go.mod around
	goCmd(t, work, env, "install", modulePath+"/cmd/agentbox@"+v)
	bin := filepath.Join(gopath, "bin", "agentbox")
	require.FileExists(t, bin)
	require.NoFileExists(t, filepath.Join(gopath, "bin", "agentbox-sandbox"))

	buildInfo := goCmd(t, work, nil, "version", "-m", bin)
	assert.Regexp(t, `(?m)^\s+mod\s+`+modulePath+`\s+`+v+`\s`, buildInfo)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), v)

	// The shell's parent is the launcher; /proc/PID/comm is its binary's
	// name (cut to 15 bytes), argv[0] the launcher's name either way.
	bash := func() string {
		t.Helper()
		ws := t.TempDir()
		cmd := exec.Command(bin, "call", "--workspace", ws, "--sandbox", "auto", "Bash",
			`{"command":"cat /proc/$PPID/comm; tr '\\0' ' ' </proc/$PPID/cmdline; echo; echo escaped >/usr/agentbox-escape || echo confined"}`)
		cmd.Dir = ws
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "agentbox call Bash: %s\n%s", out, stderr.String())
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		require.GreaterOrEqual(t, len(lines), 3, "%s", out)
		assert.Equal(t, "agentbox-sandbox", strings.TrimSpace(lines[1]), "argv of the launcher")
		assert.Equal(t, "confined", lines[len(lines)-1], "%s", out)
		return lines[0]
	}
	assert.Equal(t, "agentbox", bash(), "the server's own binary stands in for the launcher")

	// README's line: both commands at once.
	goCmd(t, work, env, "install", modulePath+"/cmd/agentbox@"+v, modulePath+"/cmd/agentbox-sandbox@"+v)
	require.FileExists(t, filepath.Join(gopath, "bin", "agentbox-sandbox"))
	assert.Equal(t, "agentbox-sandbo", bash(), "the launcher binary beside the server")
}
