package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/quiz"
)

// qkey identifies a lesson question across notebooks.
type qkey struct{ notebook, id string }

// question is one column of the gradebook: a lesson question.
type question struct {
	Notebook, ID, Text string
	Points             float64
	q                  *quiz.Question
	// Filled by finish:
	Answered, Correct int
	Share             float64 // Correct / number of students
}

// entry is a student's answer to one question.
type entry struct {
	rec *quiz.Record
	// Set by finish, from the lesson's question:
	correct bool
	score   float64
}

// book is everything read.
type book struct {
	In        string
	Generated time.Time
	Students  []string
	Questions []*question // in lesson order
	Warnings  []warning
	filesRead int
	answers   map[string]map[qkey]*entry // student -> question -> answer
	questions map[qkey]*question
	byID      map[string][]qkey // lesson questions by id
	lessons   map[string]string // lesson notebook name -> path
	warnCount map[string]int    // student -> number of warnings
}

func newBook(in string) *book {
	return &book{In: in, Generated: time.Now().UTC(),
		answers: map[string]map[qkey]*entry{}, questions: map[qkey]*question{},
		byID: map[string][]qkey{}, lessons: map[string]string{}, warnCount: map[string]int{}}
}

// addLessonQuestions adds the questions of the lesson notebooks at path (a
// notebook or a folder of them), in order.
func (b *book) addLessonQuestions(path string) {
	var notebooks []string
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			b.warn(warnLesson, "", p, fmt.Sprintf("cannot read the lesson: %v", err))
		case d.IsDir() && p != path && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(p, ".ipynb"):
			notebooks = append(notebooks, p)
		}
		return nil
	})
	sort.Strings(notebooks)
	for _, nbPath := range notebooks {
		name := filepath.Base(nbPath)
		if prev, dup := b.lessons[name]; dup {
			if filepath.Clean(prev) != filepath.Clean(nbPath) {
				b.warn(warnLesson, "", nbPath, fmt.Sprintf("another lesson is named %s too (%s); answers files name only the notebook, so this one is not used: rename one of them", name, prev))
			}
			continue
		}
		b.lessons[name] = nbPath
		qs, probs := quiz.CheckNotebook(nbPath)
		for _, p := range probs {
			b.warn(warnLesson, "", p.Notebook, strings.TrimPrefix(p.String(), p.Notebook+": "))
		}
		for _, cq := range qs {
			k := qkey{name, cq.ID}
			if b.questions[k] != nil {
				continue // a duplicate id, reported by CheckNotebook: the first one grades
			}
			q := &question{Notebook: name, ID: cq.ID, Text: cq.Text, Points: cq.Points, q: cq.Question}
			b.questions[k] = q
			b.byID[cq.ID] = append(b.byID[cq.ID], k)
			b.Questions = append(b.Questions, q)
		}
	}
}

// resolve finds the lesson question that an answer to id in notebook nb is
// for: the question of that notebook, or, when nb is not a lesson (a renamed
// copy, or a file that names no notebook), the one lesson question with id.
func (b *book) resolve(nb, id string) (qkey, bool) {
	if k := (qkey{nb, id}); b.questions[k] != nil {
		return k, true
	}
	if _, isLesson := b.lessons[nb]; isLesson {
		return qkey{}, false
	}
	if ks := b.byID[id]; len(ks) == 1 {
		return ks[0], true
	}
	return qkey{}, false
}

// student returns the answers of a student, listing the student.
func (b *book) student(name string) map[qkey]*entry {
	recs := b.answers[name]
	if recs == nil {
		recs = map[qkey]*entry{}
		b.answers[name] = recs
	}
	return recs
}

// finish sorts the students and grades every answer with its lesson
// question. The records' own "correct" and "points" are never read.
func (b *book) finish() {
	b.Students = b.Students[:0]
	for s := range b.answers {
		b.Students = append(b.Students, s)
	}
	sort.Strings(b.Students)
	for _, q := range b.Questions {
		q.Answered, q.Correct = 0, 0
		for _, s := range b.Students {
			e := b.answers[s][qkey{q.Notebook, q.ID}]
			if e == nil {
				continue
			}
			e.correct, e.score = q.q.GradeRecord(e.rec)
			q.Answered++
			if e.correct {
				q.Correct++
			}
		}
		if n := len(b.Students); n > 0 {
			q.Share = float64(q.Correct) / float64(n)
		}
	}
}

func (b *book) entry(student string, q *question) *entry {
	return b.answers[student][qkey{q.Notebook, q.ID}]
}

// total is one student's result.
type total struct {
	Correct, Answered int
	Score, Possible   float64
	Attempts          int
	Latest            time.Time
	Warnings          int
}

func (b *book) total(student string) total {
	t := total{Warnings: b.warnCount[student]}
	for _, q := range b.Questions {
		t.Possible += q.Points
		e := b.entry(student, q)
		if e == nil {
			continue
		}
		t.Answered++
		t.Attempts += e.rec.Attempts
		if e.rec.Time.After(t.Latest) {
			t.Latest = e.rec.Time
		}
		if e.correct {
			t.Correct++
		}
		t.Score += e.score
	}
	return t
}
