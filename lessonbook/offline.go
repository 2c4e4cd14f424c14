package lessonbook

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/k12notebooks/golessons/quiz"
)

// OfflineAnswer is one prepared answer of the offline sample provider
// (package offline), as CheckOffline reads it.
type OfflineAnswer struct {
	// File is where the answer is, such as "offline/answers/bankhar-feeding.md".
	File string
	// Question is its header's "question:" line.
	Question string
	// Model is its header's "model:" line, or "".
	Model string
	// Matches reports whether the provider's word groups (its "match:"
	// line) fit a question; nil for the reply to any other question.
	Matches func(question string) bool
}

// Asked is a user message or the MODEL of a lesson, and where it is.
type Asked struct {
	// Text is the message's text, or the model's name.
	Text string
	// Cell is the cell's number, counting from 1; Line and Col are where the
	// string starts in it.
	Cell, Line, Col int
}

// userMessage finds the user messages of a lesson's conversation.
var userMessage = regexp.MustCompile(`ChatMessageRoleUser\s*,\s*Content:\s*("(?:[^"\\\n]|\\.)*")`)

// modelConst finds a lesson's MODEL.
var modelConst = regexp.MustCompile(`(?m)^[ \t]*const[ \t]+MODEL[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*")`)

// LessonRequests returns the user messages of nb's code cells (written
// {Role: openai.ChatMessageRoleUser, Content: "..."}) and its MODEL
// (const MODEL = "..."), if any.
func LessonRequests(nb *Notebook) (questions []Asked, model *Asked) {
	for ci, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		for _, m := range userMessage.FindAllStringSubmatchIndex(c.Source, -1) {
			questions = append(questions, asked(c.Source, ci+1, m[2], m[3]))
		}
		if m := modelConst.FindStringSubmatchIndex(c.Source); m != nil && model == nil {
			a := asked(c.Source, ci+1, m[2], m[3])
			model = &a
		}
	}
	return questions, model
}

// asked returns the Go string literal src[i:j] of cell number cell, decoded.
func asked(src string, cell, i, j int) Asked {
	text, err := strconv.Unquote(src[i:j])
	if err != nil {
		text = src[i+1 : j-1]
	}
	line := 1 + strings.Count(src[:i], "\n")
	col := 1 + len([]rune(src[strings.LastIndex(src[:i], "\n")+1:i]))
	return Asked{Text: text, Cell: cell, Line: line, Col: col}
}

// CheckOffline checks that the offline sample provider answers every lesson
// of lessons with a prepared answer of answers (in the provider's order):
// each user message of a lesson is the "question:" line of an answer, which
// the provider gives for it (no other answer's "match:" line catches it
// first), and its MODEL is the answer's "model:" line when it has one. With
// whole, lessons are all the lessons, and an answer that none of them asks
// is a problem too (unless none asks anything). Each problem names the notebook and cell, or the
// answer's file, and says what to change.
func CheckOffline(lessons []*Notebook, answers []OfflineAnswer, whole bool) []Problem {
	var probs []Problem
	asks := map[string]bool{} // the questions the lessons ask
	for _, nb := range lessons {
		questions, model := LessonRequests(nb)
		for _, q := range questions {
			asks[q.Text] = true
			a, p := servedAnswer(nb, q, answers)
			if p != nil {
				probs = append(probs, *p)
				continue
			}
			if model != nil && a.Model != "" && model.Text != a.Model {
				probs = append(probs, askedProblem(nb, *model, fmt.Sprintf("MODEL is %q, but the offline answer to this lesson's question, %s, says \"model: %s\": "+
					"make them the same (change that line to %q, which the offline provider then lists)", model.Text, a.File, a.Model, model.Text)))
			}
		}
	}
	if !whole || len(asks) == 0 {
		return probs // not the lessons of a course: none asks anything
	}
	for _, a := range answers {
		if a.Matches != nil && !asks[a.Question] {
			probs = append(probs, Problem{Notebook: a.File, Msg: fmt.Sprintf("no lesson asks %q any more, so this prepared answer is never given as it stands: "+
				"copy the lesson's question to its \"question:\" line (and check that the answer still fits), or delete the file if its lesson is gone", a.Question)})
		}
	}
	return probs
}

// servedAnswer returns the prepared answer for the question q of nb, or the
// problem that keeps the provider from giving it.
func servedAnswer(nb *Notebook, q Asked, answers []OfflineAnswer) (OfflineAnswer, *Problem) {
	var served, exact *OfflineAnswer
	for i := range answers {
		a := &answers[i]
		if a.Matches == nil {
			continue
		}
		if served == nil && a.Matches(q.Text) {
			served = a
		}
		if exact == nil && a.Question == q.Text {
			exact = a
		}
	}
	var msg string
	switch {
	case exact == nil && served != nil:
		msg = fmt.Sprintf("the offline sample provider answers this question with %s (its \"match:\" words fit), but that file's \"question:\" line says %q: "+
			"copy this question there, so that they are the same, and check that the prepared answer still fits", served.File, served.Question)
	case exact == nil:
		msg = "the offline sample provider has no prepared answer for this question, so without an API key students get its reply to any other question: " +
			"add one in offline/answers/ (a Markdown file with this question on its \"question:\" line, a \"match:\" line and the answer; " +
			"docs/teachers/new-lesson.md says how, and make new-lesson makes one to fill in)"
	case served != exact:
		msg = fmt.Sprintf("%s answers this question, but the \"match:\" line of %s catches it first (files are tried in name order): "+
			"make that line's words more precise", exact.File, served.File)
	default:
		return *exact, nil
	}
	p := askedProblem(nb, q, msg)
	return OfflineAnswer{}, &p
}

// askedProblem is a problem at a's place in nb.
func askedProblem(nb *Notebook, a Asked, msg string) Problem {
	return Problem{Notebook: nb.Path, Cell: a.Cell, Line: a.Line, Col: a.Col, Msg: msg,
		Context: quiz.Caret(nb.Cells[a.Cell-1].Source, a.Line, a.Col)}
}
