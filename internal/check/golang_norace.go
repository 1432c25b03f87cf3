//go:build !race

package check

// raceEnabled: this binary was built with the race detector.
const raceEnabled = false
