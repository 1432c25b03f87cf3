package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"github.com/agentbox/agentbox/internal/lazyre"
)

// auditMaxValue is the longest argument string an audit line keeps; a
// longer one (file content, a patch) is replaced by its size and hash.
const auditMaxValue = 256

// redacted stands for what the audit log leaves out.
const redacted = "[redacted]"

// redact copies tool arguments for the audit log: values of arguments with
// secret names are replaced, credentials inside strings are masked
// (redactString), and strings over auditMaxValue bytes become their size
// and hash.
func redact(args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		if secretName(k) {
			out[k] = redacted
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch v := v.(type) {
	case string:
		if len(v) > auditMaxValue {
			sum := sha256.Sum256([]byte(v))
			return fmt.Sprintf("[%d bytes, sha256 %s]", len(v), hex.EncodeToString(sum[:8]))
		}
		return redactString(v)
	case map[string]any:
		return redact(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = redactValue(e)
		}
		return out
	}
	return v
}

// tokenShapes are credentials recognisable by their form alone. Each
// keeps its first group (the prefix that says what kind of token it was)
// and loses the rest. They run first, so a token is masked wherever it
// stands.
var tokenShapes = []*lazyre.Regexp{
	lazyre.New(`\b(gh[pousr]_)[A-Za-z0-9]{20,}`),                                                 // GitHub tokens
	lazyre.New(`\b(github_pat_)[A-Za-z0-9_]{20,}`),                                               // GitHub fine-grained tokens
	lazyre.New(`\b(glpat-)[A-Za-z0-9_-]{20,}`),                                                   // GitLab
	lazyre.New(`\b(sk-ant-)[A-Za-z0-9_-]{20,}`),                                                  // Anthropic
	lazyre.New(`\b(sk-(?:proj-|svcacct-|admin-)?)[A-Za-z0-9_-]{20,}`),                            // OpenAI
	lazyre.New(`\b([rsp]k_(?:live|test)_)[A-Za-z0-9]{16,}`),                                      // Stripe
	lazyre.New(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`),                                                    // AWS access key IDs
	lazyre.New(`\b(xox[abeprs]-)[A-Za-z0-9-]{10,}`),                                              // Slack
	lazyre.New(`\b(xapp-)[A-Za-z0-9-]{10,}`),                                                     // Slack app tokens
	lazyre.New(`\b(AIza)[A-Za-z0-9_-]{35}`),                                                      // Google API keys
	lazyre.New(`\b(npm_)[A-Za-z0-9]{36}`),                                                        // npm
	lazyre.New(`\b(hf_)[A-Za-z0-9]{30,}`),                                                        // Hugging Face
	lazyre.New(`\b(eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`),                 // JWTs
	lazyre.New(`(-----BEGIN [A-Z ]*PRIVATE KEY-----)[^-]*(?:-----END [A-Z ]*PRIVATE KEY-----)?`), // PEM keys
}

var (
	// urlPassword is the password of a URL: scheme://user:PASSWORD@host.
	urlPassword = lazyre.New(`(?i)\b([a-z][a-z0-9+.-]*://[^\s:/?#@"'\x60]*:)[^\s/?#@"'\x60]+@`)
	// authHeader is the credentials of an Authorization header, after its
	// scheme, and a bare "Bearer TOKEN".
	authHeader = lazyre.New(`(?i)(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|digest|token|negotiate|ntlm|apikey)\s+|\bbearer\s+)[^\s"',;$][^\s"',;]*`)
	// cookieHeader is the cookies of a Cookie or Set-Cookie header, all of
	// them, to the end of the line or the quote.
	cookieHeader = lazyre.New(`(?i)(\b(?:set-)?cookie["']?\s*:\s*)[^"'\r\n]+`)
	// userFlag is the password of curl's -u/--user user:PASSWORD.
	userFlag = lazyre.New(`((?:^|[\s;&|(])(?:-u\s*|--(?:proxy-)?user(?:\s+|=))["']?[^\s:"']*:)[^\s"'/$][^\s"']*`)
	// spacedFlag is a flag and the value after it: --password PW.
	spacedFlag = lazyre.New(`(?:^|[\s;&|(])(--?[A-Za-z][A-Za-z0-9_-]*)(\s+)("[^"]*"|'[^']*'|[^\s"'-]\S*)`)
	// keyValue is NAME=value, NAME = value, name: value, "name": "value".
	keyValue = lazyre.New(`([A-Za-z_][A-Za-z0-9_.-]*)(["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s"'=,;&}][^\s"',;&}]*)`)
)

// redactString masks the credentials in one string: tokens of known
// shapes, URL passwords, Authorization and Cookie headers, bearer tokens,
// curl's -u user:password, and the values of secret-named flags
// (--password PW, --token=T), assignments (NAME=value, NAME = value) and
// keys (password: PW, "api_key": "..."). A value that is a variable
// ($TOKEN, ${TOKEN}) is kept: the log shows which secret was used, not
// what it is.
func redactString(s string) string {
	for _, re := range tokenShapes {
		s = re.ReplaceAllString(s, "${1}"+redacted)
	}
	s = urlPassword.ReplaceAllString(s, "${1}"+redacted+"@")
	s = authHeader.ReplaceAllString(s, "${1}"+redacted)
	s = cookieHeader.ReplaceAllString(s, "${1}"+redacted)
	s = userFlag.ReplaceAllString(s, "${1}"+redacted)
	s = redactValues(s, spacedFlag, func(m []string) bool {
		return secretName(strings.TrimLeft(m[1], "-")) && !isVariable(m[3])
	})
	return redactValues(s, keyValue, func(m []string) bool {
		return secretName(m[1]) && !isVariable(m[3]) && !authScheme(m[3])
	})
}

// redactValues replaces the third group (the value) of re's matches in s
// when secret says so. A match that is kept is skipped only up to the end
// of its name, so that its value is searched again: in
// "url: https://x/?token=T" the key "url" is not secret, but the token in
// its value is.
func redactValues(s string, re *lazyre.Regexp, secret func(m []string) bool) string {
	var b strings.Builder
	pos := 0
	for pos < len(s) {
		loc := re.FindStringSubmatchIndex(s[pos:])
		if loc == nil {
			break
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			m[i] = s[pos+loc[2*i] : pos+loc[2*i+1]]
		}
		if secret(m) {
			b.WriteString(s[pos : pos+loc[6]])
			b.WriteString(redacted)
			pos += loc[1]
		} else {
			b.WriteString(s[pos : pos+loc[3]])
			pos += loc[3]
		}
	}
	b.WriteString(s[pos:])
	return b.String()
}

// isVariable reports whether a value is a shell variable: $NAME, ${NAME},
// quoted or not.
func isVariable(v string) bool {
	v = strings.Trim(v, `"'`)
	return strings.HasPrefix(v, "$") && !strings.ContainsAny(v, " \t")
}

// authScheme reports whether v is an Authorization scheme, whose
// credentials authHeader has already masked.
func authScheme(v string) bool {
	switch strings.ToLower(strings.Trim(v, `"'`)) {
	case "basic", "bearer", "digest", "token", "negotiate", "ntlm", "apikey", redacted:
		return true
	}
	return false
}

// secretName reports whether a name (of an argument, a flag, a variable, a
// header or a key) says its value is a secret: it contains password,
// passwd, passphrase, secret, credential, api key, access key or private
// key, or one of its words is or ends in token or auth (auth, oauth,
// authorization, cookie too). Names that say the value is where a secret is
// kept (..._FILE, --token-path, --password-stdin) are not secrets.
func secretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	switch words[len(words)-1] {
	case "file", "path", "dir", "stdin", "env", "url", "uri", "type", "length", "len", "count", "limit", "max", "min":
		return false
	}
	joined := strings.Join(words, "")
	for _, s := range []string{"password", "passwd", "passphrase", "secret", "credential", "apikey", "accesskey", "privatekey"} {
		if strings.Contains(joined, s) {
			return true
		}
	}
	for _, w := range words {
		if strings.HasSuffix(w, "token") || strings.HasSuffix(w, "auth") || w == "authorization" || w == "cookie" {
			return true
		}
	}
	return false
}

// nameWords splits a name into lowercase words at punctuation and at
// camelCase boundaries: "X-Api-Key", "apiKey" and "API_KEY" all give
// [api key] (after x).
func nameWords(name string) []string {
	var words []string
	var w []rune
	prev := rune(0)
	flush := func() {
		if len(w) > 0 {
			words = append(words, strings.ToLower(string(w)))
			w = w[:0]
		}
	}
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			w = append(w, r)
		default:
			w = append(w, r)
		}
		prev = r
	}
	flush()
	return words
}
