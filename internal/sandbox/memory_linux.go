package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Each command gets a memory cgroup of its own, made beneath the server's
// own cgroup, with the limit set: the kernel then kills the command (all of
// it, on cgroup v2) when it goes past the limit, and says so in the
// cgroup's event counters. That needs the memory controller where the
// server runs: cgroup v2 delegated to the server's user (a systemd user
// scope or service, a container with its own cgroup namespace), or the
// legacy v1 hierarchy for root. Elsewhere each process of a command is
// bounded by RLIMIT_DATA instead, which counts what a process writes to
// (heap, anonymous mappings), not the address space it reserves: RLIMIT_AS
// stops the JVM and V8 at start, as they reserve far more than they use.

// memcg is where the commands' memory cgroups are made.
type memcg struct {
	dir string // the server's cgroup
	v2  bool
}

// cgroupPrefix starts the name of a command's cgroup, followed by the
// server's process id.
const cgroupPrefix = "agentbox-cmd-"

var (
	memcgOnce sync.Once
	memcgDir  *memcg
	memcgErr  error
	cgroupSeq atomic.Int64
)

// findMemcg finds, once per process, where commands' memory cgroups can be
// made, or says why they cannot.
func findMemcg() (*memcg, error) {
	memcgOnce.Do(func() { memcgDir, memcgErr = setupMemcg() })
	return memcgDir, memcgErr
}

func setupMemcg() (*memcg, error) {
	v2, v1 := ownCgroups()
	switch {
	case v2 != "" && slices.Contains(strings.Fields(readText(filepath.Join(v2, "cgroup.controllers"))), "memory"):
		if err := delegateMemory(v2); err != nil {
			return nil, err
		}
		return &memcg{dir: v2, v2: true}, nil
	case v1 != "":
		return &memcg{dir: v1}, nil
	case v2 != "":
		return nil, fmt.Errorf("the memory controller is not delegated to the server's cgroup %s", v2)
	}
	return nil, errors.New("no cgroup memory controller is mounted")
}

// ownCgroups returns the directories of this process's cgroup in the
// unified (v2) hierarchy and in the v1 memory hierarchy, "" for none.
func ownCgroups() (v2, v1 string) {
	var v2Path, v1Path string
	hasV1 := false
	for _, line := range strings.Split(readText("/proc/self/cgroup"), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2Path = parts[2]
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			v1Path, hasV1 = parts[2], true
		}
	}
	for _, line := range strings.Split(readText("/proc/self/mountinfo"), "\n") {
		// id parent dev root mountpoint options [optional...] - fstype source superoptions
		fields := strings.Fields(line)
		sep := slices.Index(fields, "-")
		if sep < 5 || len(fields) < sep+4 {
			continue
		}
		root, point, fstype := unescapeMount(fields[3]), unescapeMount(fields[4]), fields[sep+1]
		switch {
		case fstype == "cgroup2" && v2 == "" && v2Path != "":
			v2 = beneath(point, root, v2Path)
		case fstype == "cgroup" && v1 == "" && hasV1 && slices.Contains(strings.Split(fields[sep+3], ","), "memory"):
			v1 = beneath(point, root, v1Path)
		}
	}
	return v2, v1
}

// beneath returns the directory of the cgroup at path in a hierarchy whose
// root directory is mounted at point, "" if the mount does not show it.
func beneath(point, root, path string) string {
	rel, ok := strings.CutPrefix(path, root)
	if !ok || (rel != "" && root != "/" && !strings.HasPrefix(rel, "/")) {
		return ""
	}
	dir := filepath.Join(point, rel)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return ""
	}
	return dir
}

// unescapeMount undoes the octal escapes of /proc/self/mountinfo.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// delegateMemory makes the memory controller available to new cgroups
// beneath dir, the server's v2 cgroup. A cgroup with processes of its own
// cannot hand controllers down, so the server first moves into a leaf
// beside the commands' cgroups: possible only when it is alone in dir (run
// by systemd-run --user --scope, a service, a container).
func delegateMemory(dir string) error {
	if slices.Contains(strings.Fields(readText(filepath.Join(dir, "cgroup.subtree_control"))), "memory") {
		return nil
	}
	self := strconv.Itoa(os.Getpid())
	if procs := strings.Fields(readText(filepath.Join(dir, "cgroup.procs"))); !slices.Equal(procs, []string{self}) {
		return fmt.Errorf("the server's cgroup %s holds other processes too, so the memory controller cannot be enabled beneath it (start agentbox in a cgroup of its own: systemd-run --user --scope agentbox ...)", dir)
	}
	leaf := filepath.Join(dir, "agentbox-server")
	if err := os.Mkdir(leaf, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cgroup %s: %w", dir, err)
	}
	if err := writeText(filepath.Join(leaf, "cgroup.procs"), self); err != nil {
		_ = unix.Rmdir(leaf)
		return fmt.Errorf("cgroup %s: %w", dir, err)
	}
	if err := writeText(filepath.Join(dir, "cgroup.subtree_control"), "+memory"); err != nil {
		_ = writeText(filepath.Join(dir, "cgroup.procs"), self)
		_ = unix.Rmdir(leaf)
		return fmt.Errorf("cgroup %s: enable the memory controller: %w", dir, err)
	}
	return nil
}

// ownLimit returns the memory limit of the server's cgroup, 0 for none.
func (m *memcg) ownLimit() uint64 {
	file := "memory.limit_in_bytes"
	if m.v2 {
		file = "memory.max"
	}
	v, err := strconv.ParseUint(strings.TrimSpace(readText(filepath.Join(m.dir, file))), 10, 64)
	if err != nil {
		return 0 // "max", or unreadable
	}
	return v
}

// removeStale removes the commands' cgroups that servers killed before
// they could remove them left behind: those whose server is gone.
func (m *memcg) removeStale() {
	matches, _ := filepath.Glob(filepath.Join(m.dir, cgroupPrefix+"*"))
	for _, dir := range matches {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), cgroupPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = unix.Rmdir(dir) // fails, harmlessly, while processes remain
		}
	}
}

// cmdCgroup is one command's memory cgroup.
type cmdCgroup struct {
	dir   string
	v2    bool
	limit Memory
}

// newCgroup makes a command's cgroup with the limit set.
func (m *memcg) newCgroup(limit Memory) (*cmdCgroup, error) {
	dir := filepath.Join(m.dir, fmt.Sprintf("%s%d-%d", cgroupPrefix, os.Getpid(), cgroupSeq.Add(1)))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("memory cgroup: %w", err)
	}
	cg := &cmdCgroup{dir: dir, v2: m.v2, limit: limit}
	max := strconv.FormatInt(int64(limit), 10)
	var err error
	if m.v2 {
		err = writeText(filepath.Join(dir, "memory.max"), max)
		// No swapping past the limit, and the whole command ends at once.
		_ = writeText(filepath.Join(dir, "memory.swap.max"), "0")
		_ = writeText(filepath.Join(dir, "memory.oom.group"), "1")
	} else {
		err = writeText(filepath.Join(dir, "memory.limit_in_bytes"), max)
		_ = writeText(filepath.Join(dir, "memory.memsw.limit_in_bytes"), max)
	}
	if err != nil {
		cg.remove()
		return nil, fmt.Errorf("memory cgroup: %w", err)
	}
	return cg, nil
}

// path is the directory the launcher joins; "" without a cgroup.
func (c *cmdCgroup) path() string {
	if c == nil {
		return ""
	}
	return c.dir
}

// finish reports whether the kernel killed a process of the command for
// memory, and removes the cgroup. The command must have ended.
func (c *cmdCgroup) finish() (oom bool) {
	if c == nil {
		return false
	}
	file := "memory.oom_control"
	if c.v2 {
		file = "memory.events"
	}
	for _, line := range strings.Split(readText(filepath.Join(c.dir, file)), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == "oom_kill" && v != "0" {
			oom = true
		}
	}
	c.remove()
	return oom
}

// remove removes the cgroup, once the last process has left it: exiting
// processes may take a moment to.
func (c *cmdCgroup) remove() {
	for range 100 {
		if err := unix.Rmdir(c.dir); !errors.Is(err, unix.EBUSY) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// defaultMemory is the limit when none is given: half of the machine's
// memory, or of the server's cgroup's limit when that is lower.
func defaultMemory(m *memcg) Memory {
	var si unix.Sysinfo_t
	total := uint64(8 << 30)
	if unix.Sysinfo(&si) == nil {
		total = uint64(si.Totalram) * uint64(si.Unit)
	}
	if m != nil {
		if own := m.ownLimit(); own > 0 && own < total {
			total = own
		}
	}
	return max(Memory(total/2), minMemory)
}

// joinCgroup moves the launcher into the command's cgroup, before it
// starts anything.
func joinCgroup(dir string) error {
	if err := writeText(filepath.Join(dir, "cgroup.procs"), "0"); err != nil {
		return fmt.Errorf("join memory cgroup: %w", err)
	}
	return nil
}

func readText(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return b.String()
}

func writeText(name, text string) error {
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// newCgroup makes a command's memory cgroup; nil when commands get none.
func (s *Sandbox) newCgroup() (*cmdCgroup, error) {
	if s.os.memcg == nil || s.os.memory <= 0 || s.cfg.Mode == Off {
		return nil, nil
	}
	return s.os.memcg.newCgroup(s.os.memory)
}
