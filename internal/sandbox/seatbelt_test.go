package sandbox

import (
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the Seatbelt goldens in testdata/seatbelt")

// macPaths resolves paths the way a Mac does, for the goldens: /tmp, /var
// and /etc are symlinks into /private.
func macPaths(p string) string {
	p = path.Clean(p)
	for _, link := range []string{"/tmp", "/var", "/etc"} {
		if p == link || strings.HasPrefix(p, link+"/") {
			return "/private" + p
		}
	}
	return p
}

// aliceInput is a command of a server that Alice started on her Mac, with
// the system's temporary directory (/var/folders/...) for its state.
func aliceInput() seatbeltInput {
	state := "/var/folders/xy/abc123/T/agentbox-sandbox-42-0a1b2c3d4e5f"
	return seatbeltInput{
		Workspace: "/Users/alice/src/project",
		Tmp:       state + "/session-123/tmp",
		Cache:     state + "/cache",
		State:     state,
		Home:      "/Users/alice",
		Shell:     "/opt/homebrew/bin/bash",
		Git:       "/Users/alice/src/project/.git",
	}
}

// seatbeltCases are the configurations whose profile and argv are pinned
// in testdata/seatbelt/NAME.txtar.
var seatbeltCases = []struct {
	name, about string
	input       func() seatbeltInput
}{
	{"default", "The default: reads everywhere but the hidden paths, writes to the workspace,\nTMPDIR and the cache, no network, .git/hooks and .git/config read-only.\n", aliceInput},
	{"strict", "--read-confinement=strict: reads only the system directories, the toolchains\non PATH (here a Go in ~/sdk) and --allow-read, one of which lies inside the\nhidden ~/.config and is allowed again after the denies.\n", func() seatbeltInput {
		in := aliceInput()
		in.Strict = true
		in.StrictRoots = append(slices.Clone(darwinStrictRoots), "/Users/alice/sdk/go1.26.0")
		in.AllowRead = []string{"/Users/alice/.config/gcloud/configurations"}
		return in
	}},
	{"network", "--allow-network: IP, DNS (resolv.conf and mDNSResponder kept readable inside\nthe hidden /private/var/run) and the TLS trust services.\n", func() seatbeltInput {
		in := aliceInput()
		in.Network = true
		return in
	}},
	{"allow-git-config", "--allow-git-config: no rules for .git.\n", func() seatbeltInput {
		in := aliceInput()
		in.Git = ""
		return in
	}},
	{"allow-write", "--allow-write for the Go module cache and for a directory in /tmp (given\nas /tmp, written as /private/tmp, allowed again inside the hidden\n/private/tmp); a workspace reached through /tmp; a submodule's hooks.\n", func() seatbeltInput {
		in := aliceInput()
		in.Workspace = "/tmp/project"
		in.Git = "/tmp/project/.git"
		in.GitMore = []string{"/tmp/project/.git/modules/lib/hooks", "/tmp/project/.git/modules/lib/config"}
		in.AllowWrite = []string{"/Users/alice/go/pkg/mod", "/tmp/shared", "relative/ignored"}
		return in
	}},
	{"workspace-is-home", "The home directory as the workspace: the secrets inside it stay hidden, and\nthe directories holding them (~/.cargo, ~/Library, ...) cannot be renamed.\n", func() seatbeltInput {
		in := aliceInput()
		in.Workspace = "/Users/alice"
		in.Git = ""
		return in
	}},
}

// argvText writes argv one quoted argument a line, with the profile
// (pinned in its own section) as <profile.sb>.
func argvText(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 && argv[i-1] == "-p" {
			a = "<profile.sb>"
		} else {
			a = strconv.Quote(a)
		}
		b.WriteString(a + "\n")
	}
	return b.String()
}

func TestSeatbeltGoldens(t *testing.T) {
	t.Parallel()
	argv := shellArgs("make test")
	argv[0] = "/opt/homebrew/bin/bash"
	for _, c := range seatbeltCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := seatbeltPolicyFor(c.input(), macPaths)
			profile, _ := p.profile()
			got := seatbeltArgs(p, argv)
			ar := &txtar.Archive{Comment: []byte(c.about), Files: []txtar.File{
				{Name: "profile.sb", Data: []byte(profile)},
				{Name: "argv", Data: []byte(argvText(got))},
			}}
			file := filepath.Join("testdata", "seatbelt", c.name+".txtar")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
				require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
			}
			want, err := txtar.ParseFile(file)
			require.NoError(t, err, "run go test ./internal/sandbox -run Seatbelt -update")
			require.Len(t, want.Files, 2)
			assert.Equal(t, string(want.Files[0].Data), profile, "profile.sb; -update rewrites it")
			assert.Equal(t, string(want.Files[1].Data), argvText(got), "argv; -update rewrites it")
			checkSeatbelt(t, got)
		})
	}
}

// sexp is a parsed SBPL form: a list, a string (Regex for #"..."), or a
// symbol or number.
type sexp struct {
	List   []sexp
	IsList bool
	Str    string
	IsStr  bool
	Regex  bool
	Atom   string
}

func (e sexp) String() string {
	switch {
	case e.IsList:
		var parts []string
		for _, x := range e.List {
			parts = append(parts, x.String())
		}
		return "(" + strings.Join(parts, " ") + ")"
	case e.IsStr:
		return strconv.Quote(e.Str)
	}
	return e.Atom
}

// parseSBPL reads the top-level forms of a profile: it fails on an
// unbalanced parenthesis or an unterminated string.
func parseSBPL(src string) ([]sexp, error) {
	var stack [][]sexp
	var top []sexp
	add := func(e sexp) {
		if len(stack) == 0 {
			top = append(top, e)
		} else {
			stack[len(stack)-1] = append(stack[len(stack)-1], e)
		}
	}
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == ' ' || c == '\n' || c == '\t':
			i++
		case c == ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '(':
			stack = append(stack, nil)
			i++
		case c == ')':
			if len(stack) == 0 {
				return nil, fmt.Errorf("unbalanced ) at byte %d", i)
			}
			list := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			add(sexp{List: list, IsList: true})
			i++
		case c == '"' || strings.HasPrefix(src[i:], `#"`):
			regex := c == '#'
			if regex {
				i++
			}
			i++
			var b strings.Builder
			for ; i < len(src) && src[i] != '"'; i++ {
				if src[i] == '\\' {
					i++
					if i == len(src) {
						break
					}
				}
				b.WriteByte(src[i])
			}
			if i >= len(src) {
				return nil, fmt.Errorf("unterminated string")
			}
			i++
			add(sexp{Str: b.String(), IsStr: true, Regex: regex})
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \n\t();\"", rune(src[j])) {
				j++
			}
			add(sexp{Atom: src[i:j]})
			i = j
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("%d unclosed (", len(stack))
	}
	return top, nil
}

// sbplOperations are the operations our profiles may use: each is in
// Apple's own profiles or in those that Codex, Chrome or Anthropic's
// sandbox-runtime ship. An operation sandbox-exec does not know makes it
// refuse the whole profile.
var sbplOperations = map[string]bool{
	"default": true, "process-exec": true, "process-fork": true, "process-info*": true,
	"signal": true, "sysctl-read": true, "sysctl-write": true, "user-preference-read": true,
	"mach-lookup": true, "ipc-posix-sem": true, "pseudo-tty": true,
	"file-read*": true, "file-read-metadata": true, "file-write*": true, "file-write-data": true,
	"file-write-unlink": true, "file-ioctl": true, "file-map-executable": true,
	"system-socket": true, "network-bind": true, "network-inbound": true, "network-outbound": true,
}

// checkFilter checks one filter and collects the parameters it names.
// It knows only the filters our profiles use (require-not is left out on
// purpose: sandbox-exec has been seen to refuse it inside a deny).
func checkFilter(t *testing.T, f sexp, params map[string]bool) {
	t.Helper()
	if !f.IsList || len(f.List) == 0 || f.List[0].Atom == "" {
		t.Errorf("not a filter: %s", f)
		return
	}
	args := f.List[1:]
	str := func(i int) bool { return len(args) > i && args[i].IsStr && !args[i].Regex }
	switch head := f.List[0].Atom; head {
	case "literal", "subpath":
		if len(args) != 1 {
			t.Errorf("%s takes one argument: %s", head, f)
		} else if !str(0) {
			checkFilter(t, args[0], params)
			if args[0].IsList && args[0].List[0].Atom != "param" {
				t.Errorf("%s takes a string or a param: %s", head, f)
			}
		}
	case "param":
		if len(args) != 1 || !str(0) {
			t.Errorf("bad param: %s", f)
		} else {
			params[args[0].Str] = true
		}
	case "regex":
		if len(args) != 1 || !args[0].Regex {
			t.Errorf("regex takes one #\"...\": %s", f)
		}
	case "require-all":
		for _, a := range args {
			checkFilter(t, a, params)
		}
	case "global-name", "sysctl-name", "sysctl-name-prefix", "extension":
		if len(args) != 1 || !str(0) {
			t.Errorf("%s takes one string: %s", head, f)
		}
	case "target":
		if len(args) != 1 || args[0].Atom != "same-sandbox" {
			t.Errorf("target: %s", f)
		}
	case "socket-domain":
		if len(args) != 1 || args[0].Atom != "AF_UNIX" {
			t.Errorf("socket-domain: %s", f)
		}
	case "local", "remote":
		switch {
		case len(args) == 2 && args[0].Atom == "ip" && str(1):
		case len(args) == 2 && args[0].Atom == "unix-socket":
			checkFilter(t, args[1], params)
		default:
			t.Errorf("%s: %s", head, f)
		}
	default:
		t.Errorf("unknown filter %q in %s", head, f)
	}
}

// sbRule is a rule of a profile: its action, operations, filters.
type sbRule struct {
	Action  string
	Ops     []string
	Filters []sexp
	Params  map[string]bool
}

// checkSeatbelt checks the structure of argv (as seatbeltArgs makes it)
// and its profile, and returns the profile's rules.
func checkSeatbelt(t *testing.T, argv []string) []sbRule {
	t.Helper()
	require.GreaterOrEqual(t, len(argv), 5)
	require.Equal(t, []string{sandboxExec, "-p"}, argv[:2])
	profile := argv[2]
	defined := map[string]string{}
	i := 3
	for ; i < len(argv) && argv[i] != "--"; i++ {
		name, value, ok := strings.Cut(strings.TrimPrefix(argv[i], "-D"), "=")
		require.True(t, ok && strings.HasPrefix(argv[i], "-D"), "not a -DNAME=VALUE: %q", argv[i])
		_, dup := defined[name]
		require.False(t, dup, "-D%s twice", name)
		defined[name] = value
	}
	require.Less(t, i+1, len(argv), "-- and a command end the argv")

	forms, err := parseSBPL(profile)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(forms), 2)
	assert.Equal(t, "(version 1)", forms[0].String())
	assert.Equal(t, "(deny default)", forms[1].String())

	used := map[string]bool{}
	var rules []sbRule
	for _, f := range forms[2:] {
		require.True(t, f.IsList && len(f.List) >= 2, "not a rule: %s", f)
		r := sbRule{Action: f.List[0].Atom, Params: map[string]bool{}}
		assert.Contains(t, []string{"allow", "deny"}, r.Action, "%s", f)
		for _, x := range f.List[1:] {
			if x.IsList {
				r.Filters = append(r.Filters, x)
				checkFilter(t, x, r.Params)
				continue
			}
			assert.Empty(t, r.Filters, "an operation after a filter: %s", f)
			assert.True(t, sbplOperations[x.Atom], "unknown operation %q in %s", x.Atom, f)
			r.Ops = append(r.Ops, x.Atom)
		}
		assert.NotEmpty(t, r.Ops, "a rule without operations: %s", f)
		for p := range r.Params {
			used[p] = true
		}
		rules = append(rules, r)
	}
	for p := range used {
		assert.Contains(t, defined, p, "(param %q) has no -D", p)
	}
	for p, v := range defined {
		assert.True(t, used[p], "-D%s is not used", p)
		assert.True(t, path.IsAbs(v), "-D%s=%s is not absolute", p, v)
	}

	// The hidden paths are denied after every broad allow: an allow of
	// files after them must be of paths inside hidden ones.
	hidden := func(name string) bool {
		return name == "STATE" || strings.HasPrefix(name, "HOME_SECRET_") || strings.HasPrefix(name, "SYSTEM_SECRET_")
	}
	files := func(r sbRule) bool {
		return slices.ContainsFunc(r.Ops, func(op string) bool { return strings.HasPrefix(op, "file-") })
	}
	firstHide := slices.IndexFunc(rules, func(r sbRule) bool {
		return r.Action == "deny" && slices.ContainsFunc(mapsKeys(r.Params), hidden)
	})
	require.GreaterOrEqual(t, firstHide, 0, "no rule hides the secrets")
	var hiddenPaths []string
	for name, v := range defined {
		if hidden(name) {
			hiddenPaths = append(hiddenPaths, v)
		}
	}
	for _, r := range rules[firstHide:] {
		if r.Action != "allow" || !files(r) {
			continue
		}
		require.NotEmpty(t, r.Params, "a broad allow after the hidden paths' denies: %v", r.Ops)
		metadata := slices.Equal(r.Ops, []string{"file-read-metadata"})
		for p := range r.Params {
			v := defined[p]
			assert.True(t, slices.ContainsFunc(hiddenPaths, func(h string) bool { return within(v, h) && (metadata || v != h) }),
				"%s (%s) is allowed after the denies but lies in no hidden path", p, v)
		}
	}
	// The protections come last: no allow follows a rule for .git.
	if firstGit := slices.IndexFunc(rules, func(r sbRule) bool {
		return slices.ContainsFunc(mapsKeys(r.Params), func(n string) bool { return strings.HasPrefix(n, "GIT") })
	}); firstGit >= 0 {
		for _, r := range rules[firstGit:] {
			assert.Equal(t, "deny", r.Action, "an allow after the .git rules: %v", r.Ops)
		}
	}
	// No path reaches the profile's text: each is a parameter.
	var walk func(e sexp)
	walk = func(e sexp) {
		for _, x := range e.List {
			walk(x)
		}
		if e.IsStr {
			for name, v := range defined {
				assert.NotEqual(t, v, e.Str, "the path of %s is spliced into the profile", name)
			}
		}
	}
	for _, f := range forms {
		walk(f)
	}
	return rules
}

func mapsKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSeatbeltPolicy(t *testing.T) {
	t.Parallel()
	param := func(ps []sbPath, name string) string {
		for _, p := range ps {
			if p.Name == name {
				return p.Path
			}
		}
		return ""
	}
	t.Run("resolves the paths it is given", func(t *testing.T) {
		p := seatbeltPolicyFor(seatbeltCases[4].input(), macPaths)
		assert.Equal(t, "/private/tmp/project", param(p.Write, "WORKSPACE"))
		assert.Equal(t, "/private/var/folders/xy/abc123/T/agentbox-sandbox-42-0a1b2c3d4e5f", param(p.Hidden, "STATE"))
		assert.Equal(t, "/private/tmp/project/.git/hooks", param(p.GitProtect, "GIT_HOOKS"))
		assert.Equal(t, []string{"/Users/alice/go/pkg/mod", "/private/tmp/shared"}, paths(p.Write[3:]))
	})
	t.Run("keeps TMPDIR and the cache inside the hidden state", func(t *testing.T) {
		p := seatbeltPolicyFor(aliceInput(), macPaths)
		assert.Equal(t, []string{"TMPDIR", "CACHE"}, []string{p.KeepWrite[0].Name, p.KeepWrite[1].Name})
		assert.Len(t, p.KeepWrite, 2)
		assert.Empty(t, p.Pinned, "no hidden path lies inside a writable one")
	})
	t.Run("hides secrets whether they exist or not", func(t *testing.T) {
		p := seatbeltPolicyFor(aliceInput(), macPaths)
		for _, want := range []string{"/Users/alice/.ssh", "/Users/alice/.config", "/Users/alice/.cargo/credentials", "/Users/alice/Library/Keychains", "/private/var/run", "/private/tmp"} {
			assert.Contains(t, paths(p.Hidden), want)
		}
	})
	t.Run("pins the directories that hold secrets inside the workspace", func(t *testing.T) {
		p := seatbeltPolicyFor(seatbeltCases[5].input(), macPaths)
		pinned := paths(p.Pinned)
		for _, want := range []string{"/Users/alice/.cargo", "/Users/alice/Library", "/Users/alice/Library/Application Support", "/Users/alice/.local/share"} {
			assert.Contains(t, pinned, want)
		}
		assert.NotContains(t, pinned, "/Users/alice", "the workspace itself is not inside a writable directory")
	})
	t.Run("does not hide what is granted by name", func(t *testing.T) {
		in := aliceInput()
		in.Workspace = "/Users/alice/.config"
		in.AllowRead = []string{"/Users/alice/.aws"}
		p := seatbeltPolicyFor(in, macPaths)
		assert.NotContains(t, paths(p.Hidden), "/Users/alice/.config")
		assert.NotContains(t, paths(p.Hidden), "/Users/alice/.aws")
		assert.Contains(t, paths(p.Hidden), "/Users/alice/.ssh")
	})
	t.Run("without a home, hides no home secrets", func(t *testing.T) {
		in := aliceInput()
		in.Home = "/"
		p := seatbeltPolicyFor(in, macPaths)
		assert.False(t, slices.ContainsFunc(p.Hidden, func(q sbPath) bool { return strings.HasPrefix(q.Name, "HOME_SECRET") }))
	})
}

func TestSBString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"plain", `a "quoted" word`, `back\slash`, "new\nline", `\"`} {
		forms, err := parseSBPL("(x " + sbString(s) + ")")
		require.NoError(t, err)
		require.Len(t, forms, 1)
		assert.Equal(t, s, forms[0].List[1].Str)
	}
}

// FuzzSeatbeltProfile feeds hostile paths (quotes, parentheses, newlines,
// semicolons) to the generator: the profile must keep its structure and
// carry none of them in its text.
func FuzzSeatbeltProfile(f *testing.F) {
	f.Add("/Users/a/x", "/tmp/y", "/Users/a")
	f.Add(`/Users/a/"x" (allow default)`, "/w\n(allow default)\n", `/h;\"`)
	f.Add("/a)(deny default", "/b/#\"", "/")
	f.Fuzz(func(t *testing.T, ws, write, home string) {
		for _, s := range []string{ws, write, home} {
			if !path.IsAbs(s) || strings.ContainsRune(s, 0) {
				t.Skip()
			}
		}
		in := aliceInput()
		in.Workspace, in.AllowWrite, in.Home = ws, []string{write}, home
		in.AllowRead, in.GitMore = []string{write + "/r"}, []string{ws + "/.git/modules/m/hooks"}
		in.Git = ws + "/.git"
		argv := seatbeltArgs(seatbeltPolicyFor(in, path.Clean), []string{"/bin/bash", "-c", "true"})
		checkSeatbelt(t, argv)
		assert.Contains(t, argv, "-DWORKSPACE="+path.Clean(ws))
		assert.Contains(t, argv, "-DALLOW_WRITE_0="+path.Clean(write))
	})
}

func TestRealPath(t *testing.T) {
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	private := filepath.Join(dir, "private", "tmp")
	require.NoError(t, os.MkdirAll(filepath.Join(private, "real"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join("private", "tmp"), filepath.Join(dir, "tmp")))
	require.NoError(t, os.Symlink("real", filepath.Join(private, "link")))
	for in, want := range map[string]string{
		"tmp":               "private/tmp",
		"tmp/":              "private/tmp",
		"tmp/link":          "private/tmp/real",
		"tmp/link/new/file": "private/tmp/real/new/file",
		"nothing/here":      "nothing/here",
	} {
		assert.Equal(t, filepath.Join(dir, want), realPath(filepath.Join(dir, in)), in)
	}
	assert.Equal(t, "/", realPath("/"))
}
