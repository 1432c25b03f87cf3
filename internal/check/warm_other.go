//go:build !unix

package check

// startWarm cannot give a sandboxed checker its requests where there are
// no named pipes (Windows): Python checks there run one-shot.
func (r *sandboxRunner) startWarm(command) (*warm, error) { return nil, errNoWarm }
