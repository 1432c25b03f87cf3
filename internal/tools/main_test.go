package tools

import (
	"os"
	"testing"

	"github.com/agentbox/agentbox/internal/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.Main() // this test binary is also the Bash sandbox's launcher
	os.Exit(m.Run())
}
