package classview

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/gradebook"
	"github.com/k12notebooks/golessons/internal/safefile"
)

// homes reads the answers files in the students' home folders: every folder
// matching the homes pattern is a student, named after the folder, and the
// answers paths (relative to a home, each component a pattern) say where the
// quiz widgets save.
type homes struct {
	glob     string
	patterns []string
}

// defaultAnswersPaths are where the widgets save the answers of the lessons'
// notebooks when they are opened at the top of a home or one folder down:
// "<notebook>.answers.json" and "*/<notebook>.answers.json".
func defaultAnswersPaths(lessonPaths []string) []string {
	var out []string
	for _, p := range lessonPaths {
		name := answerfile.Path(filepath.Base(p))
		out = append(out, name, "*/"+name)
	}
	return out
}

// read adds the answers of every home to b, except of students for whom
// skip is true (hub admins, excluded users).
func (h *homes) read(b *gradebook.Book, skip func(name string) bool) {
	matches, _ := filepath.Glob(h.glob) // the pattern was checked with the config
	for _, home := range matches {
		name := filepath.Base(home)
		if skip(name) || strings.HasPrefix(name, ".") || name == "lost+found" {
			continue
		}
		info, err := os.Lstat(home)
		switch {
		case err != nil:
			continue // gone since the Glob
		case info.Mode()&fs.ModeSymlink != 0:
			b.FileWarning(name, home, &safefile.RefusedError{Path: home, Reason: safefile.RefusalReason(info.Mode())})
			continue
		case !info.IsDir():
			continue
		}
		h.readHome(b, name, home)
	}
}

// readHome reads one student's answers files, through an os.Root on the
// home, so that nothing outside it is opened: a link cannot lead to another
// student's files.
func (h *homes) readHome(b *gradebook.Book, student, home string) {
	root, err := os.OpenRoot(home)
	if err != nil {
		b.FileWarning(student, home, err)
		return
	}
	defer root.Close()
	seen := map[string]bool{}
	for _, pat := range h.patterns {
		for _, rel := range h.expand(b, student, root, pat) {
			if seen[rel] {
				continue
			}
			seen[rel] = true
			full := filepath.Join(home, rel)
			data, err := safefile.ReadRegularFile(root, rel, answerfile.MaxSize)
			if errors.Is(err, fs.ErrNotExist) {
				continue // not answered yet
			}
			if err != nil {
				b.FileWarning(student, full, err)
				continue
			}
			b.ParseAndAdd(student, full, data, gradebook.NotebookOf(rel))
		}
	}
}

// hasMeta reports whether a path component is a pattern.
func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// expand returns the files (relative to root) that pattern names. Folders
// on the way must be real folders: a link there is refused with a warning
// when the pattern names it, skipped when a wildcard matches it. A wildcard
// never matches a hidden name or a folder the gradebook skips.
func (h *homes) expand(b *gradebook.Book, student string, root *os.Root, pattern string) []string {
	parts := strings.Split(pattern, "/")
	dirs := []string{"."}
	for i, part := range parts {
		last := i == len(parts)-1
		var next []string
		for _, dir := range dirs {
			if !hasMeta(part) {
				rel := filepath.Join(dir, part)
				if last || h.isDir(b, student, root, rel) {
					next = append(next, rel)
				}
				continue
			}
			entries, err := safefile.ReadDirIn(root, dir)
			if err != nil {
				continue // missing, or refused when it was walked into
			}
			for _, e := range entries {
				name := e.Name()
				if ok, _ := path.Match(part, name); !ok || (strings.HasPrefix(name, ".") && !strings.HasPrefix(part, ".")) {
					continue
				}
				if last || (e.IsDir() && !gradebook.SkippedFolder(filepath.Base(dir), name)) {
					next = append(next, filepath.Join(dir, name))
				}
			}
		}
		dirs = next
	}
	return dirs
}

// isDir reports whether rel is a real folder in root, warning when it is a
// link or another kind of file.
func (h *homes) isDir(b *gradebook.Book, student string, root *os.Root, rel string) bool {
	info, err := root.Lstat(rel)
	if err != nil {
		return false
	}
	if info.IsDir() {
		return true
	}
	full := filepath.Join(root.Name(), rel)
	b.FileWarning(student, full, &safefile.RefusedError{Path: full, Reason: safefile.RefusalReason(info.Mode())})
	return false
}
