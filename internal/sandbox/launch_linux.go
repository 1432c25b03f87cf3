package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// LaunchArg was the argument that turned the server's binary into the
// launcher; the launcher is now recognised by its name (see Main).
const LaunchArg = "__agentbox-sandbox"

// specVar is the environment variable that carries the launch spec: the
// launcher's whole environment, so nothing of the server's reaches it.
const specVar = "AGENTBOX_SANDBOX_SPEC"

// launchSpec is what the server asks of one launch.
type launchSpec struct {
	Build    string // the server's launcherBuild: the launcher refuses another
	Probe    bool   // report which steps work instead of running the shell
	Shell    string
	Args     []string // the shell's argv, argv[0] included
	Env      []string
	Dir      string
	PIDNS    bool // the launcher is init of a new PID namespace
	NetNS    bool // the launcher is in a new network namespace: bring lo up
	PidMax   int
	DropCaps bool   // drop capabilities (unless the probe found it impossible)
	Cgroup   string // the command's memory cgroup, which the launcher joins first
	Mount    *mountPlan
	Landlock *landlockPlan
	Seccomp  *seccompPlan
}

// testGuard follows argv[0] when the launcher is a test binary standing in
// for it: should its TestMain forget to call Main, it runs no test and
// exits instead of running the whole suite inside the sandbox.
const testGuard = "-test.run=^$"

// Main runs the launcher and exits when the process was started as one:
// named LauncherName, with the launch spec as its environment. Otherwise it
// returns at once. The server's main, the launcher's and the TestMain of
// every package whose tests run commands call it first.
func Main() {
	if !isLauncher(os.Args) || os.Getenv(specVar) == "" {
		return
	}
	os.Exit(launch())
}

// isLauncher tells whether args are a launcher's.
func isLauncher(args []string) bool {
	if len(args) == 0 || filepath.Base(args[0]) != LauncherName {
		return false
	}
	return len(args) == 1 || slices.Equal(args[1:], []string{testGuard})
}

// launcherBuild identifies what the launcher must agree on with the server:
// the launch spec's shape (a launcher that ignored a field it does not know
// would skip a layer) and, for released builds, the module version. The
// server puts it in every spec; a launcher of another build refuses it.
var launcherBuild = sync.OnceValue(func() string {
	h := sha256.New()
	writeShape(h, reflect.TypeFor[launchSpec](), map[reflect.Type]bool{})
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(h, "|%s", bi.Main.Version)
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				fmt.Fprintf(h, "|%s=%s", s.Key, s.Value)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
})

// writeShape writes the names and types of t's fields, recursively.
func writeShape(w io.Writer, t reflect.Type, seen map[reflect.Type]bool) {
	fmt.Fprintf(w, "%s;", t.String())
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		writeShape(w, t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return
		}
		seen[t] = true
		for f := range t.Fields() {
			fmt.Fprintf(w, "%s:", f.Name)
			writeShape(w, f.Type, seen)
		}
	}
}

// errOtherBuild is the launcher's refusal of a spec from another build.
var errOtherBuild = errors.New("launcher of another build")

// exitSetup is the launcher's exit status when it could not set up the
// sandbox; the reason is on the status pipe.
const exitSetup = 125

// launch sets up the sandbox and runs the shell as its child. Fd 3 is the
// status pipe: the launcher writes "!reason" there if setup fails (or the
// probe report), and the shell later writes its final directory.
func launch() int {
	// Landlock, no_new_privs and the capability bounding set belong to a
	// thread: set them on this one and start the shell from it.
	runtime.LockOSThread()
	// Listen for termination from the start: as init of a PID namespace
	// the launcher ignores a signal it has no handler for, so one that
	// came during setup would be lost.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT)
	status := os.NewFile(3, "status")
	fail := func(err error) int {
		fmt.Fprintf(status, "!%v", err)
		return exitSetup
	}
	var spec launchSpec
	if err := json.Unmarshal([]byte(os.Getenv(specVar)), &spec); err != nil {
		return fail(fmt.Errorf("launch spec: %w", err))
	}
	if spec.Build != launcherBuild() {
		return fail(fmt.Errorf("%w: %s is build %s, the server %s; install both from one release", errOtherBuild, os.Args[0], launcherBuild(), spec.Build))
	}
	report := map[string]string{}
	note := func(step string, err error) error {
		report[step] = ""
		if err != nil {
			report[step] = err.Error()
		}
		return err
	}
	var errs []error
	if spec.Cgroup != "" {
		errs = append(errs, note("cgroup", joinCgroup(spec.Cgroup)))
	}
	// The kernel's OOM killer takes the command before the server.
	_ = os.WriteFile("/proc/self/oom_score_adj", []byte("1000"), 0)
	if !spec.PIDNS {
		// Without a PID namespace, orphans come to us so we can end them.
		errs = append(errs, unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
	}
	if spec.Mount != nil {
		steps, err := spec.Mount.setup(spec.PidMax)
		note("private", steps.Private)
		note("readonly", steps.ReadOnly)
		note("writable", steps.Writable)
		note("git", steps.Git)
		note("hide", steps.Hide)
		note("dev", steps.Dev)
		note("proc", steps.Proc)
		note("pidmax", steps.PidMax)
		errs = append(errs, err)
	}
	if spec.NetNS {
		errs = append(errs, note("loopback", loopbackUp()))
	}
	if spec.Landlock != nil {
		errs = append(errs, note("landlock", spec.Landlock.restrict()))
	}
	if spec.DropCaps {
		errs = append(errs, note("caps", dropCaps()))
	}
	if spec.Seccomp != nil {
		listener, err := spec.Seccomp.start(spec.Probe)
		errs = append(errs, note("seccomp", err))
		if listener >= 0 && spec.Probe {
			unix.Close(listener)
		}
	}
	if spec.Probe {
		abi, _ := landlockABI()
		report["abi"] = strconv.Itoa(abi)
		_ = json.NewEncoder(status).Encode(report)
		return 0
	}
	if err := errors.Join(errs...); err != nil {
		return fail(err)
	}
	select {
	case sig := <-sigs:
		return 128 + int(sig.(syscall.Signal)) // stopped before it started
	default:
	}
	pid, err := syscall.ForkExec(spec.Shell, spec.Args, &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: []uintptr{0, 1, 2, 3},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return fail(fmt.Errorf("start %s: %w", spec.Shell, err))
	}
	status.Close()
	return reap(pid, spec.PIDNS, sigs)
}

// reap is init's loop: it forwards termination signals to every process of
// the sandbox, reaps whatever exits, and returns the shell's exit status
// when the shell ends. In a PID namespace, returning is enough to end the
// rest: the kernel kills every process left when init exits.
func reap(shell int, pidns bool, sigs <-chan os.Signal) int {
	go func() {
		for s := range sigs {
			sig := s.(syscall.Signal)
			if pidns {
				_ = unix.Kill(-1, sig) // every process in the namespace but init
				continue
			}
			_ = unix.Kill(0, sig) // our process group: the shell and its jobs
			for _, p := range children(os.Getpid()) {
				_ = unix.Kill(p, sig)
			}
		}
	}()
	code := exitSetup
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return code
		}
		if pid != shell {
			continue
		}
		code = ws.ExitStatus()
		if ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		if pidns {
			return code
		}
		killOrphans()
		return code
	}
}

// killOrphans kills and reaps every descendant left when the shell ended,
// for launches without a PID namespace: as a child subreaper the launcher
// adopts each orphan, daemons that setsid included.
func killOrphans() {
	self := os.Getpid()
	for {
		pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
		switch {
		case errors.Is(err, unix.ECHILD):
			return // none left
		case pid > 0:
			continue // reaped one; look again
		}
		kids := children(self)
		for _, p := range kids {
			_ = unix.Kill(p, unix.SIGKILL)
		}
		if len(kids) == 0 {
			time.Sleep(5 * time.Millisecond) // an orphan on its way to us
		}
	}
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

// loopbackUp brings up lo in a new network namespace, so commands can talk
// to servers they start themselves.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	return nil
}

// keptCaps are the capabilities a command keeps when it runs as root in
// its user namespace: those that let root own and change files (within what
// Landlock and the mounts allow) and signal its own processes. It loses the
// rest, mount and network administration among them. They are capabilities
// in the sandbox's user namespace only, never over the host.
var keptCaps = []uintptr{
	unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH, unix.CAP_FOWNER,
	unix.CAP_FSETID, unix.CAP_KILL, unix.CAP_SETGID, unix.CAP_SETUID, unix.CAP_NET_BIND_SERVICE,
}

// dropCaps removes every other capability from this thread's bounding,
// inheritable and ambient sets, so the shell it starts cannot regain them.
// A thread of another user than root that holds no capability at all (as
// in a sandbox without a user namespace) has nothing to drop: the shell it
// starts gets none.
func dropCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	if data[0].Permitted|data[1].Permitted|data[0].Inheritable|data[1].Inheritable == 0 && os.Geteuid() != 0 {
		return nil
	}
	keep := map[uintptr]bool{}
	for _, c := range keptCaps {
		keep[c] = true
	}
	for c := uintptr(0); c < 64; c++ {
		if keep[c] {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil {
			if errors.Is(err, unix.EINVAL) {
				break // past the last capability the kernel knows
			}
			return fmt.Errorf("drop capability %d: %w", c, err)
		}
	}
	var mask [2]uint32
	for _, c := range keptCaps {
		mask[c/32] |= 1 << (c % 32)
	}
	for i := range data {
		data[i].Inheritable &= mask[i]
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	return nil
}
