//go:build race

package check

// raceEnabled: this binary was built with the race detector.
const raceEnabled = true
