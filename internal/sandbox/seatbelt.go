package sandbox

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Seatbelt is macOS's sandbox: /usr/bin/sandbox-exec applies a profile
// written in SBPL (a small Scheme) and runs a command under it; everything
// the command starts inherits the profile. This file writes the profile. It
// builds on every system, so that its goldens and checks run in CI here;
// sandbox_darwin.go runs it.
//
// The profile starts from (deny default) and allows what a command needs.
// Seatbelt uses the last rule that matches, so the rules come in layers,
// broad to narrow: the system, reads, writes, network; then the hidden
// paths (denied after the broad allows); then the writable or readable
// paths that lie inside hidden ones (allowed again); then the protected
// paths (.git/hooks and .git/config, the ancestors of hidden paths).
//
// Every path reaches the profile as a parameter, (param "NAME"), defined
// on the command line with -DNAME=path: a path is never spliced into the
// profile's text, so no path can change its meaning.

// sandboxExec is the program that applies a profile. Only this one: a
// sandbox-exec found on PATH could be anyone's.
const sandboxExec = "/usr/bin/sandbox-exec"

// darwinHomeSecrets are the entries of a Mac's home directory that hold
// credentials, cookies or mail, hidden besides homeSecrets.
var darwinHomeSecrets = []string{
	"Library/Keychains", "Library/Cookies", "Library/Mail", "Library/Messages",
	"Library/Safari", "Library/Application Support/Google/Chrome",
	"Library/Application Support/Firefox", "Library/Application Support/Claude",
	"Library/Group Containers",
}

// darwinGitHome are git's configuration files in the home directory,
// which commands may read on macOS whatever else is hidden or out of reach
// (~/.config is hidden, strict mode reads no home). Where Linux shows a
// hidden directory empty and Landlock refuses with EACCES, which git
// passes over, Seatbelt refuses with EPERM, and git stops at a
// configuration file it may not read ("fatal: unable to access"). git's
// credential store (~/.config/git/credentials) stays hidden.
var darwinGitHome = []string{".gitconfig", ".config/git/config", ".config/git/ignore", ".config/git/attributes"}

// darwinSystemSecrets are the system paths hidden from commands on macOS:
// the analogues of systemSecrets. Daemon sockets live in /private/var/run
// (Seatbelt also refuses connect(2) to any socket the network rules do not
// allow), the shared temporary directories in /private/tmp and
// /private/var/tmp.
var darwinSystemSecrets = []string{
	"/private/etc/master.passwd", "/private/etc/sudoers", "/private/etc/sudoers.d",
	"/private/var/run", "/private/tmp", "/private/var/tmp",
}

// darwinStrictRoots are the system directories commands may read in
// strict mode on macOS.
var darwinStrictRoots = []string{
	"/usr", "/bin", "/sbin", "/opt", "/nix", "/System",
	"/Library/Apple", "/Library/Developer", "/Library/Frameworks", "/Library/Java",
	"/Library/Preferences", "/Applications/Xcode.app",
	"/private/etc", "/private/var/db/timezone", "/private/var/db/dyld", "/private/var/db/xcode_select_link",
	"/private/var/select",
}

// darwinResolver are the files DNS needs, kept readable inside the hidden
// /private/var/run when commands may use the network: the resolver's
// configuration (/etc/resolv.conf) and mDNSResponder's socket, which
// getaddrinfo asks.
var darwinResolver = []sbPath{
	{"RESOLV_CONF", "/private/var/run/resolv.conf"},
	{"MDNS_RESPONDER", "/private/var/run/mDNSResponder"},
}

// seatbeltInput is what one command's profile is made from: the sandbox's
// configuration and the command's own directories, not yet resolved.
type seatbeltInput struct {
	Workspace, Tmp, Cache string // writable
	State                 string // the server's private directory: hidden
	Home                  string
	Shell                 string
	AllowWrite, AllowRead []string
	Hide                  []string // more paths neither read nor written: Config.Hide
	Strict                bool
	StrictRoots           []string // strict mode: the system directories and toolchains to read
	Network               bool
	// Git is the workspace's .git when commands may not change its hooks
	// and config, "" otherwise; GitMore are more paths to keep read-only
	// (the hooks and config of submodules).
	Git     string
	GitMore []string
}

// sbPath is a path in a profile: the parameter that names it and its value.
type sbPath struct{ Name, Path string }

// seatbeltPolicy is a profile's content, every path resolved.
type seatbeltPolicy struct {
	Write  []sbPath // read, write, and bind or connect Unix sockets
	Strict bool
	Read   []sbPath // strict mode: read (and map executable)
	Hidden []sbPath // neither read nor write
	// KeepWrite and KeepRead lie inside hidden paths but stay writable or
	// readable: TMPDIR and the cache inside the server's private
	// directory, a workspace inside ~/.config. KeptParents are the
	// directories from a hidden path down to them, whose metadata stays
	// readable so that realpath(3) can walk through them.
	KeepWrite, KeepRead, KeptParents []sbPath
	// Pinned are directories that hold hidden paths and lie inside
	// writable ones: they may not be renamed or removed, which would move a
	// secret out from under its rule.
	Pinned []sbPath
	// GitDir may not be renamed, removed or (as a file) changed;
	// GitProtect may not be changed at all.
	GitDir     []sbPath
	GitProtect []sbPath
	Network    bool
	Resolver   []sbPath // network: DNS files kept readable in /private/var/run
}

// realPath resolves p the way the kernel will see it: every symlink in the
// part that exists resolved (/tmp is /private/tmp on macOS), the rest
// appended as it is. Seatbelt matches resolved paths, so a rule for /tmp
// would match nothing.
func realPath(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// seatbeltPolicyFor resolves in's paths with resolve (realPath, or a fake
// in tests) into a policy. It works on slash paths, the only kind macOS
// has, so that its goldens hold on every system.
func seatbeltPolicyFor(in seatbeltInput, resolve func(string) string) seatbeltPolicy {
	res := func(ps []string) []string {
		var out []string
		for _, q := range ps {
			if path.IsAbs(q) {
				out = append(out, resolve(q))
			}
		}
		return out
	}
	named := func(prefix string, ps []string) []sbPath {
		var out []sbPath
		for i, p := range ps {
			out = append(out, sbPath{fmt.Sprintf("%s_%d", prefix, i), p})
		}
		return out
	}
	p := seatbeltPolicy{Strict: in.Strict, Network: in.Network}
	p.Write = []sbPath{
		{"WORKSPACE", resolve(in.Workspace)},
		{"TMPDIR", resolve(in.Tmp)},
		{"CACHE", resolve(in.Cache)},
	}
	p.Write = append(p.Write, named("ALLOW_WRITE", res(in.AllowWrite))...)
	allowRead := named("ALLOW_READ", res(in.AllowRead))
	p.Hidden = []sbPath{{"STATE", resolve(in.State)}}
	p.Hidden = append(p.Hidden, named("HIDE", res(in.Hide))...)
	if in.Home != "" && path.IsAbs(in.Home) && path.Clean(in.Home) != "/" {
		home := resolve(in.Home)
		var secrets []string
		for _, name := range slices.Concat(homeSecrets, darwinHomeSecrets) {
			secrets = append(secrets, path.Join(home, name))
		}
		p.Hidden = append(p.Hidden, named("HOME_SECRET", secrets)...)
		var git []string
		for _, name := range darwinGitHome {
			git = append(git, path.Join(home, name))
		}
		allowRead = append(allowRead, named("HOME_GIT", git)...)
	}
	p.Hidden = append(p.Hidden, named("SYSTEM_SECRET", res(darwinSystemSecrets))...)
	if in.Strict {
		roots := res(in.StrictRoots)
		if in.Shell != "" {
			roots = append(roots, resolve(in.Shell))
		}
		p.Read = append(named("READ", roots), allowRead...)
	}
	if in.Network {
		for _, r := range darwinResolver {
			p.Resolver = append(p.Resolver, sbPath{r.Name, resolve(r.Path)})
		}
	}

	// A hidden path that is itself writable or allowed to be read (--allow-read
	// ~/.aws) is not hidden, as on Linux.
	granted := paths(slices.Concat(p.Write, allowRead))
	p.Hidden = slices.DeleteFunc(p.Hidden, func(h sbPath) bool { return slices.Contains(granted, h.Path) })
	hidden := paths(p.Hidden)
	inHidden := func(q sbPath) bool {
		return slices.ContainsFunc(hidden, func(h string) bool { return q.Path != h && within(q.Path, h) })
	}
	for _, w := range p.Write {
		if inHidden(w) {
			p.KeepWrite = append(p.KeepWrite, w)
		}
	}
	for _, r := range slices.Concat(allowRead, p.Resolver) {
		if inHidden(r) {
			p.KeepRead = append(p.KeepRead, r)
		}
	}
	var parents []string
	for _, k := range slices.Concat(p.KeepWrite, p.KeepRead) {
		for _, h := range hidden {
			for a := path.Dir(k.Path); within(a, h); a = path.Dir(a) {
				parents = append(parents, a)
			}
		}
	}
	slices.Sort(parents)
	p.KeptParents = named("KEPT_PARENT", slices.Compact(parents))
	var pinned []string
	for _, h := range hidden {
		for a := path.Dir(h); a != path.Dir(a); a = path.Dir(a) {
			if slices.ContainsFunc(p.Write, func(w sbPath) bool { return a != w.Path && within(a, w.Path) }) {
				pinned = append(pinned, a)
			}
		}
	}
	slices.Sort(pinned)
	p.Pinned = named("PINNED", slices.Compact(pinned))

	if in.Git != "" {
		git := resolve(in.Git)
		p.GitDir = []sbPath{{"GIT", git}}
		p.GitProtect = []sbPath{
			{"GIT_HOOKS", path.Join(git, "hooks")},
			{"GIT_CONFIG", path.Join(git, "config")},
			{"GIT_CONFIG_WORKTREE", path.Join(git, "config.worktree")},
			{"GIT_COMMONDIR", path.Join(git, "commondir")},
		}
		p.GitProtect = append(p.GitProtect, named("GIT_MORE", res(in.GitMore))...)
	}
	return p
}

// mdnsResponder picks mDNSResponder's socket out of resolver.
func mdnsResponder(resolver []sbPath) []sbPath {
	return slices.DeleteFunc(slices.Clone(resolver), func(p sbPath) bool { return p.Name != "MDNS_RESPONDER" })
}

func paths(ps []sbPath) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Path
	}
	return out
}

// sbString quotes s as an SBPL string literal.
func sbString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// profileWriter writes a profile and collects the parameters it uses.
type profileWriter struct {
	b      strings.Builder
	params []sbPath
	seen   map[string]bool
}

func (w *profileWriter) line(s string) { w.b.WriteString(s + "\n") }

func (w *profileWriter) comment(s string) { w.line("\n; " + s) }

// rule writes (action ops filters...), a filter to a line; no filters
// means every object of the operations.
func (w *profileWriter) rule(action, ops string, filters ...string) {
	if len(filters) == 0 {
		w.line("(" + action + " " + ops + ")")
		return
	}
	w.line("(" + action + " " + ops + "\n  " + strings.Join(filters, "\n  ") + ")")
}

// param returns the filter kind ("subpath" or "literal") of p, taking p's
// path as a parameter.
func (w *profileWriter) param(kind string, p sbPath) string {
	if !w.seen[p.Name] {
		if w.seen == nil {
			w.seen = map[string]bool{}
		}
		w.seen[p.Name] = true
		w.params = append(w.params, p)
	}
	return "(" + kind + " (param " + sbString(p.Name) + "))"
}

func (w *profileWriter) each(kind string, ps []sbPath) []string {
	var out []string
	for _, p := range ps {
		out = append(out, w.param(kind, p))
	}
	return out
}

// profile writes the policy as SBPL and returns it with the parameters it
// uses, in the order of first use.
func (p seatbeltPolicy) profile() (string, []sbPath) {
	w := &profileWriter{}
	w.line("(version 1)")
	w.line("(deny default)")

	w.comment("Processes: a command may run programs, and see and signal its own processes.")
	w.rule("allow", "process-exec process-fork")
	w.rule("allow", "signal", "(target same-sandbox)")
	w.rule("allow", "process-info*", "(target same-sandbox)")

	w.comment("What programs ask of the system: hardware and OS facts (not other processes'")
	w.line("; arguments and environment), users and groups, preferences, logging, semaphores.")
	w.rule("allow", "sysctl-read", sysctlNames()...)
	w.rule("allow", "sysctl-write", `(sysctl-name "kern.grade_cputype")`)
	w.rule("allow", "user-preference-read")
	w.rule("allow", "mach-lookup", globalNames(machServices)...)
	w.rule("allow", "ipc-posix-sem")

	w.comment("Devices: null, zero, random, the terminal, the process's own descriptors;")
	w.line("; pseudo-terminals the command opens itself.")
	w.rule("allow", "file-read* file-write-data file-ioctl",
		`(literal "/dev/null")`, `(literal "/dev/zero")`, `(literal "/dev/tty")`, `(literal "/dev/dtracehelper")`)
	w.rule("allow", "file-read*", `(literal "/dev/random")`, `(literal "/dev/urandom")`)
	w.rule("allow", "file-read* file-write-data", `(subpath "/dev/fd")`)
	w.rule("allow", "pseudo-tty")
	w.rule("allow", "file-read* file-write* file-ioctl", `(literal "/dev/ptmx")`,
		`(require-all (regex #"^/dev/ttys[0-9]+$") (extension "com.apple.sandbox.pty"))`)

	if p.Strict {
		w.comment("Reads (strict): system directories, toolchains, --allow-read; the")
		w.line("; writable directories below. Any path's metadata, so paths resolve.")
		w.rule("allow", "file-read-metadata")
		w.rule("allow", "file-read* file-map-executable", w.each("subpath", p.Read)...)
	} else {
		w.comment("Reads: everything but the hidden paths below.")
		w.rule("allow", "file-read* file-map-executable")
	}

	w.comment("Writes: the workspace, TMPDIR, the build cache, --allow-write.")
	w.rule("allow", "file-read* file-map-executable file-write*", w.each("subpath", p.Write)...)

	var local, remote []string
	for _, f := range w.each("subpath", p.Write) {
		local = append(local, "(local unix-socket "+f+")")
		remote = append(remote, "(remote unix-socket "+f+")")
	}
	if p.Network {
		w.comment("Network (--allow-network): IP, DNS and TLS trust; Unix sockets only in the")
		w.line("; writable directories.")
		w.rule("allow", "system-socket")
		w.rule("allow", "network-bind network-inbound", `(local ip "*:*")`)
		w.rule("allow", "network-outbound", append([]string{`(remote ip "*:*")`}, w.each("literal", mdnsResponder(p.Resolver))...)...)
		w.rule("allow", "mach-lookup", globalNames(networkServices)...)
		w.rule("allow", "sysctl-read", `(sysctl-name-prefix "net.routetable.")`)
	} else {
		w.comment("Network: none, not even loopback (Seatbelt cannot tell a server the command")
		w.line("; starts from the host's); Unix sockets only in the writable directories.")
		w.rule("allow", "system-socket", "(socket-domain AF_UNIX)")
	}
	w.rule("allow", "network-bind", local...)
	w.rule("allow", "network-outbound", remote...)

	w.comment("Hidden: the server's private directory, the home directory's secrets, system")
	w.line("; secrets and the shared temporary directories. After the allows above, so they win.")
	w.rule("deny", "file-read* file-map-executable file-write*", w.each("subpath", p.Hidden)...)
	w.rule("deny", "file-read* file-write*", `(regex #"^/private/etc/ssh/ssh_host_.*key$")`)

	if len(p.KeepWrite)+len(p.KeepRead) > 0 {
		w.comment("Inside hidden paths, what stays: this command's TMPDIR and cache, and the like;")
		w.line("; the metadata of the directories above them, so that paths through them resolve.")
		w.rule("allow", "file-read-metadata", w.each("literal", p.KeptParents)...)
		if len(p.KeepWrite) > 0 {
			w.rule("allow", "file-read* file-map-executable file-write*", w.each("subpath", p.KeepWrite)...)
		}
		if len(p.KeepRead) > 0 {
			w.rule("allow", "file-read* file-map-executable", w.each("subpath", p.KeepRead)...)
		}
	}

	if len(p.Pinned) > 0 {
		w.comment("Directories holding hidden paths: not renamed or removed.")
		w.rule("deny", "file-write-unlink", w.each("literal", p.Pinned)...)
	}
	if len(p.GitDir) > 0 {
		w.comment("The workspace's .git: not renamed, removed or replaced; its hooks and config")
		w.line("; read-only, so a command cannot plant what git later runs outside the sandbox.")
		w.rule("deny", "file-write*", slices.Concat(w.each("literal", p.GitDir), w.each("subpath", p.GitProtect))...)
	}
	return w.b.String(), w.params
}

// sysctlNames are the sysctls commands may read: facts about the machine
// and the OS that runtimes and build tools ask for. Not kern.procargs2,
// which holds other processes' arguments and environment (the server's
// included), nor kern.proc.all.
func sysctlNames() []string {
	var out []string
	for _, n := range []string{
		"kern.argmax", "kern.boottime", "kern.hostname", "kern.maxfiles", "kern.maxfilesperproc",
		"kern.maxproc", "kern.ngroups", "kern.osproductversion", "kern.osrelease", "kern.osrevision",
		"kern.ostype", "kern.osvariant_status", "kern.osversion", "kern.secure_kernel",
		"kern.usrstack64", "kern.version", "kern.tcsm_available", "kern.tcsm_enable",
		"kern.willshutdown", "security.mac.lockdown_mode_state",
		"sysctl.proc_cputype", "sysctl.proc_translated", "vm.loadavg",
	} {
		out = append(out, "(sysctl-name "+sbString(n)+")")
	}
	for _, n := range []string{"hw.", "machdep.cpu.", "kern.proc.pid.", "kern.proc.pgrp."} {
		out = append(out, "(sysctl-name-prefix "+sbString(n)+")")
	}
	return out
}

// machServices are the system services commands may reach. Not the
// keychain (com.apple.SecurityServer), nor Launch Services or Apple Events,
// through which a command could have an application outside the sandbox
// act for it.
var machServices = []string{
	"com.apple.system.opendirectoryd.libinfo", "com.apple.system.opendirectoryd.membership",
	"com.apple.system.logger", "com.apple.logd", "com.apple.system.notification_center",
	"com.apple.cfprefsd.daemon", "com.apple.cfprefsd.agent", "com.apple.bsd.dirhelper",
}

// networkServices are the services DNS and TLS need, with --allow-network.
var networkServices = []string{
	"com.apple.SystemConfiguration.DNSConfiguration", "com.apple.SystemConfiguration.configd",
	"com.apple.networkd", "com.apple.trustd", "com.apple.trustd.agent", "com.apple.ocspd",
}

func globalNames(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, "(global-name "+sbString(n)+")")
	}
	return out
}

// seatbeltArgs is the argv that runs argv (argv[0] an absolute path) under
// the policy.
func seatbeltArgs(p seatbeltPolicy, argv []string) []string {
	profile, params := p.profile()
	args := []string{sandboxExec, "-p", profile}
	for _, q := range params {
		args = append(args, "-D"+q.Name+"="+q.Path)
	}
	return append(append(args, "--"), argv...)
}

// gitMore lists the hooks directories and config files of the submodules
// in gitDir, which commands may not change either.
func gitMore(gitDir string) []string {
	hooks, _ := filepath.Glob(filepath.Join(gitDir, "modules", "*", "hooks"))
	cfgs, _ := filepath.Glob(filepath.Join(gitDir, "modules", "*", "config"))
	return append(hooks, cfgs...)
}

// workspaceGit returns the .git in ws (a directory or a file), or "".
func workspaceGit(ws string) string {
	g := filepath.Join(ws, ".git")
	if _, err := os.Lstat(g); err != nil {
		return ""
	}
	return g
}
