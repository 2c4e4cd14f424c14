package quiz

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Notebook is the part of a Jupyter notebook (.ipynb) the quiz tools read.
type Notebook struct {
	// Path is where the notebook was read from.
	Path string
	// Cells are the notebook's cells in order.
	Cells []Cell
}

// Cell is one notebook cell.
type Cell struct {
	// Type is "code", "markdown" or "raw".
	Type string
	// Source is the cell's text.
	Source string
	// SourceHidden is true when the cell's input is collapsed (metadata
	// "jupyter": {"source_hidden": true}, which JupyterLab and Notebook 7
	// honour).
	SourceHidden bool
}

// ReadNotebook reads the cells of an .ipynb file. A malformed file gives an
// error naming the file and the line:column of the problem.
func ReadNotebook(path string) (*Notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseNotebook(data, path)
}

// ParseNotebook reads the cells of an .ipynb document; path is used in errors.
func ParseNotebook(data []byte, path string) (*Notebook, error) {
	var raw struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
			Metadata struct {
				Jupyter struct {
					SourceHidden json.RawMessage `json:"source_hidden"`
				} `json:"jupyter"`
			} `json:"metadata"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("%s: not a notebook: %w", path, byteError(data, int(syn.Offset-1), "malformed JSON: "+strings.TrimPrefix(syn.Error(), "json: ")))
		case errors.As(err, &typ):
			return nil, fmt.Errorf("%s: not a notebook: %w", path, byteError(data, int(typ.Offset-1), fmt.Sprintf("%s has the wrong type (%s)", typ.Field, typ.Value)))
		}
		return nil, fmt.Errorf("%s: not a notebook: %v", path, err)
	}
	nb := &Notebook{Path: path}
	for i, c := range raw.Cells {
		src, err := cellSource(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: cell %d: %v", path, i+1, err)
		}
		hidden := string(c.Metadata.Jupyter.SourceHidden) == "true"
		nb.Cells = append(nb.Cells, Cell{Type: c.CellType, Source: src, SourceHidden: hidden})
	}
	return nb, nil
}

// cellSource reads a cell's "source", a string or a list of strings.
func cellSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", fmt.Errorf("\"source\" is neither a string nor a list of strings")
	}
	return strings.Join(lines, ""), nil
}

// CellQuestion is a question found in a notebook cell.
type CellQuestion struct {
	*Question
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

// QuestionCall is a call to helpers.Question or helpers.Quiz found in Go
// source.
type QuestionCall struct {
	// Func is "Question" or "Quiz".
	Func string
	// JSON is the raw string literal's content.
	JSON string
	// Line and Col are where JSON starts in the source (just after the
	// opening backtick); 1-based, Col in characters.
	Line, Col int
	// Err, when not nil, says why the call cannot be checked; JSON is then
	// empty and Line, Col point at the problem.
	Err error
}

// questionFuncs are the helpers functions that take question JSON.
var questionFuncs = map[string]bool{"Question": true, "Quiz": true}

// HelpersPath is the import path of the lessons' helpers package.
const HelpersPath = "github.com/k12notebooks/golessons/helpers"

// helpersImport matches an import of HelpersPath, with its name if any.
var helpersImport = regexp.MustCompile(`(?m)^[ \t]*(?:import[ \t]+)?([A-Za-z_][A-Za-z0-9_]*|\.)?[ \t]*"` +
	regexp.QuoteMeta(HelpersPath) + `"`)

// HelpersNames returns the names under which the code cells of nb import
// the helpers package ("helpers" when imported without a name, and always
// "helpers"), and whether a cell imports it with "." (whose calls have no
// package name, so they cannot be found).
func HelpersNames(nb *Notebook) (names map[string]bool, dot bool) {
	names = map[string]bool{"helpers": true}
	for _, c := range nb.Cells {
		if c.Type != "code" {
			continue
		}
		for _, m := range helpersImport.FindAllStringSubmatch(c.Source, -1) {
			switch m[1] {
			case "":
			case ".":
				dot = true
			default:
				names[m[1]] = true
			}
		}
	}
	return names, dot
}

// FindQuestionCalls finds the calls helpers.Question(`...`) and
// helpers.Quiz(`...`) in the Go source of a GoNB cell, skipping comments,
// string literals and GoNB's "!" and "%" lines.
func FindQuestionCalls(src string) []QuestionCall {
	return FindQuestionCallsAs(src, map[string]bool{"helpers": true})
}

// FindQuestionCallsAs is FindQuestionCalls for a cell that names the helpers
// package by any of names (see HelpersNames).
func FindQuestionCallsAs(src string, names map[string]bool) []QuestionCall {
	sc := &scanner{r: []rune(src), line: 1, col: 1}
	var calls []QuestionCall
	for sc.i < len(sc.r) {
		c := sc.r[sc.i]
		switch {
		case sc.col == 1 && (c == '!' || c == '%'):
			sc.skipLine()
		case c == '/' && sc.peek(1) == '/':
			sc.skipLine()
		case c == '/' && sc.peek(1) == '*':
			sc.advance(2)
			for sc.i < len(sc.r) && !(sc.r[sc.i] == '*' && sc.peek(1) == '/') {
				sc.advance(1)
			}
			sc.advance(2)
		case c == '"' || c == '\'':
			sc.advance(1)
			for sc.i < len(sc.r) && sc.r[sc.i] != c && sc.r[sc.i] != '\n' {
				if sc.r[sc.i] == '\\' {
					sc.advance(1)
				}
				sc.advance(1)
			}
			sc.advance(1)
		case c == '`':
			sc.advance(1)
			for sc.i < len(sc.r) && sc.r[sc.i] != '`' {
				sc.advance(1)
			}
			sc.advance(1)
		case isIdentRune(c):
			start := sc.i
			for sc.i < len(sc.r) && isIdentRune(sc.r[sc.i]) {
				sc.advance(1)
			}
			word := string(sc.r[start:sc.i])
			prevDot := start > 0 && sc.r[start-1] == '.'
			if !names[word] || prevDot || sc.peekRune() != '.' {
				continue
			}
			save := *sc
			sc.advance(1) // .
			nameStart := sc.i
			for sc.i < len(sc.r) && isIdentRune(sc.r[sc.i]) {
				sc.advance(1)
			}
			name := string(sc.r[nameStart:sc.i])
			if !questionFuncs[name] {
				continue
			}
			sc.skipSpace()
			if sc.peekRune() != '(' {
				*sc = save
				sc.advance(1)
				continue
			}
			sc.advance(1)
			sc.skipSpace()
			calls = append(calls, sc.literal(name))
		default:
			sc.advance(1)
		}
	}
	return calls
}

// scanner walks Go source keeping line and column.
type scanner struct {
	r         []rune
	i         int
	line, col int
}

func (s *scanner) peek(n int) rune {
	if s.i+n < len(s.r) {
		return s.r[s.i+n]
	}
	return 0
}

func (s *scanner) peekRune() rune { return s.peek(0) }

func (s *scanner) advance(n int) {
	for ; n > 0 && s.i < len(s.r); n-- {
		if s.r[s.i] == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
		s.i++
	}
}

func (s *scanner) skipLine() {
	for s.i < len(s.r) && s.r[s.i] != '\n' {
		s.advance(1)
	}
}

func (s *scanner) skipSpace() {
	for s.i < len(s.r) && unicode.IsSpace(s.r[s.i]) {
		s.advance(1)
	}
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// literal reads the argument of helpers.<name>( at the scanner's position.
func (s *scanner) literal(name string) QuestionCall {
	call := QuestionCall{Func: name, Line: s.line, Col: s.col}
	switch s.peekRune() {
	case '`':
	case '"':
		call.Err = fmt.Errorf("write the question JSON of helpers.%s in a raw string literal, between backticks (`...`), so that it can be checked", name)
		return call
	default:
		call.Err = fmt.Errorf("helpers.%s's argument is not a raw string literal (`...`), so it cannot be checked", name)
		return call
	}
	s.advance(1)
	call.Line, call.Col = s.line, s.col
	start := s.i
	for s.i < len(s.r) && s.r[s.i] != '`' {
		s.advance(1)
	}
	if s.i >= len(s.r) {
		call.Err = fmt.Errorf("the raw string of helpers.%s is never closed with a backtick (`)", name)
		return call
	}
	json := string(s.r[start:s.i])
	closeLine, closeCol := s.line, s.col
	s.advance(1)
	s.skipSpace()
	if next := s.peekRune(); next != ')' && next != ',' {
		call.Line, call.Col = closeLine, closeCol
		call.Err = fmt.Errorf("this backtick ends the Go raw string holding the question JSON, but the call goes on after it: a backtick (`) cannot appear inside the JSON; write it as \\u0060")
		return call
	}
	call.JSON = json
	return call
}

// CheckNotebook reads the notebook at path and checks every question in it.
// It returns the questions that are well-formed and every problem: malformed
// JSON, invalid questions, calls that cannot be checked, question IDs used
// twice in the notebook, and a non-empty "submitted_answer" (students'
// answers belong in the answers file, not in the lesson).
func CheckNotebook(path string) ([]CellQuestion, []Problem) {
	nb, err := ReadNotebook(path)
	if err != nil {
		p := Problem{Notebook: path, Msg: strings.TrimPrefix(err.Error(), path+": ")}
		var e *Error
		if errors.As(err, &e) {
			p.Line, p.Col, p.Context = e.Line, e.Col, e.Context
			p.Msg = strings.Replace(p.Msg, e.Error(), e.Msg, 1)
		}
		return nil, []Problem{p}
	}
	return CheckCells(nb)
}

// CheckCells checks the questions in the code cells of nb; see CheckNotebook.
func CheckCells(nb *Notebook) ([]CellQuestion, []Problem) {
	var qs []CellQuestion
	var idPos [][2]int // where each question's ID is, in its cell
	var probs []Problem
	names, dot := HelpersNames(nb)
	if dot {
		probs = append(probs, Problem{Notebook: nb.Path, Msg: "a cell imports the helpers with \".\", so its quiz " +
			"questions cannot be found and checked; import it by name (import \"" + HelpersPath + "\")"})
	}
	for ci, cell := range nb.Cells {
		if cell.Type != "code" {
			continue
		}
		for _, call := range FindQuestionCallsAs(cell.Source, names) {
			at := func(line, col int, msg string) Problem {
				return Problem{Notebook: nb.Path, Cell: ci + 1, Line: line, Col: col, Msg: msg,
					Context: Caret(cell.Source, line, col)}
			}
			if call.Err != nil {
				probs = append(probs, at(call.Line, call.Col, call.Err.Error()))
				continue
			}
			// Map a position in the JSON to the cell's source.
			cellPos := func(line, col int) (int, int) {
				if line == 1 {
					return call.Line, call.Col + col - 1
				}
				return call.Line + line - 1, col
			}
			found, err := Parse(call.JSON)
			if err != nil {
				for _, e := range Errors(err) {
					l, c := cellPos(e.Line, e.Col)
					probs = append(probs, at(l, c, e.Msg))
				}
				continue
			}
			if call.Func == "Question" && len(found) > 1 {
				probs = append(probs, at(call.Line, call.Col, fmt.Sprintf("helpers.Question takes one question; this list has %d: use helpers.Quiz", len(found))))
				continue
			}
			for _, q := range found {
				l, c := cellPos(q.Line, q.Col)
				cq := CellQuestion{Question: q, Notebook: nb.Path, Cell: ci + 1, Line: l, Col: c}
				if strings.TrimSpace(q.SubmittedAnswer) != "" {
					probs = append(probs, at(l, c, fmt.Sprintf("\"submitted_answer\" is %q: leave it empty in a lesson; students' answers are kept in the answers file", q.SubmittedAnswer)))
				}
				qs = append(qs, cq)
				il, ic := cellPos(q.IDLine, q.IDCol)
				idPos = append(idPos, [2]int{il, ic})
			}
		}
	}
	first := map[string]CellQuestion{}
	for i, q := range qs {
		prev, dup := first[q.ID]
		if !dup {
			first[q.ID] = q
			continue
		}
		line, col := idPos[i][0], idPos[i][1]
		msg := fmt.Sprintf("duplicate question id %q (also in cell %d); give one of them its own \"id\"", q.ID, prev.Cell)
		if q.IDDerived {
			msg = fmt.Sprintf("this question has the same text as the one in cell %d, so both get the id %q and would share answers; give one of them its own \"id\"", prev.Cell, q.ID)
		}
		probs = append(probs, Problem{Notebook: nb.Path, Cell: q.Cell, Line: line, Col: col,
			Msg:     msg,
			Context: Caret(nb.Cells[q.Cell-1].Source, line, col)})
	}
	sort.SliceStable(probs, func(i, j int) bool {
		a, b := probs[i], probs[j]
		if a.Cell != b.Cell {
			return a.Cell < b.Cell
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return qs, probs
}

// SourceWarnings returns a warning for each code cell of nb with a quiz
// question (a helpers.Question or helpers.Quiz call) whose input is not
// collapsed: students would read the question's JSON, its answer included,
// above the widget.
func SourceWarnings(nb *Notebook) []Problem {
	var out []Problem
	names, _ := HelpersNames(nb)
	for ci, cell := range nb.Cells {
		if cell.Type != "code" || cell.SourceHidden || len(FindQuestionCallsAs(cell.Source, names)) == 0 {
			continue
		}
		out = append(out, Problem{Notebook: nb.Path, Cell: ci + 1, Warning: true,
			Msg: "the quiz cell's source, with its answer, is shown to students above the widget; collapse it: " +
				"in JupyterLab select the cell and choose View → Collapse Selected Code (or click the bar left of its code), then save; " +
				"this sets \"jupyter\": {\"source_hidden\": true} in the cell's metadata (one click on the bar or on \"…\" opens it again)"})
	}
	return out
}
