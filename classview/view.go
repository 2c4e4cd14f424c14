package classview

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/k12notebooks/golessons/gradebook"
	"github.com/k12notebooks/golessons/quiz"
)

// maxWrongShown is how many of the most common wrong answers a question shows.
const maxWrongShown = 3

// View is what the teacher's page shows, made from a graded book, the hub's
// users and the relay's usage.
type View struct {
	Students  []StudentRow
	Questions []QuestionRow
	// Online and Starting count the students with a running or starting server.
	Online, Starting int
	// Waiting is the number of requests in the relay's queue, -1 unknown.
	Waiting int
	// HasUsage is true when the relay's usage is shown.
	HasUsage bool
	// RequestsPerDay is the relay's daily limit per student, 0 unknown.
	RequestsPerDay int
	// Notices say what could not be read (hub, relay), and what to do.
	Notices []string
	// Warnings are the gradebook's: files refused or damaged, unknown ids.
	Warnings []gradebook.Warning
	// Class is the relay's conversations, alerts and controls; nil without
	// a relay.
	Class *Panel
	// Reflections are the lessons' ungraded questions with the class's
	// answers.
	Reflections []ReflectionRow
}

// ReflectionRow is one reflection of a lesson and the students' answers,
// in the students' order; never graded.
type ReflectionRow struct {
	ID, Notebook, Text string
	// Anchor is an HTML id for the reflection.
	Anchor  string
	Answers []ReflectionAnswer
}

// ReflectionAnswer is one student's latest answer to a reflection.
type ReflectionAnswer struct {
	Student string
	Text    string
	Time    time.Time
}

// StudentRow is one student.
type StudentRow struct {
	Name string
	// Anchor is an HTML id made from the name (the name itself is hostile).
	Anchor string
	// NotebooksURL is the page of the student's notebooks, relative to the
	// class view's page.
	NotebooksURL string
	// OnHub is true when the hub knows the student; Online and Starting say
	// whether a server runs or starts.
	OnHub, Online, Starting bool
	LastActivity            time.Time
	// Usage is the student's relay usage today, nil for none.
	Usage *classapi.DayUsage
	// OverLimit is true when the relay refused the student today, or the
	// student reached the daily limit.
	OverLimit bool
	Total     gradebook.Total
	Answers   []AnswerCell
}

// AnswerCell is a student's answer to one question, graded by the lesson.
type AnswerCell struct {
	QuestionID string
	Answered   bool
	Correct    bool
	// Answer is the latest answer as the student sees it (an option's key
	// with its text).
	Answer   string
	Attempts int
	Time     time.Time
	// History is every attempt, oldest first, each graded by the lesson.
	History []AttemptCell
}

// AttemptCell is one attempt.
type AttemptCell struct {
	Answer  string
	Correct bool
	Time    time.Time
}

// QuestionRow is the class's progress on one question.
type QuestionRow struct {
	ID, Notebook, Text string
	// Answered and Correct count students; Students is the class size.
	Answered, Correct, Students int
	// AnsweredShare and CorrectShare are over the class size.
	AnsweredShare, CorrectShare float64
	// Wrong are the most common wrong latest answers, most common first.
	Wrong []WrongAnswer
}

// WrongAnswer is a wrong answer and how many students gave it.
type WrongAnswer struct {
	Answer string
	Count  int
}

// anchor returns a stable HTML id for a student.
func anchor(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "s-" + hex.EncodeToString(sum[:6])
}

// display writes an answer as the student chose it: a choice's key with its
// text ("b: A small piece of the response text").
func display(q *quiz.Question, answer string) string {
	return q.Describe(answer, func(o quiz.Option) string { return o.Key + ": " + o.Text })
}

// sameAnswer is the form in which wrong answers are grouped.
func sameAnswer(q *quiz.Question, answer string) string { return q.SameAnswer(answer) }

// buildView makes the page's view of b (after Finish), the hub's users and
// the relay's information.
func buildView(b *gradebook.Book, users map[string]*hub.User, ri relayInfo, perDay int) *View {
	v := &View{Waiting: ri.waiting, HasUsage: ri.today != nil, RequestsPerDay: perDay,
		Notices: ri.notices, Warnings: b.Warnings}
	for _, name := range b.Students {
		v.Students = append(v.Students, studentRow(b, name, users[name], ri, perDay))
		if row := v.Students[len(v.Students)-1]; row.Online {
			v.Online++
		} else if row.Starting {
			v.Starting++
		}
	}
	for _, q := range b.Questions {
		v.Questions = append(v.Questions, questionRow(b, q))
	}
	for i, q := range b.Reflections {
		row := ReflectionRow{ID: q.ID, Notebook: q.Notebook, Text: q.Text, Anchor: "r-" + strconv.Itoa(i)}
		for _, s := range b.Students {
			if e := b.Entry(s, q); e != nil && e.Record != nil {
				row.Answers = append(row.Answers, ReflectionAnswer{Student: s, Text: e.Record.Answer, Time: e.Record.Time})
			}
		}
		v.Reflections = append(v.Reflections, row)
	}
	return v
}

func studentRow(b *gradebook.Book, name string, u *hub.User, ri relayInfo, perDay int) StudentRow {
	row := StudentRow{Name: name, Anchor: anchor(name), NotebooksURL: notebooksURL(name), Total: b.Total(name)}
	if u != nil {
		row.OnHub = true
		row.Online, row.Starting = u.Online()
		row.LastActivity = u.LastActive()
	}
	if d := ri.today[name]; d != nil {
		row.Usage = d
		row.OverLimit = d.Limited > 0 || (perDay > 0 && d.Requests >= int64(perDay))
	}
	for _, q := range b.Questions {
		cell := AnswerCell{QuestionID: q.ID}
		if e := b.Entry(name, q); e != nil {
			cell.Answered, cell.Correct = true, e.Correct
			cell.Answer, cell.Attempts, cell.Time = display(q.Quiz, e.Record.Answer), e.Record.Attempts, e.Record.Time
			for _, at := range e.Record.History {
				cell.History = append(cell.History, AttemptCell{Answer: display(q.Quiz, at.Answer),
					Correct: q.Quiz.Grade(at.Answer).Correct, Time: at.Time})
			}
		}
		row.Answers = append(row.Answers, cell)
	}
	return row
}

func questionRow(b *gradebook.Book, q *gradebook.Question) QuestionRow {
	row := QuestionRow{ID: q.ID, Notebook: q.Notebook, Text: q.Text,
		Answered: q.Answered, Correct: q.Correct, Students: len(b.Students)}
	if row.Students > 0 {
		row.AnsweredShare = float64(q.Answered) / float64(row.Students)
		row.CorrectShare = float64(q.Correct) / float64(row.Students)
	}
	count := map[string]int{}
	shown := map[string]string{}
	for _, s := range b.Students {
		e := b.Entry(s, q)
		if e == nil || e.Correct {
			continue
		}
		k := sameAnswer(q.Quiz, e.Record.Answer)
		if count[k]++; shown[k] == "" {
			shown[k] = display(q.Quiz, strings.TrimSpace(e.Record.Answer))
		}
	}
	for k, n := range count {
		row.Wrong = append(row.Wrong, WrongAnswer{Answer: shown[k], Count: n})
	}
	sort.Slice(row.Wrong, func(i, j int) bool {
		if row.Wrong[i].Count != row.Wrong[j].Count {
			return row.Wrong[i].Count > row.Wrong[j].Count
		}
		return row.Wrong[i].Answer < row.Wrong[j].Answer
	})
	if len(row.Wrong) > maxWrongShown {
		row.Wrong = row.Wrong[:maxWrongShown]
	}
	return row
}
