package offline

import (
	"regexp"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/lessonbook"
)

// lessonCode returns the code cells of the lesson notebooks, joined.
func lessonCode(t *testing.T) string {
	t.Helper()
	paths, errs := lessonbook.Find("../notebooks")
	if len(paths) == 0 || errs != nil {
		t.Fatalf("no lesson notebooks in ../notebooks: %v", errs)
	}
	var b strings.Builder
	for _, p := range paths {
		nb, err := lessonbook.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range nb.Cells {
			if c.Type == "code" {
				b.WriteString(c.Source + "\n")
			}
		}
	}
	return b.String()
}

// The notebook is the one copy of the lesson: every prepared answer's
// question is a user message of a lesson, and the model is the lesson's MODEL.
func TestPreparedAnswersFollowTheNotebook(t *testing.T) {
	code := lessonCode(t)
	model := regexp.MustCompile(`const MODEL = "([^"]+)"`).FindStringSubmatch(code)
	if model == nil || model[1] != LessonModel {
		t.Errorf("the lesson's MODEL is %v, the prepared answers say %q", model, LessonModel)
	}
	for _, p := range Answers {
		if p.Match == nil {
			continue
		}
		if !strings.Contains(code, `ChatMessageRoleUser, Content: "`+p.Question+`"`) {
			t.Errorf("%s answers %q, which no lesson asks", p.File, p.Question)
		}
		if !p.matches(p.Question) {
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
