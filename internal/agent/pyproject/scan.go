package pyproject

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Detection looks at a bounded part of the workspace: the directories near
// the root, breadth first, and a few files in them. These are its limits.
const (
	scanMaxDepth   = 4        // directories below the root that are listed
	scanMaxDirs    = 300      // directories listed in all
	scanMaxEntries = 1000     // entries looked at in one directory
	scanMaxReads   = 80       // files read in all
	scanMaxFile    = 64 << 10 // bytes read of a project file
	scanPyHead     = 16 << 10 // bytes read of a Python file: its imports
)

// skipDirs are directories that hold no project code of interest, or a
// great deal of someone else's.
var skipDirs = map[string]bool{
	"node_modules": true, "__pycache__": true, "site-packages": true,
	"venv": true, "env": true, "virtualenv": true, "dist": true, "build": true,
	"htmlcov": true, "static": true, "staticfiles": true, "media": true,
}

// tree is what the bounded walk saw: the directories it listed.
type tree struct {
	fsys  fs.FS
	dirs  map[string]*dirInfo // by slash path, "." for the root
	order []string            // breadth first
	cut   string              // why the walk stopped early; "" if it did not
	reads int
}

// dirInfo is one listed directory.
type dirInfo struct {
	path    string
	depth   int
	files   []string // names of the entries that are not directories, sorted
	subdirs []string // names of the subdirectories, sorted (walked or not)
}

func (d *dirInfo) has(name string) bool {
	_, ok := slices.BinarySearch(d.files, name)
	return ok
}

func (d *dirInfo) hasDir(name string) bool {
	_, ok := slices.BinarySearch(d.subdirs, name)
	return ok
}

// join names an entry of d by its workspace-relative slash path.
func (d *dirInfo) join(name string) string {
	if d.path == "." {
		return name
	}
	return d.path + "/" + name
}

// walk lists the directories of fsys breadth first within the limits.
func walk(ctx context.Context, fsys fs.FS) *tree {
	t := &tree{fsys: fsys, dirs: map[string]*dirInfo{}}
	queue := []*dirInfo{{path: ".", depth: 0}}
	for len(queue) > 0 {
		if ctx.Err() != nil {
			t.cut = "the request's deadline came"
			return t
		}
		if len(t.order) == scanMaxDirs {
			t.cut = "it had listed " + plural(scanMaxDirs, "directory")
			return t
		}
		d := queue[0]
		queue = queue[1:]
		if err := t.list(d); err != nil || (d.depth > 0 && d.has("pyvenv.cfg")) {
			continue // unreadable, or a virtual environment: someone else's code
		}
		t.dirs[d.path] = d
		t.order = append(t.order, d.path)
		if d.depth == scanMaxDepth {
			continue
		}
		for _, name := range d.subdirs {
			if strings.HasPrefix(name, ".") || skipDirs[name] || strings.HasSuffix(name, ".egg-info") {
				continue
			}
			queue = append(queue, &dirInfo{path: d.join(name), depth: d.depth + 1})
		}
	}
	return t
}

// list reads d's entries, at most scanMaxEntries of them. Symlinks count
// as files: the walk does not follow them, so it cannot loop.
func (t *tree) list(d *dirInfo) error {
	f, err := t.fsys.Open(d.path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return errors.New("not a directory")
	}
	entries, err := rd.ReadDir(scanMaxEntries)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(entries) == scanMaxEntries && t.cut == "" {
		t.cut = d.path + " has more than " + plural(scanMaxEntries, "entry") + "; only the first were looked at"
	}
	for _, e := range entries {
		if e.IsDir() {
			d.subdirs = append(d.subdirs, e.Name())
		} else {
			d.files = append(d.files, e.Name())
		}
	}
	slices.Sort(d.files)
	slices.Sort(d.subdirs)
	return nil
}

// read returns up to max bytes of a regular file, or nil once the read
// budget is spent or when the file is not a readable regular file (a FIFO
// would block, a symlink out of the workspace is refused by the FS).
func (t *tree) read(ctx context.Context, name string, max int) []byte {
	if ctx.Err() != nil || t.reads >= scanMaxReads {
		if t.cut == "" {
			t.cut = "it had read " + plural(scanMaxReads, "file")
		}
		return nil
	}
	fi, err := fs.Stat(t.fsys, name)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	t.reads++
	f, err := t.fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(max)))
	if err != nil {
		return nil
	}
	return data
}

// dir returns the listed directory at p, or nil.
func (t *tree) dir(p string) *dirInfo { return t.dirs[p] }

// rel returns p relative to base, both slash paths ("." for the root).
func rel(base, p string) string {
	if base == "." {
		return p
	}
	if p == base {
		return "."
	}
	return strings.TrimPrefix(p, base+"/")
}

// depthBelow counts the directories between base and p.
func depthBelow(base, p string) int {
	r := rel(base, p)
	if r == "." {
		return 0
	}
	return strings.Count(r, "/") + 1
}
