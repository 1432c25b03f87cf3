package walk

import (
	"errors"
	"io"
	"io/fs"
	"strings"
)

// frameFor returns the frame for the directory at dir with the given
// entries: parent itself when the directory adds no rules.
func (w *walker) frameFor(parent *frame, dir string, entries []dirent) *frame {
	var hasIgnore, hasGitignore, hasGit bool
	for _, e := range entries {
		switch e.name {
		case ".ignore":
			hasIgnore = true
		case ".gitignore":
			hasGitignore = true
		case ".git":
			hasGit = true
		}
	}
	if !hasIgnore && !hasGitignore && !hasGit {
		return parent
	}
	f := &frame{parent: parent, dir: dir, repoTop: hasGit}
	if hasIgnore {
		f.ignore = w.readRules(dir, ".ignore")
	}
	if hasGitignore {
		f.gitignore = w.readRules(dir, ".gitignore")
	}
	if hasGit {
		f.exclude = w.readRules(dir, ".git/info/exclude")
	}
	return f
}

// readRules reads an ignore file in the directory dir. A missing one has no
// rules; one that cannot be read is reported and has none either.
func (w *walker) readRules(dir, name string) *Rules {
	f, err := w.root.Open(join(dir, name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errNotDir) {
			w.fail("open", join(dir, name), err)
		}
		return nil
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRuleFile))
	if err != nil {
		w.fail("read", join(dir, name), err)
		return nil
	}
	rs := ParseRules(data)
	if rs.Len() == 0 {
		return nil
	}
	return rs
}

// ancestorFrames builds the frames of the directories above start, from
// the workspace root down, so their ignore files apply below start too.
func (w *walker) ancestorFrames(start string) (*frame, error) {
	if w.opts.NoIgnore || start == "" {
		return nil, nil
	}
	var fr *frame
	dirs := strings.Split(start, "/")
	for i := range dirs {
		dir := strings.Join(dirs[:i], "/")
		h, err := w.root.OpenRoot(orDot(dir))
		if err != nil {
			return nil, w.pathErr("open", dir, err)
		}
		var entries []dirent
		for _, name := range []string{".ignore", ".gitignore", ".git"} {
			if fi, err := h.Lstat(name); err == nil {
				entries = append(entries, dirent{name: name, typ: fi.Mode().Type()})
			}
		}
		fr = w.frameFor(fr, dir, entries)
		h.Close()
	}
	return fr, nil
}
