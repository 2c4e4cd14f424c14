// Command gradebook collects students' quiz answers into a spreadsheet and a
// summary page.
//
// Usage:
//
//	go run ./cmd/gradebook -in DIR -out DIR [-questions notebooks/]
//
// -in is a folder of students' copies of the lessons. Every answers file
// ("<notebook>.answers.json", written by the quiz widgets beside each
// notebook) under it is read, hidden folders such as .ipynb_checkpoints
// excepted. The student is the name of the first folder under -in that holds
// the file (submissions/alice/notebooks/openai-streaming.answers.json is
// alice's); for a file directly in -in, the student is the file name without
// ".answers.json" (submissions/alice.answers.json is alice's). The notebook is
// the one named in the file, else the file's own name with ".ipynb".
//
// -questions (optional) names the lesson notebooks (files or folders): their
// questions are listed even when nobody answered them, in lesson order, with
// their text and points. Without it, the questions are those found in the
// answers files.
//
// Two files are written to -out:
//
//   - gradebook.csv: one row per student and question: student, notebook,
//     question_id, question, answer, correct (TRUE/FALSE), attempts, time
//     (RFC 3339, UTC), points (what the question is worth) and score (points
//     earned); after each student's rows a TOTAL row sums them (question
//     holds "k of n correct"). Filter on question_id = TOTAL for one row per
//     student. Cells that a spreadsheet would read as a formula start with '.
//   - gradebook.html: a self-contained page: a chart of the share of
//     students who answered each question correctly, a table per question, a
//     table per student, and the files that could not be read.
//
// A malformed answers file is reported by name and position and skipped; the
// others are still collected. The exit status is 1 when no answers file could
// be read or the output cannot be written, 2 for bad usage, else 0.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/quiz"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("gradebook", flag.ContinueOnError)
	fl.SetOutput(stderr)
	in := fl.String("in", "", "folder of students' copies, searched for *.answers.json (required)")
	out := fl.String("out", "", "folder to write gradebook.csv and gradebook.html to (required)")
	questions := fl.String("questions", "", "lesson notebooks (files or folders, comma-separated) that list the questions (optional)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gradebook -in DIR -out DIR [-questions notebooks/]")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *in == "" || *out == "" || fl.NArg() > 0 {
		fl.Usage()
		return 2
	}

	b, err := collect(*in)
	if err != nil {
		fmt.Fprintf(stderr, "gradebook: %v\n", err)
		return 1
	}
	if *questions != "" {
		for _, p := range strings.Split(*questions, ",") {
			if p = strings.TrimSpace(p); p != "" {
				b.addLessonQuestions(p)
			}
		}
	}
	b.finish()
	for _, s := range b.Skipped {
		fmt.Fprintf(stderr, "gradebook: skipped %s\n", s)
	}
	if len(b.Students) == 0 {
		fmt.Fprintf(stderr, "gradebook: no answers file could be read under %s\n", *in)
		return 1
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "gradebook: %v\n", err)
		return 1
	}
	csvPath, htmlPath := filepath.Join(*out, "gradebook.csv"), filepath.Join(*out, "gradebook.html")
	if err := writeFile(csvPath, b.writeCSV); err != nil {
		fmt.Fprintf(stderr, "gradebook: %v\n", err)
		return 1
	}
	if err := writeFile(htmlPath, b.writeHTML); err != nil {
		fmt.Fprintf(stderr, "gradebook: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "gradebook: %d students, %d questions: wrote %s and %s\n", len(b.Students), len(b.Questions), csvPath, htmlPath)
	return 0
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// qkey identifies a question across notebooks.
type qkey struct{ notebook, id string }

// question is one column of the gradebook.
type question struct {
	Notebook, ID, Text string
	Points             float64
	fromLesson         bool
	order              int
	// Filled by finish:
	Answered, Correct int
	Share             float64 // Correct / number of students
}

// book is everything read.
type book struct {
	In        string
	Generated time.Time
	Students  []string
	Questions []*question
	Skipped   []string
	answers   map[string]map[qkey]*quiz.Record // student -> question -> record
	questions map[qkey]*question
	// lessonCount numbers the lesson's questions in order.
	lessonCount int
}

// studentOf names the student a file belongs to (see the package comment).
func studentOf(in, path string) string {
	rel, err := filepath.Rel(in, path)
	if err != nil {
		rel = filepath.Base(path)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) > 1 {
		return parts[0]
	}
	return strings.TrimSuffix(parts[0], ".answers.json")
}

// collect reads every answers file under in.
func collect(in string) (*book, error) {
	info, err := os.Stat(in)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", in)
	}
	b := &book{In: in, Generated: time.Now().UTC(), answers: map[string]map[qkey]*quiz.Record{}, questions: map[qkey]*question{}}
	err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			b.Skipped = append(b.Skipped, fmt.Sprintf("%s: %v", p, err))
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != in && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".answers.json") {
			b.addFile(in, p)
		}
		return nil
	})
	return b, err
}

func (b *book) addFile(in, path string) {
	a, err := quiz.ReadAnswers(path)
	if err != nil {
		b.Skipped = append(b.Skipped, err.Error())
		return
	}
	student := studentOf(in, path)
	nb := ""
	switch {
	case a.Notebook != "":
		nb = filepath.Base(a.Notebook)
	case filepath.Dir(path) != filepath.Clean(in):
		// Inside a student's folder the file is named for its notebook.
		nb = strings.TrimSuffix(filepath.Base(path), ".answers.json") + ".ipynb"
	}
	recs := b.answers[student]
	if recs == nil {
		recs = map[qkey]*quiz.Record{}
		b.answers[student] = recs
	}
	for id, r := range a.Answers {
		k := qkey{nb, id}
		recs[k] = quiz.MergeRecords(recs[k], r)
		q := b.questions[k]
		if q == nil {
			q = &question{Notebook: nb, ID: id, Points: 1}
			b.questions[k] = q
		}
		if !q.fromLesson {
			if r.Question != "" {
				q.Text = r.Question
			}
			if r.Points != nil {
				q.Points = *r.Points
			}
		}
	}
}

// addLessonQuestions lists the questions of the lesson notebooks at path.
func (b *book) addLessonQuestions(path string) {
	var notebooks []string
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			b.Skipped = append(b.Skipped, fmt.Sprintf("%s: %v", p, err))
		case d.IsDir() && p != path && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(p, ".ipynb"):
			notebooks = append(notebooks, p)
		}
		return nil
	})
	sort.Strings(notebooks)
	for _, nbPath := range notebooks {
		qs, probs := quiz.CheckNotebook(nbPath)
		for _, p := range probs {
			b.Skipped = append(b.Skipped, "lesson question: "+p.String())
		}
		for _, cq := range qs {
			k := qkey{filepath.Base(nbPath), cq.ID}
			q := b.questions[k]
			if q == nil {
				q = &question{Notebook: k.notebook, ID: cq.ID}
				b.questions[k] = q
			}
			b.lessonCount++
			q.Text, q.Points, q.fromLesson, q.order = cq.Text, cq.Points, true, b.lessonCount
		}
	}
}

// finish gives answers of an unknown notebook to the one question with their
// id, sorts students and questions and computes the shares.
func (b *book) finish() {
	for k, q := range b.questions {
		if k.notebook != "" {
			continue
		}
		var match []qkey
		for k2 := range b.questions {
			if k2.id == k.id && k2.notebook != "" {
				match = append(match, k2)
			}
		}
		if len(match) != 1 {
			continue
		}
		for _, recs := range b.answers {
			if r := recs[k]; r != nil {
				recs[match[0]] = quiz.MergeRecords(recs[match[0]], r)
				delete(recs, k)
			}
		}
		if t := b.questions[match[0]]; t.Text == "" {
			t.Text = q.Text
		}
		delete(b.questions, k)
	}
	b.Students = b.Students[:0]
	for s := range b.answers {
		b.Students = append(b.Students, s)
	}
	sort.Strings(b.Students)
	b.Questions = b.Questions[:0]
	for _, q := range b.questions {
		b.Questions = append(b.Questions, q)
	}
	sort.Slice(b.Questions, func(i, j int) bool {
		qi, qj := b.Questions[i], b.Questions[j]
		if qi.fromLesson != qj.fromLesson {
			return qi.fromLesson
		}
		if qi.fromLesson {
			return qi.order < qj.order
		}
		if qi.Notebook != qj.Notebook {
			return qi.Notebook < qj.Notebook
		}
		return qi.ID < qj.ID
	})
	for _, q := range b.Questions {
		q.Answered, q.Correct = 0, 0
		for _, s := range b.Students {
			if r := b.answers[s][qkey{q.Notebook, q.ID}]; r != nil {
				q.Answered++
				if r.Correct {
					q.Correct++
				}
			}
		}
		if n := len(b.Students); n > 0 {
			q.Share = float64(q.Correct) / float64(n)
		}
	}
}

func (b *book) record(student string, q *question) *quiz.Record {
	return b.answers[student][qkey{q.Notebook, q.ID}]
}

// total is one student's result.
type total struct {
	Correct, Answered int
	Score, Possible   float64
	Attempts          int
	Latest            time.Time
}

func (b *book) total(student string) total {
	var t total
	for _, q := range b.Questions {
		t.Possible += q.Points
		r := b.record(student, q)
		if r == nil {
			continue
		}
		t.Answered++
		t.Attempts += r.Attempts
		if r.Time.After(t.Latest) {
			t.Latest = r.Time
		}
		if r.Correct {
			t.Correct++
			t.Score += q.Points
		}
	}
	return t
}

// cell makes a CSV cell safe to open in a spreadsheet: text that would be
// read as a formula gets a leading '.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (b *book) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"student", "notebook", "question_id", "question", "answer", "correct", "attempts", "time", "points", "score"}}
	for _, s := range b.Students {
		for _, q := range b.Questions {
			row := []string{cell(s), cell(q.Notebook), cell(q.ID), cell(q.Text), "", "FALSE", "0", "", num(q.Points), "0"}
			if r := b.record(s, q); r != nil {
				row[4] = cell(r.Answer)
				row[6] = strconv.Itoa(r.Attempts)
				row[7] = timeCell(r.Time)
				if r.Correct {
					row[5], row[9] = "TRUE", num(q.Points)
				}
			}
			rows = append(rows, row)
		}
		t := b.total(s)
		rows = append(rows, []string{cell(s), "", "TOTAL", fmt.Sprintf("%d of %d correct", t.Correct, len(b.Questions)),
			"", "", strconv.Itoa(t.Attempts), timeCell(t.Latest), num(t.Possible), num(t.Score)})
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// Chart layout, in SVG user units.
const (
	chartLabelWidth = 320
	chartBarWidth   = 360
	chartRow        = 30
	chartBar        = 20
)

// chartBarRow is one bar of the chart.
type chartBarRow struct {
	Y, TextY, Width float64
	Label, Value    string
	Title           string
}

func shorten(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func (b *book) chart() []chartBarRow {
	var rows []chartBarRow
	for i, q := range b.Questions {
		y := float64(i*chartRow + 10)
		label := q.ID
		if q.Text != "" {
			label = shorten(q.Text, 44)
		}
		rows = append(rows, chartBarRow{
			Y: y, TextY: y + chartBar*0.72, Width: math.Round(q.Share*chartBarWidth*10) / 10,
			Label: label,
			Value: fmt.Sprintf("%d/%d (%.0f%%)", q.Correct, len(b.Students), q.Share*100),
			Title: fmt.Sprintf("%s: %s — %d of %d students correct", q.ID, q.Text, q.Correct, len(b.Students)),
		})
	}
	return rows
}

func (b *book) writeHTML(w io.Writer) error {
	type studentRow struct {
		Name    string
		Marks   []string
		Total   total
		Percent float64
	}
	var students []studentRow
	for _, s := range b.Students {
		row := studentRow{Name: s, Total: b.total(s)}
		for _, q := range b.Questions {
			switch r := b.record(s, q); {
			case r == nil:
				row.Marks = append(row.Marks, "–")
			case r.Correct:
				row.Marks = append(row.Marks, "✔")
			default:
				row.Marks = append(row.Marks, "✘")
			}
		}
		if row.Total.Possible > 0 {
			row.Percent = 100 * row.Total.Score / row.Total.Possible
		}
		students = append(students, row)
	}
	return pageTemplate.Execute(w, map[string]any{
		"B":           b,
		"Students":    students,
		"Chart":       b.chart(),
		"ChartHeight": len(b.Questions)*chartRow + 20,
		"ChartWidth":  chartLabelWidth + chartBarWidth + 120,
		"LabelWidth":  chartLabelWidth,
		"BarWidth":    chartBarWidth,
		"BarHeight":   chartBar,
		"ValueX":      chartLabelWidth + chartBarWidth,
	})
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"num":  num,
	"time": func(t time.Time) string { return t.Format("2 Jan 2006 15:04 UTC") },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gradebook</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em; color: #1f1f1f; background: #fff; line-height: 1.45; }
h1 { margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0 2em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mark { text-align: center; }
.muted { color: #555; }
svg text { font-family: inherit; font-size: 13px; fill: #1f1f1f; }
svg .bar { fill: #1565c0; }
svg .track { fill: #e8e8e8; }
.problems li { margin: 0.3em 0; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
@media (prefers-color-scheme: dark) {
  body { color: #e6e6e6; background: #1e1e1e; }
  th { background: #2c2c2c; }
  th, td { border-color: #555; }
  .muted { color: #b0b0b0; }
  svg text { fill: #e6e6e6; }
  svg .bar { fill: #64b5f6; }
  svg .track { fill: #3a3a3a; }
}
</style>
</head>
<body>
<h1>Gradebook</h1>
<p class="muted">{{len .B.Students}} students, {{len .B.Questions}} questions, from <code>{{.B.In}}</code>, made {{time .B.Generated}}.</p>

<h2>Share of students who answered correctly</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.ChartWidth}}" height="{{.ChartHeight}}" viewBox="0 0 {{.ChartWidth}} {{.ChartHeight}}" role="img" aria-labelledby="chart-title">
<title id="chart-title">Share of students who answered each question correctly</title>
{{- range .Chart}}
<g>
<title>{{.Title}}</title>
<text x="{{$.LabelWidth}}" y="{{.TextY}}" text-anchor="end" dx="-8">{{.Label}}</text>
<rect class="track" x="{{$.LabelWidth}}" y="{{.Y}}" width="{{$.BarWidth}}" height="{{$.BarHeight}}"></rect>
<rect class="bar" x="{{$.LabelWidth}}" y="{{.Y}}" width="{{.Width}}" height="{{$.BarHeight}}"></rect>
<text x="{{$.ValueX}}" y="{{.TextY}}" dx="8">{{.Value}}</text>
</g>
{{- end}}
</svg>

<h2>Questions</h2>
<table>
<thead><tr><th>Question id</th><th>Notebook</th><th>Question</th><th>Points</th><th>Answered</th><th>Correct</th><th>Share correct</th></tr></thead>
<tbody>
{{- range .B.Questions}}
<tr><td><code>{{.ID}}</code></td><td>{{.Notebook}}</td><td>{{.Text}}</td><td class="num">{{num .Points}}</td><td class="num">{{.Answered}}</td><td class="num">{{.Correct}}</td><td class="num">{{pct .Share}}</td></tr>
{{- end}}
</tbody>
</table>

<h2>Students</h2>
<table>
<thead><tr><th>Student</th>{{range .B.Questions}}<th title="{{.Text}}"><code>{{.ID}}</code></th>{{end}}<th>Correct</th><th>Score</th><th>Percent</th></tr></thead>
<tbody>
{{- range .Students}}
<tr><td>{{.Name}}</td>{{range .Marks}}<td class="mark">{{.}}</td>{{end}}<td class="num">{{.Total.Correct}}</td><td class="num">{{num .Total.Score}} / {{num .Total.Possible}}</td><td class="num">{{printf "%.0f" .Percent}}%</td></tr>
{{- end}}
</tbody>
</table>
<p class="muted">✔ correct (latest answer), ✘ not correct, – not answered.</p>
{{- with .B.Skipped}}

<h2>Files that could not be read</h2>
<ul class="problems">
{{- range .}}
<li>{{.}}</li>
{{- end}}
</ul>
{{- end}}
</body>
</html>
`))
