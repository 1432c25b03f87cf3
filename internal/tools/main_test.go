package tools

import (
	"testing"

	"github.com/agentbox/agentbox/internal/testutil"
)

func TestMain(m *testing.M) {
	verifySchemas = true
	testutil.Main(m)
}
