// Command serverjson fills in server.json (on stdin) for a release and
// writes it to stdout; scripts/release.sh runs it.
//
//	go run ./internal/release/serverjson -version 1.2.3 -dist dist <server.json
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/agentbox/agentbox/internal/release"
)

func main() {
	version := flag.String("version", "", "the release's version, without the v")
	dist := flag.String("dist", "dist", "the `dir`ectory holding the release's bundles")
	flag.Parse()
	tmpl, err := io.ReadAll(os.Stdin)
	if err == nil && *version == "" {
		err = fmt.Errorf("-version is required")
	}
	var out []byte
	if err == nil {
		out, err = release.ServerJSON(tmpl, *version, *dist)
	}
	if err == nil {
		_, err = os.Stdout.Write(out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverjson:", err)
		os.Exit(1)
	}
}
