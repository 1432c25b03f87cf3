package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/agentbox/agentbox/internal/sandbox"
)

// agentbox is the server's binary, built once by the tests that run it.
var agentbox struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	sandbox.Main() // tests that call run serve Bash with this binary as the launcher
	code := m.Run()
	if agentbox.path != "" {
		os.RemoveAll(filepath.Dir(agentbox.path))
	}
	os.Exit(code)
}
