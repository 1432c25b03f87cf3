package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The probe cache keeps what the probe learned, so that a server need not
// launch the launcher before it can answer its client: the probe costs more
// than the rest of start-up. A result holds for as long as everything the
// probe's outcome depends on is unchanged, and that is its key: the boot
// and kernel, the namespaces, credentials, seccomp mode and LSMs the server
// runs under, the sysctls that allow namespaces, the launcher binaries, the
// file systems of the directories it mounts, and the configuration that
// shapes a launch. A launch that fails to set up the sandbox drops the
// result, so the next server probes again.
//
// The file lives in the user's cache directory, written atomically, 0600
// in a 0700 directory. Commands cannot write it: it is used only when it
// lies outside every directory they may write.

// probeCacheVersion changes when probeResult or its meaning does.
const probeCacheVersion = "1"

// probeCacheEntries bounds the results one file keeps, newest first.
const probeCacheEntries = 16

// probeCache is the file that holds probe results, or none ("").
type probeCache struct {
	file string
	log  func(msg string, args ...any)
}

type cachedProbe struct {
	Key    string
	Result probeResult
	Time   time.Time
}

// probeKey returns the probe cache for this sandbox and the key of its
// result. The key is a hash of every input the probe's outcome depends on.
func (s *Sandbox) probeKey() (string, probeCache) {
	cache := probeCache{log: s.log.Warn}
	if dir, err := os.UserCacheDir(); err == nil && filepath.IsAbs(dir) {
		cache.file = filepath.Join(dir, "agentbox", "sandbox-probe.json")
		writable := append([]string{s.os.ws, s.state}, expand(s.cfg.AllowWrite)...)
		if withinAny(cache.file, writable) {
			cache.file = "" // commands could write it
		}
	}
	h := sha256.New()
	put := func(name string, v any) { fmt.Fprintf(h, "%s=%v\n", name, v) }
	read := func(path string) string {
		b, _ := os.ReadFile(path)
		return strings.TrimSpace(string(b))
	}
	put("version", probeCacheVersion)
	put("boot", read("/proc/sys/kernel/random/boot_id"))
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		put("kernel", unix.ByteSliceToString(uts.Release[:])+" "+unix.ByteSliceToString(uts.Version[:]))
	}
	for _, ns := range []string{"user", "mnt", "pid", "net", "ipc", "cgroup"} {
		l, _ := os.Readlink("/proc/self/ns/" + ns)
		put("ns", l)
	}
	for _, line := range strings.Split(read("/proc/self/status"), "\n") {
		for _, f := range []string{"Uid:", "Gid:", "Groups:", "Cap", "NoNewPrivs:", "Seccomp:"} {
			if strings.HasPrefix(line, f) {
				put("status", line)
			}
		}
	}
	for _, f := range []string{
		"/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
		"/proc/sys/user/max_user_namespaces", "/proc/sys/user/max_mnt_namespaces", "/proc/sys/user/max_pid_namespaces",
		"/proc/sys/user/max_net_namespaces", "/proc/sys/user/max_ipc_namespaces", "/sys/kernel/security/lsm",
		"/proc/self/attr/current",
	} {
		put(f, read(f))
	}
	put("landlock", s.os.abi)
	for _, l := range slices.Concat(s.launcher, s.os.fallback) {
		put("launcher", l+" "+fileIdentity(l))
	}
	// The mounts the probe makes depend on the file systems they are made
	// on (and on whether the workspace has a .git to protect), not on the
	// paths: every workspace on one file system shares a result.
	put("workspace", fileSystem(s.os.ws)+" "+fileSystem(s.state)+" "+fileSystem(s.os.home))
	put("git", s.gitDir() != "")
	put("network", s.cfg.AllowNetwork)
	put("reads", s.cfg.Reads)
	put("allow", fmt.Sprint(s.cfg.AllowRead, s.cfg.AllowWrite, s.cfg.AllowGitConfig, s.cfg.MaxProcs))
	return hex.EncodeToString(h.Sum(nil)), cache
}

// fileIdentity says which file is at path: device, inode, size, change time.
func fileIdentity(path string) string {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return "-"
	}
	return fmt.Sprint(st.Dev, st.Ino, st.Size, st.Ctim.Nano())
}

// fileSystem says which file system path is on, and its type.
func fileSystem(path string) string {
	var st unix.Stat_t
	var fs unix.Statfs_t
	if path == "" || unix.Stat(path, &st) != nil || unix.Statfs(path, &fs) != nil {
		return "-"
	}
	return fmt.Sprint(st.Dev, fs.Type, fs.Flags)
}

// load returns the cached result for key. It decodes that entry's result
// only: decoding all sixteen cost a server's start 1M instructions.
func (c probeCache) load(key string) (probeResult, bool) {
	var entries []struct {
		Key    string
		Result json.RawMessage
	}
	if !c.decode(&entries) {
		return probeResult{}, false
	}
	for _, e := range entries {
		if e.Key == key {
			var r probeResult
			if json.Unmarshal(e.Result, &r) != nil {
				return probeResult{}, false
			}
			return r, len(r.Launcher) > 0
		}
	}
	return probeResult{}, false
}

// read returns the file's entries, or none when it is missing, unreadable,
// or not this user's own.
func (c probeCache) read() []cachedProbe {
	var entries []cachedProbe
	if !c.decode(&entries) {
		return nil
	}
	return entries
}

// decode decodes the file into entries, and reports whether it could: the
// file is there, readable, and this user's own.
func (c probeCache) decode(entries any) bool {
	if c.file == "" {
		return false
	}
	f, err := os.OpenFile(c.file, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o022 != 0 {
		return false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Geteuid() {
		return false
	}
	return json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(entries) == nil
}

// store puts the result for key first in the file, which keeps the newest
// probeCacheEntries. Failing to write it only costs the next server a probe.
func (c probeCache) store(key string, r probeResult) {
	if c.file == "" {
		return
	}
	entries := []cachedProbe{{Key: key, Result: r, Time: time.Now().UTC()}}
	for _, e := range c.read() {
		if e.Key != key && len(entries) < probeCacheEntries {
			entries = append(entries, e)
		}
	}
	if err := c.write(entries); err != nil {
		c.log("cannot cache the sandbox probe; the next start probes again", "file", c.file, "error", err)
	}
}

// drop removes the result for key, after a launch with it failed.
func (c probeCache) drop(key string) {
	entries := c.read()
	kept := slices.DeleteFunc(slices.Clone(entries), func(e cachedProbe) bool { return e.Key == key })
	if len(kept) != len(entries) {
		_ = c.write(kept)
	}
}

func (c probeCache) write(entries []cachedProbe) error {
	dir := filepath.Dir(c.file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(entries)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".sandbox-probe-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), c.file)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
