package tools

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTopK(t *testing.T) {
	t.Parallel()
	less := func(a, b int) bool { return a < b }
	top := newTopK(5, less)
	assert.False(t, top.isFull())
	all := rand.New(rand.NewPCG(1, 2)).Perm(1000)
	for _, x := range all {
		top.add(x)
	}
	assert.True(t, top.isFull())
	assert.Equal(t, []int{0, 1, 2, 3, 4}, top.sorted())
	assert.True(t, top.below(7), "7 would not make the cut")
	assert.False(t, top.below(-1))

	few := newTopK(5, less)
	for _, x := range []int{9, 3, 7} {
		few.add(x)
	}
	assert.Equal(t, []int{3, 7, 9}, few.sorted(), "fewer than k are all kept")
	assert.False(t, few.below(100), "nothing is below the cut until k are kept")
	assert.True(t, slices.IsSorted(top.sorted()))
}
