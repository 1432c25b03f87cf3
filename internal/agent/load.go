package agent

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Source is one place definitions come from: the *.md files at the top of
// a directory.
type Source struct {
	// Label names the directory in messages: "prompts" for the built-in
	// set, the --prompts directory, ".claude/agents" for the workspace's.
	Label string
	FS    fs.FS
}

const (
	maxDefinitionSize = 256 << 10 // bytes of one definition file
	maxSourceEntries  = 1000      // directory entries looked at in one source
	maxSourceFiles    = 200       // definitions loaded from one source
)

// Load reads the definitions of every source in order. A definition replaces
// one of the same name from an earlier source, and records which in
// Overrides, so later sources override earlier ones. The result is sorted by
// name.
//
// A file that cannot be used (no header, no name, a bad line, a name another
// file of the same source already has, too large, unreadable) is skipped and
// reported in the error, a join of *FileError naming file and line; the
// other files still load. A source whose directory does not exist
// contributes nothing and is no error.
func Load(sources ...Source) ([]*Definition, error) {
	byName := map[string]*Definition{}
	var errs []error
	for _, src := range sources {
		defs, srcErrs := loadSource(src)
		errs = append(errs, srcErrs...)
		for _, d := range defs {
			if old, ok := byName[d.Name]; ok {
				d.Overrides = old.File
			}
			byName[d.Name] = d
		}
	}
	all := make([]*Definition, 0, len(byName))
	for _, d := range byName {
		all = append(all, d)
	}
	slices.SortFunc(all, func(a, b *Definition) int { return strings.Compare(a.Name, b.Name) })
	return all, errors.Join(errs...)
}

// loadSource reads one source's files in name order.
func loadSource(src Source) ([]*Definition, []error) {
	names, err := definitionFiles(src.FS)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, []error{&FileError{File: src.Label, Err: fmt.Errorf("cannot list definitions: %w", err)}}
	}
	var (
		defs []*Definition
		errs []error
		seen = map[string]*Definition{}
	)
	if len(names) > maxSourceFiles {
		errs = append(errs, &FileError{File: src.Label, Err: fmt.Errorf("%d definition files; only the first %d (by name) are loaded", len(names), maxSourceFiles)})
		names = names[:maxSourceFiles]
	}
	for _, name := range names {
		file := src.Label + "/" + name
		data, err := readDefinition(src.FS, name)
		if err != nil {
			errs = append(errs, &FileError{File: file, Err: err})
			continue
		}
		d, err := parse(file, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if first, ok := seen[d.Name]; ok {
			errs = append(errs, &FileError{File: file, Line: d.NameLine, Err: fmt.Errorf(
				"name %q is already taken by %s:%d; give one of them another name", d.Name, first.File, first.NameLine)})
			continue
		}
		seen[d.Name] = d
		defs = append(defs, d)
	}
	return defs, errs
}

// definitionFiles lists the *.md names at the top of fsys, sorted. It looks
// at no more than maxSourceEntries entries, so a huge directory costs little.
func definitionFiles(fsys fs.FS) ([]string, error) {
	dir, err := fsys.Open(".")
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	rd, ok := dir.(fs.ReadDirFile)
	if !ok {
		return nil, errors.New("not a directory")
	}
	entries, err := rd.ReadDir(maxSourceEntries)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// readDefinition reads one file, refusing anything but a regular file of at
// most maxDefinitionSize bytes (a FIFO would block the read forever).
func readDefinition(fsys fs.FS, name string) ([]byte, error) {
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, unwrapPath(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxDefinitionSize {
		return nil, fmt.Errorf("too large (%d bytes; a definition may have at most %d)", fi.Size(), maxDefinitionSize)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDefinitionSize+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if len(data) > maxDefinitionSize {
		return nil, fmt.Errorf("too large (a definition may have at most %d bytes)", maxDefinitionSize)
	}
	return data, nil
}

// unwrapPath drops the path an fs error repeats, since messages already
// start with the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
