package server

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentbox/agentbox/internal/corpus"
)

// benchStdio serves dir over in-process pipes, as a client's stdio would,
// and times one request (params of tools/call) from its line written to
// its response line read.
func benchStdio(b *testing.B, dir, params string) {
	srv, err := New(Config{Workspace: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- srv.ServeStdio(context.Background(), inR, outW) }()
	out := bufio.NewReaderSize(outR, 1<<20)
	send := func(line string) string {
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			b.Fatal(err)
		}
		resp, err := out.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		return resp
	}
	send(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	io.WriteString(inW, `{"jsonrpc":"2.0","method":"notifications/initialized"}`+"\n")
	req := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":` + params + `}`
	if resp := send(req); !strings.Contains(resp, `"content"`) || strings.Contains(resp, `"isError":true`) {
		b.Fatalf("%.300s", resp)
	}
	for b.Loop() {
		send(req)
	}
	b.StopTimer()
	inW.Close()
	go io.Copy(io.Discard, outR)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStdioRead is a Read of a 1,000-line file as a stdio client
// meets it: the request's line in, the response's line out.
func BenchmarkStdioRead(b *testing.B) {
	benchStdio(b, readBenchDir(b), `{"name":"Read","arguments":{"file_path":"r.py"}}`)
}

// BenchmarkStdioGlob is a Glob of **/*.py on a generated tree of 5,000
// files, as a stdio client meets it.
func BenchmarkStdioGlob(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "tree")
	if err := corpus.Write(dir, corpus.Spec{Files: 5000, Bytes: 5000 * 512, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	benchStdio(b, dir, `{"name":"Glob","arguments":{"pattern":"**/*.py"}}`)
}
