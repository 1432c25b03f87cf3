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
			what = "no token: send the header Authorization: Bearer TOKEN"
		case bearer(h) == "":
			what = "the Authorization header is not a bearer token: send Authorization: Bearer TOKEN"
		default:
			what = "wrong token: the bearer token sent is not the one this agentbox was started with"
		}
		log.Warn("refused a request without the right token", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "why", what)
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, what))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "Unauthorized: %s.\n%s\n", what, tokenSources)
	})
}

// tokenSources says where the token a client must send comes from.
const tokenSources = "The token is the one agentbox was started with: the content of the file given with --token-file, " +
	"else the environment variable AGENTBOX_TOKEN, else a new one that agentbox printed on its standard error at start " +
	"(a new one at each start: set AGENTBOX_TOKEN or use --token-file to keep one)."

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
		json.NewEncoder(w).Encode(map[string]string{
			"error":             "invalid_request",
			"error_description": "agentbox does not use OAuth: configure the client to send Authorization: Bearer TOKEN to " + Path + ". " + tokenSources,
		})
	default:
		http.NotFound(w, r)
	}
}
