package gradebook

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/answerfile"
)

// MaxUnknownListed is how many answers to unknown question ids are named one
// by one per file; the rest are counted in one more warning.
const MaxUnknownListed = 10

// Entry is a student's answer to one question.
type Entry struct {
	// Record is what the answers files hold, merged across files.
	Record *answerfile.Record
	// Correct and Score are the latest answer graded with the lesson's
	// question; set by Finish.
	Correct bool
	Score   float64
}

// Book is a class's answers, graded.
type Book struct {
	// In names where the answers come from, for the page.
	In string
	// Generated is when the book was made.
	Generated time.Time
	// Students are the students' names, sorted; filled by Finish.
	Students []string
	// Questions are the lesson questions, in lesson order, with this
	// class's results.
	Questions []*Question
	// Reflections are the lessons' ungraded questions; Entry gives each
	// student's answer, which is never graded or scored.
	Reflections []*Question
	// Warnings are everything that was not counted, and why.
	Warnings []Warning
	// FilesRead counts the answers files read.
	FilesRead int

	lessons   *Lessons
	questions map[qkey]*Question
	answers   map[string]map[qkey]*Entry // student -> question -> answer
	warnCount map[string]int             // student -> number of warnings
}

// New returns an empty book graded by the lessons l, starting with the
// lessons' warnings; in names where the answers come from.
func New(in string, l *Lessons) *Book {
	b := &Book{In: in, Generated: time.Now().UTC(), lessons: l,
		questions: map[qkey]*Question{}, answers: map[string]map[qkey]*Entry{}, warnCount: map[string]int{}}
	for _, q := range l.Questions {
		c := *q
		b.Questions = append(b.Questions, &c)
		b.questions[qkey{c.Notebook, c.ID}] = &c
	}
	for _, q := range l.Reflections {
		c := *q
		b.Reflections = append(b.Reflections, &c)
	}
	b.Warnings = append(b.Warnings, l.Warnings...)
	return b
}

// AddStudent lists a student, with or without answers.
func (b *Book) AddStudent(name string) { b.student(name) }

// student returns the answers of a student, listing the student.
func (b *Book) student(name string) map[qkey]*Entry {
	recs := b.answers[name]
	if recs == nil {
		recs = map[qkey]*Entry{}
		b.answers[name] = recs
	}
	return recs
}

// AddAnswers adds the answers a of one file to the student's. path names the
// file in warnings. The notebook is the one a names, else fileNotebook (the
// notebook the file is named for, "" when unknown); an answer whose notebook
// is not a lesson goes to the one lesson question with its id, if there is
// exactly one. Answers to other ids are warnings.
func (b *Book) AddAnswers(student, path string, a *answerfile.Answers, fileNotebook string) {
	b.FilesRead++
	recs := b.student(student)
	nb := fileNotebook
	if a.Notebook != "" {
		nb = filepath.Base(filepath.FromSlash(a.Notebook))
	}
	ids := make([]string, 0, len(a.Answers))
	for id := range a.Answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	unknown := 0
	for _, id := range ids {
		k, ok := b.lessons.resolve(nb, id)
		if !ok {
			if unknown++; unknown <= MaxUnknownListed {
				b.Warn(WarnUnknown, student, path, fmt.Sprintf("an answer to question id %q, which is not a question of %s: not scored", id, b.lessons.lessonName(nb)))
			}
			continue
		}
		e := recs[k]
		if e == nil {
			e = &Entry{}
			recs[k] = e
		}
		e.Record = answerfile.MergeRecords(e.Record, a.Answers[id])
	}
	if unknown > MaxUnknownListed {
		b.Warn(WarnUnknown, student, path, fmt.Sprintf("%d more answers to question ids that are not questions of %s: not scored", unknown-MaxUnknownListed, b.lessons.lessonName(nb)))
	}
}

// ParseAndAdd parses the content of one answers file (see
// answerfile.Parse) and adds it with AddAnswers; a damaged file is a
// warning naming the line:column of the problem, a file of a newer schema
// version one saying to update the lessons, and either is skipped.
func (b *Book) ParseAndAdd(student, path string, data []byte, fileNotebook string) {
	a, err := answerfile.Parse(data, path)
	var newer *answerfile.NewerVersionError
	if errors.As(err, &newer) {
		b.Warn(WarnNewer, student, path, strings.TrimPrefix(err.Error(), path+": ")+"; the file is skipped")
		return
	}
	if err != nil {
		b.Warn(WarnDamaged, student, path, strings.TrimPrefix(err.Error(), path+": ")+"; the file is skipped: fix or remove it")
		return
	}
	b.AddAnswers(student, path, a, fileNotebook)
}

// NotebookOf returns the notebook an answers file is named for:
// "x.answers.json" is for "x.ipynb".
func NotebookOf(answersFile string) string {
	return strings.TrimSuffix(filepath.Base(answersFile), AnswersSuffix) + ".ipynb"
}

// Finish sorts the students and grades every answer with its lesson
// question. The records' own "correct" and "points" are never read.
func (b *Book) Finish() {
	b.Students = b.Students[:0]
	for s := range b.answers {
		b.Students = append(b.Students, s)
	}
	sort.Strings(b.Students)
	for _, q := range b.Questions {
		q.Answered, q.Correct, q.Share = 0, 0, 0
		for _, s := range b.Students {
			e := b.answers[s][qkey{q.Notebook, q.ID}]
			if e == nil {
				continue
			}
			e.Correct, e.Score = answerfile.GradeRecord(q.Quiz, e.Record)
			q.Answered++
			if e.Correct {
				q.Correct++
			}
		}
		if n := len(b.Students); n > 0 {
			q.Share = float64(q.Correct) / float64(n)
		}
	}
}

// Entry returns a student's answer to q, or nil when there is none.
func (b *Book) Entry(student string, q *Question) *Entry {
	return b.answers[student][qkey{q.Notebook, q.ID}]
}

// Total is one student's result.
type Total struct {
	// Correct and Answered count questions.
	Correct, Answered int
	// Score is the points earned of Possible.
	Score, Possible float64
	// Attempts adds up the attempts at every question.
	Attempts int
	// Latest is the time of the latest answer.
	Latest time.Time
	// Warnings counts the warnings about the student.
	Warnings int
}

// Total returns a student's result, after Finish.
func (b *Book) Total(student string) Total {
	t := Total{Warnings: b.warnCount[student]}
	for _, q := range b.Questions {
		t.Possible += q.Points
		e := b.Entry(student, q)
		if e == nil {
			continue
		}
		t.Answered++
		t.Attempts += e.Record.Attempts
		if e.Record.Time.After(t.Latest) {
			t.Latest = e.Record.Time
		}
		if e.Correct {
			t.Correct++
		}
		t.Score += e.Score
	}
	return t
}
