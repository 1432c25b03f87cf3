//go:build !unix

package workspace

import (
	"io/fs"
	"os"
)

// keepOwner does nothing where files have no Unix owner (Windows): a
// replaced file gets the server's user as its owner.
func keepOwner(*os.File, fs.FileInfo) {}
