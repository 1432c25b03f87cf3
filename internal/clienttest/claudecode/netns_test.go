//go:build linux

package claudecode

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Claude Code runs in a network namespace of its own that has nothing but
// a loopback interface: whatever it (or the agentbox it starts) tries to
// reach beyond the fake model and agentbox's HTTP server fails, since there
// is no route. The two servers run in the test's namespace, so they are
// carried in through Unix sockets: this test binary, started in the new
// namespace as a bridge, listens on the same 127.0.0.1 ports there and
// hands each connection to a socket that the test joins to the real port.
//
// bridgeEnv holds the bridge's plan; TestMain runs the bridge when it is
// set, and the arguments are the command to run in the namespace.
const bridgeEnv = "AGENTBOX_CLIENTTEST_BRIDGE"

// bridgePlan maps a loopback port to the Unix socket that leads to it.
type bridgePlan map[int]string

// isolate rewrites cmd to run in a new network namespace where 127.0.0.1
// has the given ports of the test's loopback, and nothing else. Sockets go
// in dir, which must have a short path.
func isolate(t *testing.T, cmd *exec.Cmd, dir string, ports ...int) {
	t.Helper()
	plan := bridgePlan{}
	for _, port := range ports {
		sock := filepath.Join(dir, strconv.Itoa(port)+".sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatalf("bridge socket: %v", err)
		}
		t.Cleanup(func() { l.Close() })
		go joinTo(l, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		plan[port] = sock
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(plan)
	cmd.Args = append([]string{self}, cmd.Args...)
	cmd.Path = self
	cmd.Env = append(cmd.Env, bridgeEnv+"="+string(spec))
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWNET
	if os.Geteuid() != 0 {
		// A user namespace lets a user who is not root make the network
		// namespace (where the kernel allows unprivileged ones).
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
	}
}

// joinTo joins each connection on l to a new connection to addr.
func joinTo(l net.Listener, network, addr string) {
	for {
		in, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			out, err := net.Dial(network, addr)
			if err != nil {
				in.Close()
				return
			}
			pipe(in, out)
		}()
	}
}

// pipe copies both ways until both sides are done, then closes both.
func pipe(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	half := func(dst, src net.Conn) {
		defer wg.Done()
		io.Copy(dst, src) //nolint:errcheck // either side may go away
		if c, ok := dst.(interface{ CloseWrite() error }); ok {
			c.CloseWrite() //nolint:errcheck
		}
	}
	go half(a, b)
	go half(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

// bridgeMain runs in the new namespace: it brings loopback up, listens on
// the plan's ports, runs the command and exits with its status.
func bridgeMain(spec string, args []string) int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "bridge:", err)
		return 125
	}
	var plan bridgePlan
	if err := json.Unmarshal([]byte(spec), &plan); err != nil {
		return fail(err)
	}
	if len(args) == 0 {
		return fail(fmt.Errorf("no command"))
	}
	if err := loopbackUp(); err != nil {
		return fail(fmt.Errorf("bringing lo up: %w", err))
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return fail(err)
	}
	for _, iface := range ifaces {
		if iface.Flags&net.FlagLoopback == 0 {
			return fail(fmt.Errorf("the namespace has the interface %s besides loopback", iface.Name))
		}
	}
	for port, sock := range plan {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return fail(err)
		}
		go joinTo(l, "unix", sock)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// The command dies with the bridge: Pdeathsig follows the thread that
	// started it, so that thread stays this goroutine's.
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s) //nolint:errcheck // it may have ended
		}
	}()
	err = cmd.Wait()
	if cmd.ProcessState != nil && cmd.ProcessState.Exited() {
		return cmd.ProcessState.ExitCode()
	}
	return fail(err)
}

// loopbackUp sets the lo interface up, as `ip link set lo up` does.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
