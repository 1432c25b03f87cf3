package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkHandleRead is the server's share of a Read of a 1,000-line file
// as stdio serves it: dispatch, the tool, and the response's encoding by
// encodeMessage, as the stdio writer does it.
func BenchmarkHandleRead(b *testing.B) {
	dir := readBenchDir(b)
	srv, err := New(Config{Workspace: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"Read","arguments":{"file_path":"r.py"}}}`)
	ctx := context.Background()
	var out bytes.Buffer
	for b.Loop() {
		resp := srv.mcp.HandleMessage(ctx, msg)
		out.Reset()
		err := encodeMessage(&out, resp)
		if err != nil || !strings.Contains(string(out.Bytes()[:100]), `"content"`) {
			b.Fatalf("%v %.100s", err, out.Bytes())
		}
	}
}

// readBenchDir is a workspace holding r.py, the 1,000-line file of the Read
// benchmarks (lines of typical width, as scripts/bench.sh's read1000.py).
func readBenchDir(b *testing.B) string {
	dir := b.TempDir()
	var s strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&s, "    result_%d = compute_value(input_%d, factor=%d)  # line %d\n", i, i, i%7, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "r.py"), []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}
