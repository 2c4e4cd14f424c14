package offline

import (
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/lessonbook"
)

// asCheckInput returns the prepared answers as lessonbook.CheckOffline
// reads them (as make check's quizcheck does).
func asCheckInput() []lessonbook.OfflineAnswer {
	var out []lessonbook.OfflineAnswer
	for _, p := range Answers {
		a := lessonbook.OfflineAnswer{File: p.File, Question: p.Question, Model: p.Model}
		if p.Match != nil {
			a.Matches = p.Matches
		}
		out = append(out, a)
	}
	return out
}

// The notebook is the one copy of the lesson: every question a lesson asks
// has its prepared answer, which the provider gives for it, with the
// lesson's MODEL; every prepared answer is asked by a lesson. This is
// lessonbook.CheckOffline, which make check runs too (cmd/quizcheck).
func TestPreparedAnswersFollowTheNotebook(t *testing.T) {
	paths, probs := lessonbook.Lessons("../notebooks")
	for _, p := range probs {
		t.Error(p)
	}
	if len(paths) == 0 {
		t.Fatal("no lesson notebooks in ../notebooks")
	}
	var nbs []*lessonbook.Notebook
	asked := 0
	for _, p := range paths {
		nb, err := lessonbook.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		qs, _ := lessonbook.LessonRequests(nb)
		asked += len(qs)
		nbs = append(nbs, nb)
	}
	if asked == 0 {
		t.Fatal("no lesson asks a question; is the scan broken?")
	}
	for _, p := range lessonbook.CheckOffline(nbs, asCheckInput(), true) {
		t.Error(p)
	}
	for _, p := range Answers {
		if p.Match != nil && !p.matches(p.Question) {
			t.Errorf("%s: its match line does not match its own question", p.File)
		}
	}
	if !strings.Contains(OtherAnswer, LessonQuestion) {
		t.Error("the reply to other questions does not name the lesson's question")
	}
}

func TestParsePreparedErrors(t *testing.T) {
	cases := map[string]string{
		"no header":       "## Just an answer\n",
		"unknown key":     "---\nquestion: q\ncolour: red\n---\nA\n",
		"no question":     "---\nmodel: m\n---\nA\n",
		"no answer":       "---\nquestion: q\n---\n\n",
		"unclosed header": "---\nquestion: q\nA\n",
	}
	for name, text := range cases {
		if _, err := ParsePrepared("answers/x.md", text); err == nil || !strings.Contains(err.Error(), "answers/x.md") {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
	p, err := ParsePrepared("answers/x.md", "---\r\nquestion: Why?\r\nmatch: why; sky blue\r\n---\r\nBecause.\r\n")
	if err != nil || p.Question != "Why?" || len(p.Match) != 2 || !strings.HasSuffix(p.Answer, "Because.\n") {
		t.Errorf("CRLF file: %+v, %v", p, err)
	}
}
