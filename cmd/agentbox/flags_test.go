package main

import (
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEFlags keeps the README's flag table equal to serve's flags.
func TestREADMEFlags(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, table, ok := strings.Cut(string(readme), "\n## Flags\n")
	require.True(t, ok, "README.md has no Flags section")
	table, _, _ = strings.Cut(table, "\n## ")
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)").FindAllStringSubmatch(table, -1) {
		documented = append(documented, m[1])
	}

	var cfg config
	var h httpFlags
	fs, _ := serveFlags(&env{stderr: io.Discard, getenv: func(string) string { return "" }}, &cfg, &h)
	flags := []string{"help"} // flag's own
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
	assert.ElementsMatch(t, flags, documented, "README.md's flag table and agentbox serve's flags differ")
}
