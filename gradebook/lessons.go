package gradebook

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/k12notebooks/golessons/lessonbook"
	"github.com/k12notebooks/golessons/quiz"
)

// qkey identifies a lesson question across notebooks.
type qkey struct{ notebook, id string }

// Question is one column of the gradebook: a lesson question, with the
// class's results once Book.Finish has run.
type Question struct {
	// Notebook is the lesson notebook's file name, e.g. "openai-streaming.ipynb".
	Notebook string
	// ID is the question's id, as answers files name it.
	ID string
	// Text is the question as the lesson asks it.
	Text string
	// Points is what a right answer is worth, from the lesson.
	Points float64
	// Quiz is the lesson's question, which grades the answers.
	Quiz *quiz.Question
	// Answered and Correct count the students who answered, and who
	// answered right (the latest answer, graded here); filled by Finish.
	Answered, Correct int
	// Share is Correct over the number of students; filled by Finish.
	Share float64
}

// Lessons are the questions of the lesson notebooks, in lesson order, which
// grade every answer. Load them once and make any number of books from them.
type Lessons struct {
	// Questions are every graded lesson question, in order.
	Questions []*Question
	// Reflections are the lessons' ungraded questions (quiz.Reflection), in
	// order: their answers are kept, never scored.
	Reflections []*Question
	// Warnings are the problems found in the lesson notebooks.
	Warnings []Warning
	// Paths are the notebooks read.
	Paths []string
	keys  map[qkey]bool
	byID  map[string][]qkey // lesson questions by id
	names map[string]string // lesson notebook name -> path
}

// LoadLessons reads the questions of the lesson notebooks at paths (each a
// notebook or a folder of them, hidden folders excepted), in order. Problems
// in a lesson are warnings; a lesson with a problem still gives its
// well-formed questions.
func LoadLessons(paths ...string) *Lessons {
	l := &Lessons{keys: map[qkey]bool{}, byID: map[string][]qkey{}, names: map[string]string{}}
	for _, p := range paths {
		l.add(p)
	}
	return l
}

func (l *Lessons) warn(path, msg string) {
	l.Warnings = append(l.Warnings, Warning{Kind: WarnLesson, Path: path, Msg: msg})
}

// add adds the questions of the notebooks at path.
func (l *Lessons) add(path string) {
	notebooks, errs := lessonbook.Find(path)
	for _, err := range errs {
		p := path
		var pe *fs.PathError
		if errors.As(err, &pe) {
			p = pe.Path
		}
		l.warn(p, fmt.Sprintf("cannot read the lesson: %v", err))
	}
	for _, nbPath := range notebooks {
		name := filepath.Base(nbPath)
		if prev, dup := l.names[name]; dup {
			if filepath.Clean(prev) != filepath.Clean(nbPath) {
				l.warn(nbPath, fmt.Sprintf("another lesson is named %s too (%s); answers files name only the notebook, so this one is not used: rename one of them", name, prev))
			}
			continue
		}
		l.names[name] = nbPath
		l.Paths = append(l.Paths, nbPath)
		qs, probs := lessonbook.Check(nbPath)
		for _, p := range probs {
			l.warn(p.Notebook, strings.TrimPrefix(p.String(), p.Notebook+": "))
		}
		for _, cq := range qs {
			k := qkey{name, cq.ID}
			if l.keys[k] {
				continue // a duplicate id, reported by lessonbook.Check: the first one grades
			}
			l.keys[k] = true
			l.byID[cq.ID] = append(l.byID[cq.ID], k)
			q := &Question{Notebook: name, ID: cq.ID, Text: cq.Text, Points: cq.Points, Quiz: cq.Question}
			if cq.Question.Ungraded() {
				l.Reflections = append(l.Reflections, q)
			} else {
				l.Questions = append(l.Questions, q)
			}
		}
	}
}

// resolve finds the lesson question that an answer to id in notebook nb is
// for: the question of that notebook, or, when nb is not a lesson (a renamed
// copy, or a file that names no notebook), the one lesson question with id.
func (l *Lessons) resolve(nb, id string) (qkey, bool) {
	if k := (qkey{nb, id}); l.keys[k] {
		return k, true
	}
	if _, isLesson := l.names[nb]; isLesson {
		return qkey{}, false
	}
	if ks := l.byID[id]; len(ks) == 1 {
		return ks[0], true
	}
	return qkey{}, false
}

// lessonName says which lesson an answers file was checked against.
func (l *Lessons) lessonName(nb string) string {
	if _, ok := l.names[nb]; ok {
		return "the lesson " + nb
	}
	if nb == "" {
		return "any lesson"
	}
	return fmt.Sprintf("any lesson (the file is for %q, which is not among the lessons)", nb)
}
