package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// checkOrigin answers 403 to a request whose Origin header names a web page
// not served from this machine. Browsers send Origin on the requests a page
// makes; a page that rebinds its own domain to 127.0.0.1 (DNS rebinding)
// still sends its own name, so it is refused here, before the token check,
// even with --no-auth. Clients that are not browsers send no Origin. mcp-go
// adds the matching check on the Host header for loopback connections.
func checkOrigin(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !loopbackOrigin(o) {
			log.Warn("refused a request from a web page elsewhere", "origin", o, "remote", r.RemoteAddr)
			http.Error(w, "Forbidden: origin not allowed", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackOrigin reports whether origin is an http(s) origin on localhost or
// a loopback address. "null" (sandboxed pages, files) is not.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
