package quizwidget

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/quiz"
)

const (
	seedReflection = `{"question_type": "reflection", "id": "reflect-1", "question": "What surprised you about streaming?"}`
	seedFreeform   = "{ “question_type”: “freeform”, “question”: “What parameter do you set to True in the API call to enable streaming?”, “answer”: “stream”, “submitted_answer”: “” }"
	seedTrueFalse  = "{ “question_type”: “true_false”, “question”: “Without streaming, the full response must be completely generated before any text is displayed.”, “answer”: “True”, “submitted_answer”: “” }"
	seedMultiple   = "{ “question_type”: “multiple_choice”, “question”: “What does chunk.choices[0].delta.content contain during streaming?”, “options”: [ { “key”: “a”, “text”: “The entire completed response” }, { “key”: “b”, “text”: “A small piece of the response text (one or more tokens)” }, { “key”: “c”, “text”: “The total number of tokens generated so far” }, { “key”: “d”, “text”: “The model’s confidence score” } ], “answer”: “b”, “submitted_answer”: “” }"
	hostileQuestio = `{"question_type": "multiple_choice",
 "question": "Is <script>alert(1)</script> text? <img src=x onerror=\"alert(2)\"> & \"quotes\"",
 "options": [{"key": "a", "text": "<b>bold</b> <img src=y onerror=alert(3)>", "feedback": "</script><script>alert(4)</script>"},
             {"key": "b", "text": "sep <!-- comment", "feedback": "\u2028line\u2029sep"}],
 "answer": "a", "explanation": "<iframe src=javascript:alert(5)>", "hint": "<svg onload=alert(6)>",
 "code": "if a < b && c > d { </script> }"}`
)

func mustQuestion(t *testing.T, src string) *quiz.Question {
	t.Helper()
	q, err := quiz.ParseOne(src)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

var (
	scriptElement = regexp.MustCompile(`(?s)<script>.*?</script>`)
	styleElement  = regexp.MustCompile(`(?s)<style>.*?</style>`)
)

// visible returns the HTML without its script and style elements: what a
// reader sees.
func visible(html string) string {
	return styleElement.ReplaceAllString(scriptElement.ReplaceAllString(html, ""), "")
}

func TestRenderEscapesHostileText(t *testing.T) {
	q := mustQuestion(t, hostileQuestio)
	env := quizEnv{answersPath: `x"><script>alert(7)</script>.answers.json`, notebook: `<b>n</b>.ipynb`, kernelID: `k"1`}
	r := renderQuestion(q, env, nil, nil, "gq-test")

	if n := strings.Count(strings.ToLower(r.html), "<script"); n != 1 {
		t.Errorf("%d script elements, want only the widget's own:\n%s", n, visible(r.html))
	}
	if n := strings.Count(strings.ToLower(r.html), "</script"); n != 1 {
		t.Errorf("%d \"</script\" in the output, want 1 (the end of the widget's script)", n)
	}
	if !strings.HasSuffix(strings.TrimSpace(r.html), "</script>\n</div>") {
		t.Errorf("the script element does not end the widget")
	}
	for _, bad := range []string{"<img", "<b>", "<iframe", "<svg", "<!--"} {
		if strings.Contains(r.html, bad) {
			t.Errorf("output contains raw %q", bad)
		}
	}
	page := visible(r.html)
	for _, want := range []string{
		"Is &lt;script&gt;alert(1)&lt;/script&gt; text? &lt;img src=x onerror=&#34;alert(2)&#34;&gt; &amp; &#34;quotes&#34;",
		"&lt;b&gt;bold&lt;/b&gt; &lt;img src=y onerror=alert(3)&gt;",
		"if a &lt; b &amp;&amp; c &gt; d { &lt;/script&gt; }",
		"&lt;svg onload=alert(6)&gt;",
		`data-answers-path="x&#34;&gt;&lt;script&gt;alert(7)&lt;/script&gt;.answers.json"`,
		`data-notebook="&lt;b&gt;n&lt;/b&gt;.ipynb"`,
		`data-kernel-id="k&#34;1"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("escaped text %q not found in:\n%s", want, page)
		}
	}
	// Feedback and explanation are sealed: not in the output at all, not
	// even escaped.
	for _, sealed := range []string{"alert(4)", "alert(5)", "u2029sep", "\u2029sep"} {
		if strings.Contains(r.html, sealed) {
			t.Errorf("%q is in the output; feedback and explanation should be sealed", sealed)
		}
	}
}

func TestRenderHidesTheAnswer(t *testing.T) {
	q := mustQuestion(t, `{"question_type": "freeform", "question": "Which word?", "answer": "zebra42", "accepted_answers": ["okapi7"], "explanation": "Because of the stripes."}`)
	r := renderQuestion(q, quizEnv{}, nil, nil, "gq-1")
	// Not in what a reader sees, nor in the script's data.
	for _, secret := range []string{"zebra42", "okapi7", "stripes", `"answer"`, `"correct"`, `"textAnswers"`} {
		if strings.Contains(r.html, secret) || strings.Contains(r.text, secret) {
			t.Errorf("%s is in the output:\n%s\n%s", secret, r.html, r.text)
		}
	}
	// Each rendering has its own salt.
	if a, b := scriptElement.FindString(r.html), scriptElement.FindString(renderQuestion(q, quizEnv{}, nil, nil, "gq-1").html); a == b {
		t.Errorf("two renderings carry the same sealed data")
	}

	mc := mustQuestion(t, seedMultiple)
	r = renderQuestion(mc, quizEnv{}, nil, nil, "gq-2")
	labels := regexp.MustCompile(`<label class="gq-option"[^>]*><input [^>]*>`).FindAllString(r.html, -1)
	if len(labels) != 4 {
		t.Fatalf("found %d options", len(labels))
	}
	for i, l := range labels {
		// Options differ only by their key.
		key := string(rune('a' + i))
		generic := strings.ReplaceAll(l, `"`+key+`"`, `"K"`)
		if generic != strings.ReplaceAll(labels[0], `"a"`, `"K"`) {
			t.Errorf("option %s is marked differently: %s", key, l)
		}
	}
	if strings.Contains(strings.ToLower(visible(r.html)), "correct") {
		t.Errorf("the word \"correct\" appears outside the script:\n%s", visible(r.html))
	}
	data := scriptElement.FindString(r.html)
	data = data[strings.LastIndex(data, "golessonsQuiz.mount("):]
	for _, field := range []string{`"answer"`, `"correct"`, `"options"`, `"key"`} {
		if strings.Contains(data, field) {
			t.Errorf("the widget's data has %s: %s", field, data)
		}
	}
}

func TestRenderWidgetTypes(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{seedFreeform, []string{`class="gq-input"`, `<label for="gq-x-input">Your answer</label>`, `<button type="submit" class="gq-check" disabled>Check</button>`, `data-question-type="freeform"`}},
		{seedTrueFalse, []string{`class="gq-tf" data-answer="True" aria-pressed="false" disabled>True</button>`, `data-answer="False"`}},
		{seedMultiple, []string{`type="radio" name="gq-x-choice" value="b"`, `<span class="gq-key">d)</span><span class="gq-text">The model’s confidence score</span>`}},
		{`{"type": "many_choice", "question": "Q", "answers": [{"answer": "A", "correct": true}, {"code": "x := 1", "correct": false}]}`,
			[]string{`type="checkbox"`, `<code class="gq-text">x := 1</code>`}},
		{`{"type": "numeric", "question": "Q", "answers": [{"value": 1, "correct": true}]}`, []string{`inputmode="decimal"`}},
		{seedReflection, []string{`<textarea class="gq-input" id="gq-x-input" rows="4" disabled></textarea>`, `<label for="gq-x-input">Your answer, in your own words</label>`,
			`<button type="submit" class="gq-check" disabled>Save</button>`, `data-question-type="reflection"`, "Reflection (not graded)"}},
	}
	for _, tt := range tests {
		q := mustQuestion(t, tt.src)
		r := renderQuestion(q, quizEnv{}, nil, nil, "gq-x")
		for _, w := range tt.want {
			if !strings.Contains(r.html, w) {
				t.Errorf("%s: %q not in the HTML:\n%s", q.Type, w, visible(r.html))
			}
		}
		// No data-lm-suppress-shortcuts: it would keep every shortcut, Ctrl+S
		// too, from JupyterLab (the script stops the keys it keeps).
		if strings.Contains(r.html, "data-lm-suppress-shortcuts") {
			t.Errorf("%s: the widget suppresses JupyterLab's shortcuts", q.Type)
		}
		for _, w := range []string{`role="status"`, `aria-live="polite"`, `aria-labelledby="gq-x-q"`, `class="gq-nojs"`, `data-question-id="` + q.ID + `"`} {
			if !strings.Contains(r.html, w) {
				t.Errorf("%s: %q missing", q.Type, w)
			}
		}
	}
}

func TestTextForm(t *testing.T) {
	q := mustQuestion(t, seedMultiple)
	saved := &answerfile.Record{Answer: "b", Correct: true, Attempts: 2, Time: time.Date(2025, 3, 4, 10, 15, 2, 0, time.UTC)}
	r := renderQuestion(q, quizEnv{}, saved, nil, "gq-x")
	want := "Question (multiple choice): What does chunk.choices[0].delta.content contain during streaming?\n" +
		"  a) The entire completed response\n" +
		"  b) A small piece of the response text (one or more tokens)\n" +
		"  c) The total number of tokens generated so far\n" +
		"  d) The model’s confidence score\n" +
		"Your saved answer: b) A small piece of the response text (one or more tokens) (correct, 2 attempts, 4 Mar 2025 10:15 UTC)\n"
	if r.text != want {
		t.Errorf("text form:\n%s\nwant:\n%s", r.text, want)
	}
	if !strings.Contains(r.html, `value="b" checked disabled`) || !strings.Contains(r.html, "Your saved answer: b) A small piece") {
		t.Errorf("the HTML does not show the saved answer:\n%s", visible(r.html))
	}

	tf := mustQuestion(t, seedTrueFalse)
	r = renderQuestion(tf, quizEnv{}, nil, nil, "gq-y")
	if !strings.Contains(r.text, "Question (true or false): Without streaming") || !strings.Contains(r.text, "True / False") ||
		!strings.Contains(r.text, "Not answered yet") {
		t.Errorf("true/false text form:\n%s", r.text)
	}
	r = renderQuestion(tf, quizEnv{}, nil, errors.New("x.answers.json: line 1:2: malformed JSON"), "gq-y")
	if !strings.Contains(r.text, "Saved answers could not be read: x.answers.json: line 1:2") {
		t.Errorf("a damaged answers file is not reported:\n%s", r.text)
	}
}

func TestQuizEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	tests := []struct {
		name                     string
		vars                     map[string]string
		cwd                      string
		file, path, nb, kernelID string
	}{
		{"absolute under the root", map[string]string{sessionEnv: "/srv/lab/notebooks/openai-streaming.ipynb", jupyterRootEnv: "/srv/lab", kernelIDEnv: "k1"}, "/x",
			"/srv/lab/notebooks/openai-streaming.answers.json", "notebooks/openai-streaming.answers.json", "openai-streaming.ipynb", "k1"},
		{"absolute outside the root", map[string]string{sessionEnv: "/elsewhere/l.ipynb", jupyterRootEnv: "/srv/lab"}, "/x",
			"/elsewhere/l.answers.json", "", "l.ipynb", ""},
		{"absolute, root unknown", map[string]string{sessionEnv: "/srv/lab/l.ipynb"}, "/x",
			"/srv/lab/l.answers.json", "", "l.ipynb", ""},
		{"relative with root", map[string]string{sessionEnv: "notebooks/l.ipynb", jupyterRootEnv: "/srv/lab"}, "/x",
			"/srv/lab/notebooks/l.answers.json", "notebooks/l.answers.json", "l.ipynb", ""},
		{"relative, beside the kernel", map[string]string{sessionEnv: "notebooks/l.ipynb"}, "/srv/lab/notebooks",
			"/srv/lab/notebooks/l.answers.json", "notebooks/l.answers.json", "l.ipynb", ""},
		{"unknown", map[string]string{kernelIDEnv: "k2"}, "/x", "", "", "", "k2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := quizEnvFrom(env(tt.vars), tt.cwd)
			if e.answersFile != filepath.FromSlash(tt.file) || e.answersPath != tt.path || e.notebook != tt.nb || e.kernelID != tt.kernelID {
				t.Errorf("got %+v", e)
			}
		})
	}
}

func TestQuestionOutsideNotebookPrintsSavedAnswer(t *testing.T) {
	dir := t.TempDir()
	nb := filepath.Join(dir, "lesson.ipynb")
	q := mustQuestion(t, seedFreeform)
	err := answerfile.Update(answerfile.Path(nb), "lesson.ipynb", func(a *answerfile.Answers) {
		a.Add(q.ID, answerfile.Attempt{Answer: "stream", Correct: true, Time: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)}, q.Text, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(sessionEnv, nb)
	t.Setenv(jupyterRootEnv, dir)
	var out bytes.Buffer
	showQuestions(&out, []*quiz.Question{q})
	if !strings.Contains(out.String(), "Your saved answer: stream (correct, 2 Jan 2025 03:04 UTC)") {
		t.Errorf("output:\n%s", out.String())
	}

	// A damaged answers file is reported, and left alone.
	if err := os.WriteFile(answerfile.Path(nb), []byte("{oops"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	showQuestions(&out, []*quiz.Question{q})
	if !strings.Contains(out.String(), "Saved answers could not be read") || !strings.Contains(out.String(), "line 1:2") {
		t.Errorf("output:\n%s", out.String())
	}
	if data, _ := os.ReadFile(answerfile.Path(nb)); string(data) != "{oops" {
		t.Errorf("the damaged file was changed: %q", data)
	}
}

func TestShowQuizError(t *testing.T) {
	_, err := quiz.ParseOne("{\n  “question_type”: “multi_choice”, “question”: “Q”, “answer”: “a” }")
	var out bytes.Buffer
	showQuizError(&out, err)
	want := "line 2:20: unknown question_type \"multi_choice\""
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "\n                       ^\n") {
		t.Errorf("output:\n%s\nwant %q and a caret", out.String(), want)
	}
}

func TestAssetsFitInAScriptElement(t *testing.T) {
	for name, s := range map[string]string{"quiz.js": quizScriptSource, "quiz.css": quizStyleSource, "compact js": quizScript, "compact css": quizStyle} {
		if strings.Contains(s, "</") || strings.Contains(s, "<!--") {
			t.Errorf("%s contains \"</\" or \"<!--\", which would end or confuse the HTML element holding it", name)
		}
	}
	if strings.Contains(quizStyle, "/*") || strings.Contains(quizScript, "\n//") {
		t.Errorf("comments left in the compact assets")
	}
}

func TestQuizQuestionWithPrototypeNameID(t *testing.T) {
	dir := t.TempDir()
	nb := filepath.Join(dir, "lesson.ipynb")
	err := answerfile.Update(answerfile.Path(nb), "lesson.ipynb", func(a *answerfile.Answers) {
		a.Add("constructor", answerfile.Attempt{Answer: "saved one", Time: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)}, "Q", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(sessionEnv, nb)
	t.Setenv(jupyterRootEnv, dir)
	for id, want := range map[string]string{"constructor": "Your saved answer: saved one (not correct, 2 Jan 2025 03:04 UTC)", "toString": "Not answered yet"} {
		q := mustQuestion(t, `{"id": "`+id+`", "question_type": "freeform", "question": "Q", "answer": "x"}`)
		var out bytes.Buffer
		showQuestions(&out, []*quiz.Question{q})
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: output:\n%s\nwant %q", id, out.String(), want)
		}
		if r := renderQuestion(q, quizEnv{}, nil, nil, "gq-p"); !strings.Contains(r.html, `data-question-id="`+id+`"`) {
			t.Errorf("%s: the widget does not carry its id", id)
		}
	}
}
