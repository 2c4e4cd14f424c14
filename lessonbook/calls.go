package lessonbook

import (
	"fmt"
	"regexp"
	"unicode"
)

// HelpersPath is the import path of the lessons' helpers package.
const HelpersPath = "github.com/k12notebooks/golessons/helpers"

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
var questionFuncs = map[string]bool{"Question": true, "Quiz": true, "Reflect": true}

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

// FindQuestionCalls finds the calls Question(`...`) and Quiz(`...`) of the
// helpers package, named by any of names (see HelpersNames; nil means
// "helpers"), in the Go source of a GoNB cell, skipping comments, string
// literals and GoNB's "!" and "%" lines.
func FindQuestionCalls(src string, names map[string]bool) []QuestionCall {
	if names == nil {
		names = map[string]bool{"helpers": true}
	}
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
			sc.skipBlockComment()
		case c == '"' || c == '\'':
			sc.skipQuoted(c)
		case c == '`':
			sc.skipRaw()
		case isIdentRune(c):
			if call, ok := sc.call(names); ok {
				calls = append(calls, call)
			}
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

// advanceWhile advances over the runes for which ok holds.
func (s *scanner) advanceWhile(ok func(rune) bool) {
	for s.i < len(s.r) && ok(s.r[s.i]) {
		s.advance(1)
	}
}

func (s *scanner) skipLine() { s.advanceWhile(func(r rune) bool { return r != '\n' }) }

func (s *scanner) skipSpace() { s.advanceWhile(unicode.IsSpace) }

// skipBlockComment skips a /* ... */ comment.
func (s *scanner) skipBlockComment() {
	s.advance(2)
	for s.i < len(s.r) && !(s.r[s.i] == '*' && s.peek(1) == '/') {
		s.advance(1)
	}
	s.advance(2)
}

// skipQuoted skips a string or rune literal opened by quote, to its end or
// the end of the line.
func (s *scanner) skipQuoted(quote rune) {
	s.advance(1)
	for s.i < len(s.r) && s.r[s.i] != quote && s.r[s.i] != '\n' {
		if s.r[s.i] == '\\' {
			s.advance(1)
		}
		s.advance(1)
	}
	s.advance(1)
}

// skipRaw skips a raw string literal.
func (s *scanner) skipRaw() {
	s.advance(1)
	s.advanceWhile(func(r rune) bool { return r != '`' })
	s.advance(1)
}

// ident reads the identifier at the scanner's position.
func (s *scanner) ident() string {
	start := s.i
	s.advanceWhile(isIdentRune)
	return string(s.r[start:s.i])
}

// call reads the identifier at the scanner's position and, when it starts
// a call <name>.Question( or <name>.Quiz( with one of names, the call's
// argument.
func (s *scanner) call(names map[string]bool) (QuestionCall, bool) {
	prevDot := s.i > 0 && s.r[s.i-1] == '.'
	if word := s.ident(); !names[word] || prevDot || s.peek(0) != '.' {
		return QuestionCall{}, false
	}
	save := *s
	s.advance(1) // .
	name := s.ident()
	if !questionFuncs[name] {
		return QuestionCall{}, false
	}
	s.skipSpace()
	if s.peek(0) != '(' {
		*s = save
		s.advance(1)
		return QuestionCall{}, false
	}
	s.advance(1)
	s.skipSpace()
	return s.literal(name), true
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// literal reads the argument of helpers.<name>( at the scanner's position.
func (s *scanner) literal(name string) QuestionCall {
	call := QuestionCall{Func: name, Line: s.line, Col: s.col}
	switch s.peek(0) {
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
	s.advanceWhile(func(r rune) bool { return r != '`' })
	if s.i >= len(s.r) {
		call.Err = fmt.Errorf("the raw string of helpers.%s is never closed with a backtick (`)", name)
		return call
	}
	json := string(s.r[start:s.i])
	closeLine, closeCol := s.line, s.col
	s.advance(1)
	s.skipSpace()
	if next := s.peek(0); next != ')' && next != ',' {
		call.Line, call.Col = closeLine, closeCol
		call.Err = fmt.Errorf("this backtick ends the Go raw string holding the question JSON, but the call goes on after it: a backtick (`) cannot appear inside the JSON; write it as \\u0060")
		return call
	}
	call.JSON = json
	return call
}
