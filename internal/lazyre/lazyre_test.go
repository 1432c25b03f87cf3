package lazyre

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRegexp(t *testing.T) {
	re := New(`(\w+)=(\d+)`)
	assert.True(t, re.MatchString("a=1"))
	assert.Equal(t, "b=22", re.FindString("x b=22 y"))
	assert.Equal(t, []string{"b=22", "b", "22"}, re.FindStringSubmatch("x b=22 y"))
	assert.Equal(t, []int{2, 6, 2, 3, 4, 6}, re.FindStringSubmatchIndex("x b=22 y"))
	assert.Equal(t, "x b=N y", re.ReplaceAllString("x b=22 y", "$1=N"))
	assert.Len(t, re.FindAllStringSubmatch("a=1 b=2", -1), 2)
	assert.Equal(t, `(\w+)=(\d+)`, re.String())
	assert.Same(t, re.Re(), re.Re(), "compiled once")
}

func TestBadPatternPanicsOnUse(t *testing.T) {
	re := New(`(`) // no panic yet
	assert.Panics(t, func() { re.MatchString("x") })
}
