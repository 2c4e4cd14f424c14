package offline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// lessonCode returns the code cells of the lesson notebooks, joined.
func lessonCode(t *testing.T) string {
	t.Helper()
	paths, _ := filepath.Glob("../notebooks/*.ipynb")
	if len(paths) == 0 {
		t.Fatal("no lesson notebooks in ../notebooks")
	}
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				CellType string          `json:"cell_type"`
				Source   json.RawMessage `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(data, &nb); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, c := range nb.Cells {
			var lines []string
			if json.Unmarshal(c.Source, &lines) != nil {
				var s string
				json.Unmarshal(c.Source, &s)
				lines = []string{s}
			}
			if c.CellType == "code" {
				b.WriteString(strings.Join(lines, "") + "\n")
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
