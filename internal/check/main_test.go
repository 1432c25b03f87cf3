package check

import (
	"testing"

	"github.com/agentbox/agentbox/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
