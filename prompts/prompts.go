// Package prompts holds the agent definitions built into agentbox: one
// markdown file per agent, in the format of Claude Code's subagent files (a
// "---" header with name, description, tools and model, then the body).
//
// It is a Go package only because //go:embed cannot reach up a directory;
// internal/agent reads the files through FS.
package prompts

import "embed"

// FS holds every *.md file of this directory.
//
//go:embed *.md
var FS embed.FS
