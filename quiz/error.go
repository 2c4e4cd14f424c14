package quiz

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Error is one problem in a question's JSON text. Line and Col are 1-based and
// relative to the start of the JSON text; Col counts characters (not bytes), so
// it matches what an editor shows. Context holds the offending source line and
// a caret line under the column, ready to print.
type Error struct {
	Line, Col int
	Msg       string
	Context   string
}

// Error returns "line L:C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in one JSON text, in source order. Parse
// returns it when validation finds several problems.
type ErrorList []*Error

// Error joins the messages, one per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Errors returns the individual problems in err: the elements of an ErrorList,
// a single *Error, or nil when err is neither.
func Errors(err error) []*Error {
	switch e := err.(type) {
	case ErrorList:
		return e
	case *Error:
		return []*Error{e}
	}
	return nil
}

// Caret returns the line of src that holds position (line, col), followed by a
// line with a caret under col. Tabs in the source line are kept in the caret
// line so that the caret lines up in a terminal. It returns "" when line is out
// of range.
func Caret(src string, line, col int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	text := strings.TrimRight(lines[line-1], "\r")
	var pad strings.Builder
	n := 0
	for _, r := range text {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			pad.WriteByte('\t')
		} else {
			pad.WriteByte(' ')
		}
		n++
	}
	for ; n < col-1; n++ {
		pad.WriteByte(' ')
	}
	return text + "\n" + pad.String() + "^"
}

// JSONError returns an *Error at the line:column of the problem that
// encoding/json reported in decoding data: for a *json.SyntaxError
// ("malformed JSON: ..."), or a *json.UnmarshalTypeError (which field holds
// what kind of value where another was expected), whose Offset says where the
// problem is. It returns nil for any other error, which has no position.
func JSONError(data []byte, err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return OffsetError(data, int(syn.Offset-1), "malformed JSON: "+strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the file"
		}
		return OffsetError(data, int(typ.Offset-1), fmt.Sprintf("%s holds a JSON %s where %s was expected", field, typ.Value, describeGoType(typ.Type.String())))
	}
	return nil
}

// describeGoType says in words what JSON a Go type of a decoded value takes.
func describeGoType(t string) string {
	switch {
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "struct"), strings.HasPrefix(t, "quiz."), strings.HasPrefix(t, "*quiz."):
		return "an object"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "time.Time":
		return "a time such as \"2025-03-04T10:15:02Z\""
	case t == "float64", t == "int", t == "*float64":
		return "a number"
	case t == "bool":
		return "true or false"
	}
	return "a " + t
}

// OffsetError returns an *Error with msg at byte offset off of data (clamped
// to data), as line:column in characters, with its Context.
func OffsetError(data []byte, off int, msg string) *Error {
	off = min(max(off, 0), len(data))
	text := string(data)
	prefix := text[:off]
	line := strings.Count(prefix, "\n") + 1
	col := len([]rune(prefix[strings.LastIndex(prefix, "\n")+1:])) + 1
	return &Error{Line: line, Col: col, Msg: msg, Context: Caret(text, line, col)}
}

// src is a JSON text kept as runes, with the start of every line, so that
// positions can be reported as line:column in characters.
type source struct {
	text       string
	runes      []rune
	lineStarts []int // rune index of the first rune of each line
}

func newSource(text string) *source {
	s := &source{text: text, runes: []rune(text), lineStarts: []int{0}}
	for i, r := range s.runes {
		if r == '\n' {
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	return s
}

// pos converts a rune index into a 1-based line and column.
func (s *source) pos(i int) (line, col int) {
	lo, hi := 0, len(s.lineStarts)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.lineStarts[mid] <= i {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, i - s.lineStarts[lo] + 1
}

// errorAt builds an *Error for rune index i.
func (s *source) errorAt(i int, format string, args ...any) *Error {
	line, col := s.pos(i)
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Context: Caret(s.text, line, col)}
}
