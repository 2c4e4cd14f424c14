package gradebook

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/internal/safefile"
)

const (
	// AnswersSuffix ends the name of every answers file.
	AnswersSuffix = ".answers.json"
	// MaxDepth is how deep under the class folder folders are searched: a
	// student's copy is a few folders deep, never 16.
	MaxDepth = 16
)

// Kinds of warning.
const (
	WarnRefused    = "refused file"
	WarnDamaged    = "damaged file"
	WarnNewer      = "file of newer lessons"
	WarnUnknown    = "unknown question"
	WarnUnreadable = "unreadable"
	WarnLesson     = "lesson problem"
)

// Warning is something the gradebook did not count, and why. Nothing that
// leads to a warning is ever scored.
type Warning struct {
	// Kind is one of the Warn constants.
	Kind string
	// Student is the student concerned, "" for none.
	Student string
	// Path is the file concerned.
	Path string
	// Msg says what is wrong and what to do.
	Msg string
}

// String returns "kind, student "name": path: msg".
func (w Warning) String() string {
	s := w.Kind
	if w.Student != "" {
		s += fmt.Sprintf(", student %q", w.Student)
	}
	return s + ": " + w.Path + ": " + w.Msg
}

// Warn records a warning, counting it against the student and listing the
// student (so that a student whose only file was refused is not missing).
func (b *Book) Warn(kind, student, path, msg string) {
	b.Warnings = append(b.Warnings, Warning{Kind: kind, Student: student, Path: path, Msg: msg})
	if student != "" {
		b.warnCount[student]++
		b.student(student)
	}
}

// FileWarning reports a file or folder of a student that could not be read:
// refused (a *safefile.RefusedError) or unreadable.
func (b *Book) FileWarning(student, path string, err error) {
	var refused *safefile.RefusedError
	if errors.As(err, &refused) {
		b.Warn(WarnRefused, student, path, refused.Reason)
		return
	}
	msg := strings.TrimPrefix(err.Error(), path+": ")
	if errors.Is(err, fs.ErrPermission) {
		msg += "; run the gradebook as a user who may read the students' folders (on a hub, their homes: as root, e.g. with sudo)"
	}
	b.Warn(WarnUnreadable, student, path, msg)
}

// PrintWarnings writes one line per warning, with control and formatting
// characters of the hostile text (names, ids) escaped for the terminal.
func PrintWarnings(w io.Writer, warnings []Warning) {
	for _, x := range warnings {
		fmt.Fprintf(w, "gradebook: %s\n", TerminalSafe(x.String()))
	}
}

// TerminalSafe escapes control and formatting characters as \uXXXX, so that
// a student's text cannot move a terminal's cursor or change its title.
func TerminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// StudentOf names the student a path relative to the class folder belongs to
// (see the package comment); "" for the class folder itself.
func StudentOf(rel string) string {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/")
	if parts[0] == "." {
		return ""
	}
	if len(parts) > 1 {
		return parts[0]
	}
	return strings.TrimSuffix(parts[0], AnswersSuffix)
}

// SkippedFolder reports whether a folder named name, inside parent (a
// folder name), is never searched: hidden folders (.ipynb_checkpoints,
// .local, .cache, ...), and the tool folders a home holds that never hold a
// lesson: Go's module cache (pkg/mod), node_modules, __pycache__ and
// Python's site-packages.
func SkippedFolder(parent, name string) bool {
	switch {
	case strings.HasPrefix(name, "."):
		return true
	case name == "node_modules", name == "__pycache__", name == "site-packages":
		return true
	case name == "mod" && parent == "pkg":
		return true
	}
	return false
}

// Collect reads every answers file under b.In (see the package comment),
// through an os.Root so that nothing outside it is ever opened.
func (b *Book) Collect() error {
	root, err := os.OpenRoot(b.In)
	if err != nil {
		return fmt.Errorf("%w (it must be a folder with one sub-folder per student, such as a hub's /home)", err)
	}
	defer root.Close()
	b.walk(root, ".", 0)
	return nil
}

// walk searches the folder dir (relative to root) for answers files. Only
// folders and regular files are looked at; links, FIFOs, devices and sockets
// are never opened: refused with a warning when they are named
// *.answers.json or are a student's folder, skipped otherwise.
func (b *Book) walk(root *os.Root, dir string, depth int) {
	entries, err := safefile.ReadDirIn(root, dir)
	if err != nil {
		b.FileWarning(StudentOf(dir), filepath.Join(b.In, dir), err)
		return
	}
	for _, e := range entries {
		rel := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if SkippedFolder(filepath.Base(dir), e.Name()) {
				continue
			}
			if depth+1 >= MaxDepth {
				b.Warn(WarnRefused, StudentOf(rel), filepath.Join(b.In, rel), fmt.Sprintf("folders more than %d deep are not searched", MaxDepth))
				continue
			}
			b.walk(root, rel, depth+1)
		case t.IsRegular():
			if strings.HasSuffix(e.Name(), AnswersSuffix) {
				b.addFile(root, rel)
			}
		case depth == 0 || strings.HasSuffix(e.Name(), AnswersSuffix):
			b.Warn(WarnRefused, StudentOf(rel), filepath.Join(b.In, rel), safefile.RefusalReason(t))
		}
	}
}

// addFile reads one answers file (relative to b.In) and adds its answers to
// the student's.
func (b *Book) addFile(root *os.Root, rel string) {
	student, path := StudentOf(rel), filepath.Join(b.In, rel)
	data, err := safefile.ReadRegularFile(root, rel, answerfile.MaxSize)
	if err != nil {
		b.FileWarning(student, path, err)
		return
	}
	nb := ""
	if filepath.Dir(rel) != "." {
		// Inside a student's folder the file is named for its notebook.
		nb = NotebookOf(rel)
	}
	b.ParseAndAdd(student, path, data, nb)
}
