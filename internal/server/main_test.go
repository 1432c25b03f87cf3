package server

import (
	"testing"

	"github.com/agentbox/agentbox/internal/testutil"
)

// TestMain lets tests start the sandbox's launcher (this binary, re-run).
func TestMain(m *testing.M) { testutil.Main(m) }
