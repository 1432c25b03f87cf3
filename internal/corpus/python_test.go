package corpus

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPythonTests(t *testing.T) {
	for _, n := range []int{1, 10, 500, 10_000} {
		got := PythonTests(n)
		lines := strings.Count(got, "\n")
		assert.GreaterOrEqual(t, lines, n, "n=%d", n)
		assert.Less(t, lines, n+10, "n=%d: one function too many", n)
		assert.Equal(t, got, PythonTests(n), "deterministic")
	}
	assert.Contains(t, PythonTests(20), "def test_order_1(")
}
