package gocheck

import "golang.org/x/tools/go/packages"

// Request is one load for the checker.
type Request struct {
	ID int64
	// Dir is where the go command runs (absolute), Env its whole
	// environment, Patterns what it lists, Tests whether test files and
	// test packages are loaded too.
	Dir      string   `json:",omitempty"`
	Env      []string `json:",omitempty"`
	Patterns []string `json:",omitempty"`
	Tests    bool     `json:",omitempty"`
	// Reuse lets the checker answer from what it loaded the last time it
	// was asked the same (see warm.go): the packages' files re-parsed and
	// re-type-checked against the dependencies' types it kept, when
	// nothing else changed. An after-write check sets it.
	Reuse bool `json:",omitempty"`
	// Root is the workspace: a package whose directory is elsewhere
	// (through a symbolic link, a go.work or a replace directive), other
	// than the standard library's and the module cache's, makes the
	// answer Outside instead of the packages' errors, which could quote
	// what is there.
	Root string `json:",omitempty"`
	// NoFiles leaves the packages' file lists out of the answer (a tree
	// check needs only the errors).
	NoFiles bool `json:",omitempty"`
}

// Response is the answer to one load.
type Response struct {
	ID       int64
	Packages []Package `json:",omitempty"`
	// Err is go/packages' own error: no go command, a go.mod it cannot
	// use, a deadline. The packages are then empty.
	Err string `json:",omitempty"`
	// Outside names the packages the load reached outside the workspace
	// (see Request.Root), with their directories; the packages are then
	// empty.
	Outside []string `json:",omitempty"`
	// Reused says the answer came from re-checking what was loaded before
	// (see Request.Reuse).
	Reused bool `json:",omitempty"`
}

// Package is what a check needs of one loaded package.
type Package struct {
	ID, Name, PkgPath     string
	GoFiles, IgnoredFiles []string         `json:",omitempty"`
	Errors                []packages.Error `json:",omitempty"`
	// ImportErrors are the go command's errors about the packages this
	// one imports (one not downloaded, not in go.mod), by import path.
	ImportErrors map[string][]packages.Error `json:",omitempty"`
}

// maxErrors bounds the errors one package reports.
const maxErrors = 500
