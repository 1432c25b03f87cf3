package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// NewToken returns a fresh random bearer token: 256 bits, base64url.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand crashes the program rather than return short
	return base64.RawURLEncoding.EncodeToString(b)
}

// requireToken answers 401 to any request that does not carry
// "Authorization: Bearer <token>". The answer says what is wrong (no
// token, another scheme, another token) and where the token comes from;
// WWW-Authenticate says invalid_token, which tells a client that the token
// it was given is at fault (RFC 6750), not that it should go and find an
// OAuth server.
func requireToken(token string, log *slog.Logger, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token)) // equal lengths: the comparison time tells nothing
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		got := sha256.Sum256([]byte(bearer(h)))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			next.ServeHTTP(w, r)
			return
		}
		var what string
		switch {
		case h == "":
			what = "no token: send the header Authorization: Bearer <token>"
		case bearer(h) == "":
			what = "not a bearer token: send the header Authorization: Bearer <token>"
		default:
			what = "wrong token: not the one this agentbox was started with"
		}
		log.Warn("refused a request without the right token", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "why", what)
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, what))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "Unauthorized: %s. %s\n", what, tokenSources)
	})
}

// tokenSources says where the token a client must send comes from.
// Clients show the start of it (Claude Code, about 300 characters).
const tokenSources = "The token is the content of agentbox's --token-file, else $AGENTBOX_TOKEN, " +
	"else the one agentbox printed on stderr at start (a new one at each start)."

// bearer returns the credentials of a Bearer authorization header, or "".
// The scheme is case-insensitive (RFC 9110).
func bearer(h string) string {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}

// notFound answers every path but the MCP endpoint, without asking for the
// token. OAuth's paths (/.well-known/oauth-authorization-server,
// /.well-known/oauth-protected-resource, /.well-known/openid-configuration,
// the same after /mcp or with /mcp after them, /register, /authorize,
// /token) get an OAuth error body a client can show:
// agentbox has no OAuth, and a client that finds none uses the token it
// was configured with.
func notFound(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case strings.Contains(p, "/.well-known/"), p == "/register", p == "/authorize", p == "/token":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		// Not "Bearer <token>": Claude Code masks what follows "Bearer".
		enc.Encode(map[string]string{
			"error":             "invalid_request",
			"error_description": "agentbox does not use OAuth: configure the client to send its token in an Authorization header, scheme Bearer. " + tokenSources,
		})
	default:
		http.NotFound(w, r)
	}
}
