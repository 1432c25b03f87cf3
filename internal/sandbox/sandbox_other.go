//go:build !linux && !darwin && !windows

package sandbox

import (
	"context"
	"slices"
)

type osState struct{}

// New returns a sandbox that confines nothing: this system has none of the
// layers. Require mode refuses.
func New(cfg Config) (*Sandbox, error) { return newUnconfined(cfg) }

// startSpec runs the command unconfined, in a process group of its own that
// Stop ends.
func (s *Sandbox) startSpec(ctx context.Context, spec Spec) (*Cmd, error) {
	argv := append([]string{s.shell}, shellArgs(spec.Command)[1:]...)
	env := append(slices.Clone(s.env), "TMPDIR="+spec.Scratch.Tmp)
	return startGroup(ctx, argv, env, spec)
}
