package gradebook

import (
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Cell makes a CSV text cell safe to open in a spreadsheet: a cell that
// starts with =, +, -, @, a tab or a carriage return would be read as a
// formula (or the start of one), so it gets a leading '.
func Cell(s string) string {
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

// csvHeader names the columns of gradebook.csv.
var csvHeader = []string{"student", "notebook", "question_id", "question", "answer", "correct", "attempts", "time", "points", "score", "warnings"}

// WriteCSV writes gradebook.csv: one row per student and question
// (student, notebook, question_id, question, answer, correct as graded here,
// attempts, time, points, score, warnings), then a TOTAL row per student.
// Text cells are made safe for spreadsheets with Cell. Call Finish first.
func (b *Book) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{csvHeader}
	for _, s := range b.Students {
		for _, q := range b.Questions {
			row := []string{Cell(s), Cell(q.Notebook), Cell(q.ID), Cell(q.Text), "", "FALSE", "0", "", num(q.Points), "0", ""}
			if e := b.Entry(s, q); e != nil {
				row[4] = Cell(e.Record.Answer)
				row[6] = strconv.Itoa(e.Record.Attempts)
				row[7] = timeCell(e.Record.Time)
				row[9] = num(e.Score)
				if e.Correct {
					row[5] = "TRUE"
				}
			}
			rows = append(rows, row)
		}
		t := b.Total(s)
		rows = append(rows, []string{Cell(s), "", "TOTAL", fmt.Sprintf("%d of %d correct", t.Correct, len(b.Questions)),
			"", "", strconv.Itoa(t.Attempts), timeCell(t.Latest), num(t.Possible), num(t.Score), strconv.Itoa(t.Warnings)})
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

func (b *Book) chart() []chartBarRow {
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

// studentRow is one row of the page's students table.
type studentRow struct {
	Name    string
	Marks   []string
	Total   Total
	Percent float64
}

func (b *Book) studentRows() []studentRow {
	var rows []studentRow
	for _, s := range b.Students {
		row := studentRow{Name: s, Total: b.Total(s)}
		for _, q := range b.Questions {
			switch e := b.Entry(s, q); {
			case e == nil:
				row.Marks = append(row.Marks, "–")
			case e.Correct:
				row.Marks = append(row.Marks, "✔")
			default:
				row.Marks = append(row.Marks, "✘")
			}
		}
		if row.Total.Possible > 0 {
			row.Percent = 100 * row.Total.Score / row.Total.Possible
		}
		rows = append(rows, row)
	}
	return rows
}

// WriteHTML writes gradebook.html, a self-contained page: a chart of the
// share of students who answered each question correctly, a table per
// question and per student, and the warnings. html/template escapes every
// name and answer. Call Finish first.
func (b *Book) WriteHTML(w io.Writer) error {
	return pageTemplate.Execute(w, map[string]any{
		"B":           b,
		"Students":    b.studentRows(),
		"Chart":       b.chart(),
		"ChartHeight": len(b.Questions)*chartRow + 20,
		"ChartWidth":  chartLabelWidth + chartBarWidth + 120,
		"LabelWidth":  chartLabelWidth,
		"BarWidth":    chartBarWidth,
		"BarHeight":   chartBar,
		"ValueX":      chartLabelWidth + chartBarWidth,
	})
}

//go:embed gradebook.html.tmpl
var templates embed.FS

// pageTemplate is gradebook.html. html/template escapes every value for
// where it lands (text, attribute, SVG), so students' names and answers
// cannot add markup or script to the page.
var pageTemplate = template.Must(template.New("gradebook.html.tmpl").Funcs(template.FuncMap{
	"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"num":  num,
	"time": func(t time.Time) string { return t.Format("2 Jan 2006 15:04 UTC") },
}).ParseFS(templates, "gradebook.html.tmpl"))
