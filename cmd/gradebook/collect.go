package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/k12notebooks/golessons/quiz"
)

const (
	answersSuffix = ".answers.json"
	// maxDepth is how deep under -in folders are searched: a student's
	// copy is a few folders deep, never 16.
	maxDepth = 16
	// maxUnknownListed is how many answers to unknown question ids are named
	// one by one per file; the rest are counted in one more warning.
	maxUnknownListed = 10
)

// Kinds of warning.
const (
	warnRefused    = "refused file"
	warnDamaged    = "damaged file"
	warnUnknown    = "unknown question"
	warnUnreadable = "unreadable"
	warnLesson     = "lesson problem"
)

// warning is something the gradebook did not count, and why. Nothing that
// leads to a warning is ever scored.
type warning struct {
	Kind    string
	Student string // "" when no student is concerned
	Path    string
	Msg     string
}

func (w warning) String() string {
	s := w.Kind
	if w.Student != "" {
		s += fmt.Sprintf(", student %q", w.Student)
	}
	return s + ": " + w.Path + ": " + w.Msg
}

// warn records a warning, counting it against the student and listing the
// student (so that a student whose only file was refused is not missing).
func (b *book) warn(kind, student, path, msg string) {
	b.Warnings = append(b.Warnings, warning{Kind: kind, Student: student, Path: path, Msg: msg})
	if student != "" {
		b.warnCount[student]++
		b.student(student)
	}
}

// printWarnings writes one line per warning, with control and formatting
// characters of the hostile text (names, ids) escaped for the terminal.
func printWarnings(w io.Writer, warnings []warning) {
	for _, x := range warnings {
		fmt.Fprintf(w, "gradebook: %s\n", terminalSafe(x.String()))
	}
}

func terminalSafe(s string) string {
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

// studentOf names the student a path relative to -in belongs to (see the
// package comment); "" for -in itself.
func studentOf(rel string) string {
	parts := strings.Split(filepath.ToSlash(filepath.Clean(rel)), "/")
	if parts[0] == "." {
		return ""
	}
	if len(parts) > 1 {
		return parts[0]
	}
	return strings.TrimSuffix(parts[0], answersSuffix)
}

// collect reads every answers file under b.In, through an os.Root so that
// nothing outside it is ever opened.
func (b *book) collect() error {
	root, err := os.OpenRoot(b.In)
	if err != nil {
		return fmt.Errorf("%w (-in must be a folder with one sub-folder per student)", err)
	}
	defer root.Close()
	b.walk(root, ".", 0)
	return nil
}

// walk searches the folder dir (relative to root) for answers files. Only
// folders and regular files are looked at; links, FIFOs, devices and sockets
// are refused with a warning, and never opened.
func (b *book) walk(root *os.Root, dir string, depth int) {
	entries, err := quiz.ReadDirIn(root, dir)
	if err != nil {
		b.fileWarning(dir, err)
		return
	}
	for _, e := range entries {
		rel := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if strings.HasPrefix(e.Name(), ".") {
				continue // .ipynb_checkpoints and the like
			}
			if depth+1 >= maxDepth {
				b.warn(warnRefused, studentOf(rel), filepath.Join(b.In, rel), fmt.Sprintf("folders more than %d deep are not searched", maxDepth))
				continue
			}
			b.walk(root, rel, depth+1)
		case t.IsRegular():
			if strings.HasSuffix(e.Name(), answersSuffix) {
				b.addFile(root, rel)
			}
		default:
			b.warn(warnRefused, studentOf(rel), filepath.Join(b.In, rel), quiz.RefusalReason(t))
		}
	}
}

// fileWarning reports a file or folder (relative to -in) that could not be
// read: refused (a *quiz.RefusedError) or unreadable.
func (b *book) fileWarning(rel string, err error) {
	path := filepath.Join(b.In, rel)
	var refused *quiz.RefusedError
	if errors.As(err, &refused) {
		b.warn(warnRefused, studentOf(rel), path, refused.Reason)
		return
	}
	b.warn(warnUnreadable, studentOf(rel), path, strings.TrimPrefix(err.Error(), path+": "))
}

// addFile reads one answers file (relative to -in) and adds its answers to
// the student's.
func (b *book) addFile(root *os.Root, rel string) {
	student, path := studentOf(rel), filepath.Join(b.In, rel)
	data, err := quiz.ReadRegularFile(root, rel, quiz.MaxAnswersFileSize)
	if err != nil {
		b.fileWarning(rel, err)
		return
	}
	a, err := quiz.ParseAnswers(data, path)
	if err != nil {
		b.warn(warnDamaged, student, path, strings.TrimPrefix(err.Error(), path+": ")+"; the file is skipped: fix or remove it")
		return
	}
	b.filesRead++
	recs := b.student(student)
	nb := ""
	switch {
	case a.Notebook != "":
		nb = filepath.Base(filepath.FromSlash(a.Notebook))
	case filepath.Dir(rel) != ".":
		// Inside a student's folder the file is named for its notebook.
		nb = strings.TrimSuffix(filepath.Base(rel), answersSuffix) + ".ipynb"
	}
	ids := make([]string, 0, len(a.Answers))
	for id := range a.Answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	unknown := 0
	for _, id := range ids {
		k, ok := b.resolve(nb, id)
		if !ok {
			if unknown++; unknown <= maxUnknownListed {
				b.warn(warnUnknown, student, path, fmt.Sprintf("an answer to question id %q, which is not a question of %s: not scored", id, b.lessonName(nb)))
			}
			continue
		}
		e := recs[k]
		if e == nil {
			e = &entry{}
			recs[k] = e
		}
		e.rec = quiz.MergeRecords(e.rec, a.Answers[id])
	}
	if unknown > maxUnknownListed {
		b.warn(warnUnknown, student, path, fmt.Sprintf("%d more answers to question ids that are not questions of %s: not scored", unknown-maxUnknownListed, b.lessonName(nb)))
	}
}

// lessonName says which lesson an answers file was checked against.
func (b *book) lessonName(nb string) string {
	if _, ok := b.lessons[nb]; ok {
		return "the lesson " + nb
	}
	if nb == "" {
		return "any lesson"
	}
	return fmt.Sprintf("any lesson (the file is for %q, which is not among the lessons)", nb)
}
