package lessonbook

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/k12notebooks/golessons/quiz"
)

// CellQuestion is a question found in a notebook cell.
type CellQuestion struct {
	*quiz.Question
	// Notebook is the notebook's path.
	Notebook string
	// Cell is the cell's number, counting every cell from 1.
	Cell int
	// Line and Col are where the question starts in the cell's source.
	Line, Col int
}

// Problem is one thing wrong with a notebook's questions.
type Problem struct {
	// Notebook is the notebook's path.
	Notebook string
	// Cell is the cell's number, counting every cell (markdown too) from 1;
	// 0 for a problem with the notebook file itself.
	Cell int
	// Line and Col are the position in the cell's source (or in the file
	// when Cell is 0); 0 when unknown.
	Line, Col int
	// Msg says what is wrong and how to fix it.
	Msg string
	// Context is the source line and a caret under the column, or "".
	Context string
	// Warning is true for something that works but should be fixed before
	// students see the lesson (see SourceWarnings).
	Warning bool
}

// String returns "notebook: cell N, line L:C: message" ("cell N: " when the
// line is unknown; "warning: " before the message of a warning).
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Notebook)
	b.WriteString(": ")
	switch {
	case p.Cell > 0 && p.Line > 0:
		fmt.Fprintf(&b, "cell %d, line %d:%d: ", p.Cell, p.Line, p.Col)
	case p.Cell > 0:
		fmt.Fprintf(&b, "cell %d: ", p.Cell)
	case p.Line > 0:
		fmt.Fprintf(&b, "line %d:%d: ", p.Line, p.Col)
	}
	if p.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Check reads the notebook at path and checks every question in it. It
// returns the questions that are well-formed and every problem: malformed
// JSON, invalid questions, calls that cannot be checked, question IDs used
// twice in the notebook, and a non-empty "submitted_answer" (students'
// answers belong in the answers file, not in the lesson).
func Check(path string) ([]CellQuestion, []Problem) {
	nb, err := Read(path)
	if err != nil {
		p := Problem{Notebook: path, Msg: strings.TrimPrefix(err.Error(), path+": ")}
		var e *quiz.Error
		if errors.As(err, &e) {
			p.Line, p.Col, p.Context = e.Line, e.Col, e.Context
			p.Msg = strings.Replace(p.Msg, e.Error(), e.Msg, 1)
		}
		return nil, []Problem{p}
	}
	return CheckCells(nb)
}

// checker collects the questions and problems of one notebook.
type checker struct {
	nb    *Notebook
	qs    []CellQuestion
	idPos [][2]int // where each question's ID is, in its cell
	probs []Problem
}

// CheckCells checks the questions in the code cells of nb; see Check.
func CheckCells(nb *Notebook) ([]CellQuestion, []Problem) {
	c := &checker{nb: nb}
	names, dot := HelpersNames(nb)
	if dot {
		c.probs = append(c.probs, Problem{Notebook: nb.Path, Msg: "a cell imports the helpers with \".\", so its quiz " +
			"questions cannot be found and checked; import it by name (import \"" + HelpersPath + "\")"})
	}
	for ci, cell := range nb.Cells {
		if cell.Type != "code" {
			continue
		}
		for _, call := range FindQuestionCalls(cell.Source, names) {
			c.call(ci+1, call)
		}
	}
	c.duplicateIDs()
	sort.SliceStable(c.probs, func(i, j int) bool {
		a, b := c.probs[i], c.probs[j]
		if a.Cell != b.Cell {
			return a.Cell < b.Cell
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return c.qs, c.probs
}

// problem adds a problem at line:col of cell number cell.
func (c *checker) problem(cell, line, col int, msg string) {
	c.probs = append(c.probs, Problem{Notebook: c.nb.Path, Cell: cell, Line: line, Col: col, Msg: msg,
		Context: quiz.Caret(c.nb.Cells[cell-1].Source, line, col)})
}

// call checks the questions of one call in cell number cell.
func (c *checker) call(cell int, call QuestionCall) {
	if call.Err != nil {
		c.problem(cell, call.Line, call.Col, call.Err.Error())
		return
	}
	// cellPos maps a position in the JSON to the cell's source.
	cellPos := func(line, col int) (int, int) {
		if line == 1 {
			return call.Line, call.Col + col - 1
		}
		return call.Line + line - 1, col
	}
	found, err := quiz.Parse(call.JSON)
	if err != nil {
		for _, e := range quiz.Errors(err) {
			l, col := cellPos(e.Line, e.Col)
			c.problem(cell, l, col, e.Msg)
		}
		return
	}
	if call.Func == "Question" && len(found) > 1 {
		c.problem(cell, call.Line, call.Col, fmt.Sprintf("helpers.Question takes one question; this list has %d: use helpers.Quiz", len(found)))
		return
	}
	if call.Func == "Reflect" && (len(found) != 1 || !found[0].Ungraded()) {
		c.problem(cell, call.Line, call.Col, "helpers.Reflect takes one question of \"question_type\": \"reflection\" (no answer); use helpers.Question for a graded one")
		return
	}
	for _, q := range found {
		l, col := cellPos(q.Line, q.Col)
		if strings.TrimSpace(q.SubmittedAnswer) != "" {
			c.problem(cell, l, col, fmt.Sprintf("\"submitted_answer\" is %q: leave it empty in a lesson; students' answers are kept in the answers file", q.SubmittedAnswer))
		}
		c.qs = append(c.qs, CellQuestion{Question: q, Notebook: c.nb.Path, Cell: cell, Line: l, Col: col})
		il, ic := cellPos(q.IDLine, q.IDCol)
		c.idPos = append(c.idPos, [2]int{il, ic})
	}
}

// duplicateIDs adds a problem for each question whose id an earlier one has.
func (c *checker) duplicateIDs() {
	first := map[string]CellQuestion{}
	for i, q := range c.qs {
		prev, dup := first[q.ID]
		if !dup {
			first[q.ID] = q
			continue
		}
		msg := fmt.Sprintf("duplicate question id %q (also in cell %d); give one of them its own \"id\"", q.ID, prev.Cell)
		if q.IDDerived {
			msg = fmt.Sprintf("this question has the same text as the one in cell %d, so both get the id %q and would share answers; give one of them its own \"id\"", prev.Cell, q.ID)
		}
		c.problem(q.Cell, c.idPos[i][0], c.idPos[i][1], msg)
	}
}

// SourceWarnings returns a warning for each code cell of nb with a quiz
// question (a helpers.Question or helpers.Quiz call, under any import name)
// whose input is not collapsed: students would read the question's JSON,
// its answer included, above the widget. A cell of helpers.Reflect calls
// only is left alone: a reflection has no answer to hide.
func SourceWarnings(nb *Notebook) []Problem {
	var out []Problem
	names, _ := HelpersNames(nb)
	for ci, cell := range nb.Cells {
		if cell.Type != "code" || cell.SourceHidden || onlyReflections(FindQuestionCalls(cell.Source, names)) {
			continue
		}
		out = append(out, Problem{Notebook: nb.Path, Cell: ci + 1, Warning: true,
			Msg: "the quiz cell's source, with its answer, is shown to students above the widget; collapse it: " +
				"in JupyterLab select the cell and choose View → Collapse Selected Code (or click the bar left of its code), then save; " +
				"this sets \"jupyter\": {\"source_hidden\": true} in the cell's metadata (one click on the bar or on \"…\" opens it again)"})
	}
	return out
}

// onlyReflections reports whether calls holds no call but helpers.Reflect
// (or none at all).
func onlyReflections(calls []QuestionCall) bool {
	for _, c := range calls {
		if c.Func != "Reflect" {
			return false
		}
	}
	return true
}
