package lessonbook

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/lessontest"
)

// problemsText joins the problems' lines, for matching.
func problemsText(probs []Problem) string {
	var b strings.Builder
	for _, p := range probs {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// lessons.json sets the order; a notebook it leaves out comes last, with a
// problem that names it; a listed name that is no notebook, or is listed
// twice, is a problem of the list.
func TestLessonsOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a-first.ipynb", "b-second.ipynb", "c-new.ipynb"} {
		lessontest.WriteNotebook(t, filepath.Join(dir, n), lessontest.MD("# "+n))
	}
	lessontest.WriteNotebook(t, filepath.Join(dir, ".ipynb_checkpoints", "x.ipynb"))
	lessontest.WriteFile(t, filepath.Join(dir, "notes.md"), "not a lesson")

	paths, probs := Lessons(dir)
	if len(probs) != 0 || strings.Join(paths, ",") != filepath.Join(dir, "a-first.ipynb")+","+filepath.Join(dir, "b-second.ipynb")+","+filepath.Join(dir, "c-new.ipynb") {
		t.Fatalf("without lessons.json: %v, %v", paths, probs)
	}

	lessontest.WriteFile(t, filepath.Join(dir, OrderFile), `{"lessons": ["b-second.ipynb", "a-first.ipynb", "gone.ipynb", "a-first.ipynb"]}`)
	paths, probs = Lessons(dir)
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, ",") != "b-second.ipynb,a-first.ipynb,c-new.ipynb" {
		t.Errorf("order %v", names)
	}
	text := problemsText(probs)
	for _, want := range []string{
		`lessons.json: "gone.ipynb" is listed, but`,
		`lessons.json: "a-first.ipynb" is listed twice`,
		`c-new.ipynb: this lesson is not listed in`,
		`add "c-new.ipynb" to its "lessons" list`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
	if len(probs) != 3 {
		t.Errorf("%d problems:\n%s", len(probs), text)
	}

	lessontest.WriteFile(t, filepath.Join(dir, OrderFile), `{"lessons": ["../x.ipynb"]}`)
	if _, probs := Lessons(dir); len(probs) != 1 || !strings.Contains(probs[0].Msg, "not a notebook's file name") {
		t.Errorf("a path in the list: %v", probs)
	}
	lessontest.WriteFile(t, filepath.Join(dir, OrderFile), `{"lesson": []}`)
	if _, probs := Lessons(dir); len(probs) != 1 || !strings.Contains(probs[0].Msg, "not a list of lessons") {
		t.Errorf("a misspelt key: %v", probs)
	}
}

// lesson returns a notebook asking question with model, as the lessons'
// cells do.
func lesson(t *testing.T, path, model, question string) *Notebook {
	t.Helper()
	lessontest.WriteNotebook(t, path,
		lessontest.MD("# A lesson"),
		lessontest.Code("const MODEL = \""+model+"\""),
		lessontest.Code("var messages = []openai.ChatCompletionMessage{\n\t{Role: openai.ChatMessageRoleSystem, Content: \"You help.\"},\n\t{Role: openai.ChatMessageRoleUser, Content: \""+question+"\"},\n}"))
	nb, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// wordMatch is a match line of one group: the question holds word.
func wordMatch(word string) func(string) bool {
	return func(q string) bool { return strings.Contains(strings.ToLower(q), word) }
}

// Every question a lesson asks needs the prepared answer the provider gives
// for it, with the lesson's model; each problem says where and what to do.
func TestCheckOffline(t *testing.T) {
	dir := t.TempDir()
	answers := []OfflineAnswer{
		{File: "offline/answers/bankhar.md", Question: "How do I feed my \"Bankhar\"?", Model: "m/one", Matches: wordMatch("bankhar")},
		{File: "offline/answers/cats.md", Question: "What do cats eat?", Matches: wordMatch("eat")},
		{File: "offline/answers/zz-any.md", Question: "any other question"},
	}
	good := lesson(t, filepath.Join(dir, "good.ipynb"), "m/one", `How do I feed my \"Bankhar\"?`)
	if probs := CheckOffline([]*Notebook{good}, answers, false); len(probs) != 0 {
		t.Fatalf("a good lesson: %v", probs)
	}
	if q, m := LessonRequests(good); len(q) != 1 || q[0].Text != `How do I feed my "Bankhar"?` || q[0].Cell != 3 || q[0].Line != 3 || m == nil || m.Text != "m/one" {
		t.Errorf("requests %+v, model %+v", q, m)
	}
	// The whole course: cats.md is asked by no lesson.
	text := problemsText(CheckOffline([]*Notebook{good}, answers, true))
	if !strings.Contains(text, `offline/answers/cats.md: no lesson asks "What do cats eat?" any more`) {
		t.Errorf("unused answer: %s", text)
	}

	cases := map[string]struct{ model, question, want string }{
		"reworded":    {"m/one", "How often do I feed my Bankhar?", `cell 3, line 3:46: the offline sample provider answers this question with offline/answers/bankhar.md (its "match:" words fit), but that file's "question:" line says`},
		"new":         {"m/one", "Why is the sky blue?", "cell 3, line 3:46: the offline sample provider has no prepared answer for this question"},
		"other model": {"m/two", `How do I feed my \"Bankhar\"?`, `cell 2, line 1:15: MODEL is "m/two", but the offline answer to this lesson's question, offline/answers/bankhar.md, says "model: m/one"`},
	}
	for name, c := range cases {
		nb := lesson(t, filepath.Join(dir, name+".ipynb"), c.model, c.question)
		text := problemsText(CheckOffline([]*Notebook{nb}, answers, false))
		if !strings.Contains(text, c.want) {
			t.Errorf("%s: problems\n%s\nwant %q", name, text, c.want)
		}
	}

	// An answer tried earlier whose words fit catches the question first.
	first := []OfflineAnswer{
		{File: "a-food.md", Question: "What do dogs eat?", Matches: wordMatch("eat")},
		{File: "b-bankhar.md", Question: "What does my Bankhar eat?", Matches: wordMatch("bankhar")},
	}
	nb := lesson(t, filepath.Join(dir, "caught.ipynb"), "m/one", "What does my Bankhar eat?")
	text = problemsText(CheckOffline([]*Notebook{nb}, first, false))
	if !strings.Contains(text, `b-bankhar.md answers this question, but the "match:" line of a-food.md catches it first`) {
		t.Errorf("caught first: %s", text)
	}
}
