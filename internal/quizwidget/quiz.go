// Package quizwidget shows quiz questions (package quiz) as interactive
// widgets in a notebook cell: the HTML, the widget's script and style sheet
// (assets/), and a plain-text form for places without JavaScript.
package quizwidget

import (
	"crypto/rand"
	_ "embed" // the widget's script and style sheet
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/plural"
	"github.com/k12notebooks/golessons/quiz"
)

//go:embed assets/quiz.js
var quizScriptSource string

//go:embed assets/quiz.css
var quizStyleSource string

// The script and style sheet as put in each output: without comments and
// indentation, as every question carries its own copy.
var (
	quizScript = compactScript(quizScriptSource)
	quizStyle  = cssComment.ReplaceAllString(compactScript(quizStyleSource), "")
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/\n?`)
)

// compactScript drops indentation, blank lines and whole-line // comments.
func compactScript(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Question shows one quiz question, written as JSON in either format package
// quiz reads (the lesson's own, typographic quotes allowed, or jupyterquiz's),
// as an interactive widget:
//
//	%%
//	helpers.Question(`{ “question_type”: “freeform”, “question”: “What parameter ...?”, “answer”: “stream”, “submitted_answer”: “” }`)
//
// In JupyterLab the student answers in the output: radio buttons, two
// True/False buttons, or a text box where Enter submits. Each answer is checked
// at once (try again as often as you like) and saved in the answers file
// beside the notebook (see answerfile.Answers) by the widget's own script, through
// the Jupyter server; so the cell's program returns at once and the widget
// keeps working after it has exited. The page holds no right answer,
// feedback or explanation in readable form: the widget grades with salted
// hashes of the answers and decodes the explanation (shown after a right
// answer) with the right answer itself (see quiz.Seal and its limits). In a
// lesson, collapse the cell's source too (make check warns when it is not), so
// that students see the widget and not the JSON. Re-running the cell or reloading the page
// shows the saved answer. The widget says "Saved" only once it has read the
// attempt back from the file: two browsers answering at once (even over plain
// http, where browsers have no Web Locks) lose no attempt (see the comment on
// saving in assets/quiz.js).
//
// The output also has a plain-text form (question, options, the saved answer)
// for places without JavaScript. Outside a notebook, the text form is printed.
//
// A backtick cannot appear inside Go's raw string: write it as \u0060 in the
// JSON. A question with a problem is not shown; the problem is printed with
// its line and column counted from the start of the JSON text.
func Question(json string) {
	q, err := quiz.ParseOne(json)
	if err != nil {
		showQuizError(os.Stderr, err)
		return
	}
	showQuestions(os.Stdout, []*quiz.Question{q})
}

// Reflect shows a reflection: one question of the lesson format with
// "question_type": "reflection" (and no "answer"), which the student
// answers in their own words in a text area. It is never graded; the
// answer is saved in the answers file like a quiz answer (its "correct" is
// always false), and the teacher reads the class's reflections in the
// class view:
//
//	%%
//	helpers.Reflect(`{ “question_type”: “reflection”, “id”: “reflect-streaming”, “question”: “What surprised you about streaming?” }`)
//
// A question of another type is not shown; the problem is printed.
func Reflect(json string) {
	q, err := quiz.ParseOne(json)
	if err == nil && !q.Ungraded() {
		err = fmt.Errorf("helpers.Reflect shows a reflection: write \"question_type\": \"reflection\" (without \"answer\"), or use helpers.Question for a graded question")
	}
	if err != nil {
		showQuizError(os.Stderr, err)
		return
	}
	showQuestions(os.Stdout, []*quiz.Question{q})
}

// Quiz shows several questions, given as a JSON list of questions (a
// jupyterquiz question bank works as it is), each as its own widget. See
// Question.
func Quiz(json string) {
	qs, err := quiz.Parse(json)
	if err != nil {
		showQuizError(os.Stderr, err)
		return
	}
	showQuestions(os.Stdout, qs)
}

// showQuestions renders and publishes each question: in a notebook as an
// output with an HTML and a text form, elsewhere as text written to w.
func showQuestions(w io.Writer, qs []*quiz.Question) {
	env := currentQuizEnv()
	saved, savedErr := env.readSaved()
	for _, q := range qs {
		var rec *answerfile.Record
		if saved != nil {
			rec = saved.Answers[q.ID]
		}
		r := renderQuestion(q, env, rec, savedErr, newQuizUID())
		if !kernel.InNotebook() {
			fmt.Fprint(w, r.text)
			continue
		}
		kernel.Show(kernel.Output{HTML: r.html, Text: r.text})
	}
	kernel.Sync()
}

// showQuizError prints the problems of a question's JSON for the teacher.
func showQuizError(w io.Writer, err error) {
	errs := quiz.Errors(err)
	if len(errs) == 0 {
		fmt.Fprintf(w, "The quiz question could not be read: %v\n", err)
		return
	}
	fmt.Fprintf(w, "The quiz question has %s (lines and columns count from the start of the JSON text):\n", plural.Count(len(errs), "problem"))
	for _, e := range errs {
		fmt.Fprintf(w, "line %d:%d: %s\n", e.Line, e.Col, e.Msg)
		if e.Context != "" {
			for _, l := range strings.Split(e.Context, "\n") {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	fmt.Fprintln(w, "Run `make check` to check every question of every notebook.")
}

// newQuizUID returns the HTML id of a new widget.
func newQuizUID() string { return "gq-" + kernel.UniqueID() }

// quizEnv is where a question's answers are kept.
type quizEnv struct {
	// answersFile is the answers file on disk, "" when unknown.
	answersFile string
	// answersPath is the answers file relative to the Jupyter server's root
	// (a contents API path, always with "/"), "" when unknown.
	answersPath string
	// notebook is the notebook's file name.
	notebook string
	// kernelID is the Jupyter kernel's id, which lets the widget ask the
	// server which notebook it belongs to.
	kernelID string
}

// Environment variables that tell where the notebook is.
const (
	// sessionEnv is set by jupyter_server for each kernel: the notebook's
	// path, absolute (root_dir joined with the notebook's path) or relative
	// to the server's root.
	sessionEnv = "JPY_SESSION_NAME"
	// kernelIDEnv is set by GoNB.
	kernelIDEnv = kernel.KernelIDEnv
	// jupyterRootEnv is set by GoNB to the Jupyter server's working folder,
	// normally its root.
	jupyterRootEnv = kernel.JupyterRootEnv
)

func currentQuizEnv() quizEnv {
	cwd, _ := os.Getwd()
	return quizEnvFrom(os.Getenv, cwd)
}

// quizEnvFrom works out the answers file from the environment:
//
//   - JPY_SESSION_NAME absolute: the file on disk is beside it; the server
//     path is the file relative to GONB_JUPYTER_ROOT, when it lies inside.
//   - JPY_SESSION_NAME relative: it is the server path itself; on disk it is
//     under GONB_JUPYTER_ROOT, or else beside the kernel's working folder
//     (Jupyter starts kernels in the notebook's folder).
//   - Unset (a plain go run, a headless run that does not set it): unknown.
//
// In the browser, the widget prefers the path of the notebook the server
// says runs this kernel, and falls back on this one.
func quizEnvFrom(getenv func(string) string, cwd string) quizEnv {
	env := quizEnv{kernelID: getenv(kernelIDEnv)}
	session := strings.TrimSpace(getenv(sessionEnv))
	if session == "" {
		return env
	}
	root := strings.TrimSpace(getenv(jupyterRootEnv))
	if filepath.IsAbs(session) {
		nb := filepath.Clean(session)
		env.notebook = filepath.Base(nb)
		env.answersFile = answerfile.Path(nb)
		if root != "" {
			if rel, err := filepath.Rel(root, nb); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				env.answersPath = answerfile.Path(filepath.ToSlash(rel))
			}
		}
		return env
	}
	api := strings.TrimPrefix(path.Clean(filepath.ToSlash(session)), "/")
	env.notebook = path.Base(api)
	env.answersPath = answerfile.Path(api)
	switch {
	case root != "":
		env.answersFile = answerfile.Path(filepath.Join(root, filepath.FromSlash(api)))
	case cwd != "":
		env.answersFile = answerfile.Path(filepath.Join(cwd, env.notebook))
	}
	return env
}

// readSaved reads the answers file, if there is one.
func (env quizEnv) readSaved() (*answerfile.Answers, error) {
	if env.answersFile == "" {
		return nil, nil
	}
	a, err := answerfile.Read(env.answersFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return a, err
}

// renderedQuestion is one question's output in its two forms.
type renderedQuestion struct {
	html, text string
}

// quizOption is an option as rendered.
type quizOption struct {
	quiz.Option
	Checked bool
}

// widgetData is what the widget's script grades answers with: the question
// sealed (see quiz.Seal) with a fresh random salt and key, so that the page
// carries no right answer, feedback or explanation in readable form, and
// grading still works in the page without the kernel.
func widgetData(q *quiz.Question) (*quiz.Sealed, error) {
	return quiz.Seal(q, rand.Reader)
}

// scriptJSON encodes v for a script element: json.Marshal already writes <,
// > and & as \u003c, \u003e and \u0026, so no "</script" can appear.
func scriptJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings, numbers and booleans
	}
	return string(b)
}

// renderQuestion builds the HTML and text forms of q. saved is the student's
// saved answer (nil when none); savedErr a problem reading the answers file.
func renderQuestion(q *quiz.Question, env quizEnv, saved *answerfile.Record, savedErr error, uid string) renderedQuestion {
	opts := make([]quizOption, len(q.Options))
	for i, o := range q.Options {
		opts[i] = quizOption{Option: o}
	}
	if q.Shuffle {
		mrand.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	}
	savedAnswer := ""
	if saved != nil {
		savedAnswer = saved.Answer
		keys := strings.Split(saved.Answer, ",")
		for i := range opts {
			for _, k := range keys {
				if strings.EqualFold(strings.TrimSpace(k), opts[i].Key) {
					opts[i].Checked = true
				}
			}
		}
	}
	savedLine := savedText(q, saved, savedErr)
	sealed, err := widgetData(q)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	script := "(function () {\n" + quizScript + "\ngolessonsQuiz.mount((document.currentScript && document.currentScript.closest('.gq-quiz')) || document.getElementById(" +
		scriptJSON(uid) + "), " + scriptJSON(sealed) + ");\n})();"

	pointsLabel := ""
	if q.Points != 1 {
		pointsLabel = strconv.FormatFloat(q.Points, 'g', -1, 64) + " points"
	}
	input := q.Kind().Input
	data := map[string]any{
		"UID":          uid,
		"Q":            q,
		"Kind":         q.Kind().Label,
		"Points":       pointsLabel,
		"Env":          env,
		"Options":      opts,
		"Choice":       input == quiz.InputOneOption || input == quiz.InputOptions,
		"InputType":    map[bool]string{true: "checkbox", false: "radio"}[input == quiz.InputOptions],
		"TrueFalse":    input == quiz.InputTrueFalse,
		"Numeric":      input == quiz.InputNumber,
		"LongText":     input == quiz.InputLongText,
		"Saved":        savedAnswer,
		"SavedIsTrue":  strings.EqualFold(savedAnswer, "true"),
		"SavedIsFalse": strings.EqualFold(savedAnswer, "false"),
		"SavedLine":    savedLine,
		"Style":        template.CSS(quizStyle),
		"Script":       template.JS(script),
	}
	var b strings.Builder
	if err := quizTemplate.Execute(&b, data); err != nil {
		panic(err) // the template and its data are fixed
	}
	return renderedQuestion{html: b.String(), text: questionText(q, opts, savedLine)}
}

// savedText describes the saved answer for the student.
func savedText(q *quiz.Question, saved *answerfile.Record, savedErr error) string {
	if savedErr != nil {
		return "Saved answers could not be read: " + savedErr.Error()
	}
	if saved == nil {
		return ""
	}
	var parts []string
	switch {
	case q.Ungraded():
		parts = append(parts, "not graded")
	case saved.Correct:
		parts = append(parts, "correct")
	default:
		parts = append(parts, "not correct")
	}
	if saved.Attempts > 1 {
		parts = append(parts, strconv.Itoa(saved.Attempts)+" attempts")
	}
	if !saved.Time.IsZero() {
		parts = append(parts, saved.Time.UTC().Format("2 Jan 2006 15:04 UTC"))
	}
	return "Your saved answer: " + describeAnswer(q, saved.Answer) + " (" + strings.Join(parts, ", ") + ")"
}

// describeAnswer turns option keys into their text, with the key when the
// keys are shown.
func describeAnswer(q *quiz.Question, answer string) string {
	return q.Describe(answer, func(o quiz.Option) string {
		if q.KeysShown {
			return o.Key + ") " + o.Text
		}
		return o.Text
	})
}

// questionText is the plain-text form of a question.
func questionText(q *quiz.Question, opts []quizOption, savedLine string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Question (%s): %s\n", strings.ToLower(q.Kind().Label), q.Text)
	if q.Code != "" {
		for _, l := range strings.Split(strings.TrimRight(q.Code, "\n"), "\n") {
			fmt.Fprintf(&b, "    %s\n", l)
		}
	}
	for i, o := range opts {
		label := "-"
		if q.KeysShown {
			label = o.Key + ")"
		} else if len(opts) > 0 {
			label = strconv.Itoa(i+1) + "."
		}
		fmt.Fprintf(&b, "  %s %s\n", label, o.Text)
	}
	if q.Kind().Input == quiz.InputTrueFalse {
		b.WriteString("  True / False\n")
	}
	if q.Hint != "" {
		fmt.Fprintf(&b, "Hint: %s\n", q.Hint)
	}
	if savedLine != "" {
		b.WriteString(savedLine + "\n")
	} else {
		b.WriteString("Not answered yet. Answer in JupyterLab, where this question is interactive.\n")
	}
	return b.String()
}

var quizTemplate = template.Must(template.New("quiz").Parse(`<div class="gq-quiz" id="{{.UID}}" role="group" aria-labelledby="{{.UID}}-q" data-question-id="{{.Q.ID}}" data-question-type="{{.Q.Type}}" data-answers-path="{{.Env.AnswersPath}}" data-notebook="{{.Env.Notebook}}" data-kernel-id="{{.Env.KernelID}}" data-gq-ready="false" data-save-state="none">
<style>{{.Style}}</style>
<div class="gq-head"><span class="gq-kind">{{.Kind}}</span>{{with .Points}}<span class="gq-points">{{.}}</span>{{end}}</div>
<p class="gq-question" id="{{.UID}}-q">{{.Q.Text}}</p>
{{- with .Q.Code}}
<pre class="gq-code"><code>{{.}}</code></pre>
{{- end}}
<form class="gq-form" autocomplete="off" novalidate>
{{- if .Choice}}
<fieldset class="gq-options" aria-labelledby="{{.UID}}-q">
{{- range .Options}}
<label class="gq-option" data-key="{{.Key}}"><input type="{{$.InputType}}" name="{{$.UID}}-choice" value="{{.Key}}"{{if .Checked}} checked{{end}} disabled>{{if $.Q.KeysShown}}<span class="gq-key">{{.Key}})</span>{{end}}{{if .Code}}<code class="gq-text">{{.Text}}</code>{{else}}<span class="gq-text">{{.Text}}</span>{{end}}</label>
{{- end}}
</fieldset>
<button type="submit" class="gq-check" disabled>Check</button>
{{- else if .TrueFalse}}
<div class="gq-tf-buttons" role="group" aria-labelledby="{{.UID}}-q">
<button type="button" class="gq-tf" data-answer="True" aria-pressed="{{.SavedIsTrue}}" disabled>True</button>
<button type="button" class="gq-tf" data-answer="False" aria-pressed="{{.SavedIsFalse}}" disabled>False</button>
</div>
{{- else if .LongText}}
<div class="gq-answer-row gq-long">
<label for="{{.UID}}-input">Your answer, in your own words</label>
<textarea class="gq-input" id="{{.UID}}-input" rows="4" disabled>{{.Saved}}</textarea>
<button type="submit" class="gq-check" disabled>Save</button>
</div>
{{- else}}
<div class="gq-answer-row">
<label for="{{.UID}}-input">Your answer</label>
<input type="text" class="gq-input" id="{{.UID}}-input" value="{{.Saved}}" spellcheck="false"{{if .Numeric}} inputmode="decimal"{{end}} disabled>
<button type="submit" class="gq-check" disabled>Check</button>
</div>
{{- end}}
</form>
{{- with .Q.Hint}}
<details class="gq-hint"><summary>Hint</summary><p>{{.}}</p></details>
{{- end}}
<div class="gq-feedback" role="status" aria-live="polite"></div>
<p class="gq-saved"{{if not .SavedLine}} hidden{{end}}>{{.SavedLine}}</p>
<p class="gq-save-status" aria-live="polite"></p>
<p class="gq-nojs">To answer, run this notebook in JupyterLab (trusted), where this question is interactive.</p>
<script>{{.Script}}</script>
</div>
`))

// AnswersPath, Notebook and KernelID let the template read quizEnv.
func (env quizEnv) AnswersPath() string { return env.answersPath }

// Notebook returns the notebook's file name.
func (env quizEnv) Notebook() string { return env.notebook }

// KernelID returns the Jupyter kernel's id.
func (env quizEnv) KernelID() string { return env.kernelID }

// Render returns the HTML and text forms of q, as a notebook's output of
// Question holds them (with no saved answer, outside any kernel): for tests
// of tools that show saved notebooks, such as the class view.
func Render(q *quiz.Question) (html, text string) {
	r := renderQuestion(q, quizEnv{}, nil, nil, newQuizUID())
	return r.html, r.text
}
