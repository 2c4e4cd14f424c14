// Package quiz reads, checks, grades and seals the quiz questions of the
// lessons. Students' answers are kept by package answerfile.
//
// A question is a JSON object in one of two formats, read into one model,
// Question:
//
// The lesson format, as in the original lesson (typographic quotes “ ” are
// accepted as JSON quotes, so a block pasted from a document works):
//
//	{ "question_type": "multiple_choice",
//	  "question": "What does chunk.choices[0].delta.content contain during streaming?",
//	  "options": [ { "key": "a", "text": "The entire completed response" },
//	               { "key": "b", "text": "A small piece of the response text", "feedback": "Yes: a delta." } ],
//	  "answer": "b", "submitted_answer": "" }
//
// question_type is freeform, true_false, multiple_choice or reflection (a
// question answered in the student's own words, never graded, without
// "answer"). Optional fields:
// "id" (default: "q-" and 8 hex digits of a hash of the question text),
// "explanation" (shown after a right answer), "hint" (offered before answering
// and after a wrong answer), "feedback" on each option, "shuffle" (show the
// options in random order), "points" (default 1), "accepted_answers" (other
// right answers to a freeform question) and "code" (a snippet shown under the
// question). "submitted_answer" is read and ignored: answers live in the
// answers file (see Answers).
//
// The jupyterquiz format (github.com/jmshea/jupyterquiz), so that an existing
// question bank works unchanged: "type" is multiple_choice, many_choice,
// numeric or string, with an "answers" list of {"answer", "correct",
// "feedback"} (numeric: {"value"} or {"range": [lo, hi]}, and a {"type":
// "default", "feedback"} entry for any other answer). The optional fields
// above may be added to these questions too.
//
// Parse accepts one question or a JSON list of questions. Every problem is
// reported as an *Error with the line and column in the JSON text.
//
// Package lessonbook finds the questions in the lesson notebooks.
package quiz

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Type is the kind of a question: Freeform, TrueFalse, MultipleChoice,
// ManyChoice, Numeric, each defined with its Kind in its own file
// (kind_freeform.go, ...). jupyterquiz's "string" questions are Freeform.
type Type string

// Format says which JSON format a question was written in.
type Format string

// Question formats.
const (
	// LessonFormat is the lessons' own format, with "question_type".
	LessonFormat Format = "lesson"
	// JupyterQuizFormat is jupyterquiz's format, with "type" and "answers".
	JupyterQuizFormat Format = "jupyterquiz"
)

// Question is one quiz question, whichever format it was written in.
type Question struct {
	// ID identifies the question in answers files and gradebooks.
	ID string
	// Type is the kind of question.
	Type Type
	// Text is the question itself.
	Text string
	// Code is an optional code snippet shown under the question.
	Code string
	// Options are the choices of a MultipleChoice or ManyChoice question, in
	// the order written.
	Options []Option
	// KeysShown is true when the teacher wrote the option keys (lesson
	// format) and the options are not shuffled, so the keys can be shown as
	// labels ("a)", "b)").
	KeysShown bool
	// Answer is the right answer as written: the text of a Freeform answer,
	// "True" or "False", the key of a MultipleChoice option, the keys of a
	// ManyChoice question joined by commas, or a Numeric value.
	Answer string
	// TextAnswers are the answers a Freeform question knows, right and wrong.
	TextAnswers []TextAnswer
	// Numbers are the answers a Numeric question knows, right and wrong.
	Numbers []NumberAnswer
	// Precision, when above 0, rounds a Numeric answer to that many
	// significant digits before comparing.
	Precision int
	// Explanation is shown after a right answer.
	Explanation string
	// Hint is offered before answering and after a wrong answer.
	Hint string
	// DefaultFeedback is shown for an answer no entry matches (jupyterquiz's
	// "default" entry).
	DefaultFeedback string
	// Shuffle asks for the options in random order.
	Shuffle bool
	// Points is what a right answer is worth (default 1).
	Points float64
	// SubmittedAnswer is the lesson format's "submitted_answer", kept so that
	// a checker can insist it stays empty in a published lesson.
	SubmittedAnswer string
	// Format is the format the question was written in.
	Format Format
	// Line and Col are where the question's object starts in the JSON text.
	Line, Col int
	// IDLine and IDCol are where the "id" value is, or the object's start when
	// the ID was derived from the text.
	IDLine, IDCol int
	// IDDerived is true when the question has no "id" and ID was derived
	// from its text (see DefaultID).
	IDDerived bool
}

// Option is one choice of a choice question.
type Option struct {
	// Key identifies the option in answers: as written in the lesson format,
	// "a", "b", ... in the jupyterquiz format.
	Key string
	// Text is what the student reads.
	Text string
	// Code is true when Text is code (jupyterquiz's "code" answers).
	Code bool
	// Correct is true for a right option.
	Correct bool
	// Feedback is shown when the student picks this option.
	Feedback string
}

// TextAnswer is one answer a Freeform question knows.
type TextAnswer struct {
	// Text is the answer; it is compared after Normalize.
	Text string
	// Correct is true for a right answer.
	Correct bool
	// Feedback is shown when the student gives this answer.
	Feedback string
	// MatchCase compares case as written.
	MatchCase bool
	// Fuzzy, when above 0, also accepts an answer whose similarity (1 minus
	// the edit distance over the longer length) is at least Fuzzy.
	Fuzzy float64
}

// NumberAnswer is one answer a Numeric question knows: a value or a range.
type NumberAnswer struct {
	// IsRange is true for a range [Min, Max]; otherwise Value is exact.
	IsRange  bool
	Value    float64
	Min, Max float64
	// Correct is true for a right answer.
	Correct bool
	// Feedback is shown when the student's number matches.
	Feedback string
}

// Field names each format knows, for "unknown field" errors.
var (
	commonFields     = []string{"id", "question", "explanation", "hint", "shuffle", "points", "code"}
	lessonFields     = append([]string{"question_type", "answer", "submitted_answer"}, commonFields...)
	jqFields         = append([]string{"type", "answers", "answer_cols", "input_width"}, commonFields...)
	lessonOptionKeys = []string{"key", "text", "feedback"}
	jqChoiceKeys     = []string{"answer", "code", "correct", "feedback", "answer_cols"}
	jqNumericKeys    = []string{"type", "value", "range", "correct", "feedback"}
	jqStringKeys     = []string{"type", "answer", "correct", "feedback", "match_case", "fuzzy_threshold"}
)

// idPattern is what an "id" may look like: it is used as a JSON key, an HTML
// attribute and a spreadsheet cell.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`)

const (
	errNotAQuestion   = "each question is a JSON object { ... }"
	defaultPoints     = 1.0
	maxReportedErrors = 50
)

// Parse reads one question (a JSON object) or several (a JSON list of
// objects) in either format, checks them, and returns them in order. The
// error, when not nil, is an *Error for malformed JSON or an ErrorList of
// every problem found; positions are relative to text.
func Parse(text string) ([]*Question, error) {
	src := newSource(text)
	root, jerr := parseJSON(src)
	if jerr != nil {
		return nil, jerr
	}
	b := &builder{src: src}
	var qs []*Question
	switch root.kind {
	case kindObject:
		if q := b.question(root); q != nil {
			qs = append(qs, q)
		}
	case kindArray:
		if len(root.elems) == 0 {
			b.errorf(root.start, "the list holds no questions")
		}
		for _, e := range root.elems {
			if e.kind != kindObject {
				b.errorf(e.start, "%s, found %s", errNotAQuestion, e.kind)
				continue
			}
			if q := b.question(e); q != nil {
				qs = append(qs, q)
			}
		}
	default:
		b.errorf(root.start, "expected a question { ... } or a list of questions [ ... ], found %s", root.kind)
	}
	if len(b.errs) == 0 {
		// A list may repeat a question's text (jupyterquiz's own example
		// does): derived IDs then get "-2", "-3", ... in order. Two
		// questions given the same "id" are an error.
		seen := map[string]*Question{}
		count := map[string]int{}
		for _, q := range qs {
			if q.IDDerived {
				count[q.ID]++
				if n := count[q.ID]; n > 1 {
					q.ID = fmt.Sprintf("%s-%d", q.ID, n)
				}
			}
		}
		for _, q := range qs {
			if prev, ok := seen[q.ID]; ok {
				b.errs = append(b.errs, &Error{Line: q.IDLine, Col: q.IDCol,
					Msg:     fmt.Sprintf("duplicate question id %q (also at line %d:%d); give each question its own \"id\"", q.ID, prev.IDLine, prev.IDCol),
					Context: Caret(text, q.IDLine, q.IDCol)})
				continue
			}
			seen[q.ID] = q
		}
	}
	if len(b.errs) > 0 {
		sort.SliceStable(b.errs, func(i, j int) bool {
			if b.errs[i].Line != b.errs[j].Line {
				return b.errs[i].Line < b.errs[j].Line
			}
			return b.errs[i].Col < b.errs[j].Col
		})
		if len(b.errs) > maxReportedErrors {
			b.errs = b.errs[:maxReportedErrors]
		}
		return nil, b.errs
	}
	return qs, nil
}

// ParseOne reads exactly one question. A list with one question is accepted.
func ParseOne(text string) (*Question, error) {
	qs, err := Parse(text)
	if err != nil {
		return nil, err
	}
	if len(qs) != 1 {
		return nil, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("expected one question, found %d; use Quiz for a list", len(qs)), Context: Caret(text, 1, 1)}
	}
	return qs[0], nil
}

// DefaultID returns the ID of a question without an "id": "q-" and the first
// 8 hex digits of the SHA-256 of its text, trimmed of surrounding space.
func DefaultID(text string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(text)))
	return "q-" + hex.EncodeToString(sum[:4])
}

// builder turns parsed JSON values into questions, collecting errors.
type builder struct {
	src  *source
	errs ErrorList
}

func (b *builder) errorf(at int, format string, args ...any) {
	b.errs = append(b.errs, b.src.errorAt(at, format, args...))
}

// fields checks that obj has only known fields.
func (b *builder) fields(obj *value, known []string, what string) {
	for _, m := range obj.members {
		if contains(known, m.key) {
			continue
		}
		msg := fmt.Sprintf("unknown field %q in %s", m.key, what)
		if s := suggest(m.key, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += fmt.Sprintf(" (known fields: %s)", strings.Join(known, ", "))
		}
		b.errs = append(b.errs, b.src.errorAt(m.keyStart, "%s", msg))
	}
}

// str returns the string field key of obj; ok is false when it is absent or
// not a string (the latter is reported). Numbers are taken as written when
// allowNumber is set.
func (b *builder) str(obj *value, key string, allowNumber bool) (s string, at int, ok bool) {
	m := obj.get(key)
	if m == nil {
		return "", obj.start, false
	}
	switch {
	case m.val.kind == kindString:
		return m.val.str, m.val.start, true
	case allowNumber && m.val.kind == kindNumber:
		return m.val.raw, m.val.start, true
	}
	b.errorf(m.val.start, "%q must be a string, not %s", key, m.val.kind)
	return "", m.val.start, false
}

// boolean returns the boolean field key of obj; present is false when absent.
func (b *builder) boolean(obj *value, key string) (v, present bool) {
	m := obj.get(key)
	if m == nil {
		return false, false
	}
	if m.val.kind != kindBool {
		b.errorf(m.val.start, "%q must be true or false, not %s", key, m.val.kind)
		return false, true
	}
	return m.val.boolean, true
}

// number returns the number field key of obj; present is false when absent.
func (b *builder) number(obj *value, key string) (v float64, at int, present bool) {
	m := obj.get(key)
	if m == nil {
		return 0, obj.start, false
	}
	if m.val.kind != kindNumber {
		b.errorf(m.val.start, "%q must be a number, not %s", key, m.val.kind)
		return 0, m.val.start, true
	}
	return m.val.num, m.val.start, true
}

// question builds one question from an object, or returns nil after
// reporting why it cannot.
func (b *builder) question(obj *value) *Question {
	nErrs := len(b.errs)
	q := &Question{Points: defaultPoints}
	q.Line, q.Col = b.src.pos(obj.start)
	qt, jt := obj.get("question_type"), obj.get("type")
	switch {
	case qt != nil && jt != nil:
		b.errorf(jt.keyStart, "a question has either \"question_type\" (lesson format) or \"type\" (jupyterquiz format), not both")
		return nil
	case qt != nil:
		q.Format = LessonFormat
		b.fields(obj, withKindFields(lessonFields, func(k *Kind) []string { return k.lessonFields }), "a question")
	case jt != nil:
		q.Format = JupyterQuizFormat
		b.fields(obj, withKindFields(jqFields, func(k *Kind) []string { return k.jqFields }), "a jupyterquiz question")
	default:
		b.errorf(obj.start, "missing \"question_type\" (want %s)", typeList())
		return nil
	}

	text, _, ok := b.str(obj, "question", false)
	if !ok && obj.get("question") == nil {
		b.errorf(obj.start, "missing \"question\": every question needs its text")
	} else if ok && strings.TrimSpace(text) == "" {
		b.errorf(obj.get("question").val.start, "\"question\" is empty")
	}
	q.Text = text
	q.Code, _, _ = b.str(obj, "code", false)
	q.Explanation, _, _ = b.str(obj, "explanation", false)
	q.Hint, _, _ = b.str(obj, "hint", false)
	q.Shuffle, _ = b.boolean(obj, "shuffle")
	if p, at, present := b.number(obj, "points"); present && obj.get("points").val.kind == kindNumber {
		if p < 0 {
			b.errorf(at, "\"points\" must be 0 or more")
		}
		q.Points = p
	}
	if id, at, ok := b.str(obj, "id", true); ok {
		if !idPattern.MatchString(id) {
			b.errorf(at, "\"id\" %q must be 1 to 64 letters, digits, '-', '_', '.' or ':', starting with a letter or digit", id)
		}
		q.ID = id
		q.IDLine, q.IDCol = b.src.pos(at)
	} else {
		q.ID = DefaultID(text)
		q.IDDerived = true
		q.IDLine, q.IDCol = q.Line, q.Col
	}

	if q.Format == LessonFormat {
		b.lesson(q, obj, qt.val)
	} else {
		b.jupyterQuiz(q, obj, jt.val)
	}
	if len(b.errs) > nErrs {
		return nil
	}
	return q
}

func typeList() string {
	return orList(LessonTypes()) + "; or jupyterquiz's \"type\": " + strings.Join(JupyterQuizTypes(), ", ")
}

// withKindFields returns base and the fields of every Kind (fields(k)), in
// order, for "unknown field" errors.
func withKindFields(base []string, fields func(*Kind) []string) []string {
	out := append([]string(nil), base...)
	for _, k := range Kinds() {
		for _, f := range fields(k) {
			if !contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// onlyFor reports each field of obj that belongs to other types than k's
// (fields(kind) gives a type's own fields; name(kind) its name in the
// format, "" when the format has no such type).
func (b *builder) onlyFor(k *Kind, obj *value, fields func(*Kind) []string, name func(*Kind) string) {
	for _, m := range obj.members {
		if contains(fields(k), m.key) {
			continue
		}
		var owners []string
		for _, other := range Kinds() {
			if n := name(other); n != "" && contains(fields(other), m.key) {
				owners = append(owners, n)
			}
		}
		if len(owners) > 0 {
			b.errorf(m.keyStart, "%q only applies to %s questions", m.key, orList(owners))
		}
	}
}

// lesson reads the lesson-format fields of q.
func (b *builder) lesson(q *Question, obj, typ *value) {
	k := b.lessonType(q, typ)
	if k == nil {
		return
	}
	if s, _, ok := b.str(obj, "submitted_answer", true); ok {
		q.SubmittedAnswer = s
	}
	am := obj.get("answer")
	if am == nil && !k.Ungraded {
		b.errorf(obj.start, "missing \"answer\": a %s question needs its right answer", k.LessonName)
	}
	b.onlyFor(k, obj, func(k *Kind) []string { return k.lessonFields }, func(k *Kind) string { return k.LessonName })
	k.lesson(b, q, obj, am)
}

// lessonType reads "question_type" into q.Type and returns its Kind, or
// says what is wrong and returns nil.
func (b *builder) lessonType(q *Question, typ *value) *Kind {
	if typ.kind != kindString {
		b.errorf(typ.start, "\"question_type\" must be a string, not %s", typ.kind)
		return nil
	}
	if k := lessonKind(typ.str); k != nil {
		q.Type = k.Type
		return k
	}
	msg := fmt.Sprintf("unknown question_type %q (want %s)", typ.str, orList(LessonTypes()))
	if s := suggest(typ.str, LessonTypes()); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if contains(JupyterQuizTypes(), typ.str) {
		msg += fmt.Sprintf("; %q is a jupyterquiz type: write \"type\" with an \"answers\" list", typ.str)
	}
	b.errs = append(b.errs, b.src.errorAt(typ.start, "%s", msg))
	return nil
}

// jupyterQuiz reads the jupyterquiz-format fields of q.
func (b *builder) jupyterQuiz(q *Question, obj, typ *value) {
	if typ.kind != kindString {
		b.errorf(typ.start, "\"type\" must be a string, not %s", typ.kind)
		return
	}
	k := jupyterQuizKind(typ.str)
	if k == nil {
		msg := fmt.Sprintf("unknown jupyterquiz type %q (want %s)", typ.str, strings.Join(JupyterQuizTypes(), ", "))
		if s := suggest(typ.str, JupyterQuizTypes()); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		b.errs = append(b.errs, b.src.errorAt(typ.start, "%s", msg))
		return
	}
	// Layout fields: checked for type, otherwise unused.
	b.number(obj, "answer_cols")
	b.number(obj, "input_width")
	am := obj.get("answers")
	if am == nil {
		b.errorf(obj.start, "missing \"answers\": a jupyterquiz %s question needs a list of answers", typ.str)
		return
	}
	if am.val.kind != kindArray || len(am.val.elems) == 0 {
		b.errorf(am.val.start, "\"answers\" must be a non-empty list of answer objects")
		return
	}
	b.onlyFor(k, obj, func(k *Kind) []string { return k.jqFields }, func(k *Kind) string { return k.JupyterQuizName })
	q.Type = k.Type
	k.jupyterQuiz(b, q, obj, am.val)
}

// defaultEntry reports whether e is a {"type": "default", "feedback": ...}
// entry and records its feedback.
func (b *builder) defaultEntry(q *Question, e *value) bool {
	t := e.get("type")
	if t == nil || t.val.kind != kindString || t.val.str != "default" {
		return false
	}
	fb, _, ok := b.str(e, "feedback", false)
	if !ok && e.get("feedback") == nil {
		b.errorf(e.start, "a \"default\" answer needs \"feedback\"")
	}
	q.DefaultFeedback = fb
	return true
}

func (b *builder) correct(e *value) bool {
	v, present := b.boolean(e, "correct")
	if !present {
		b.errorf(e.start, "answer without \"correct\": true or false")
	}
	return v
}

// jqEntry is an entry of a jupyterquiz "answers" list, with its index.
type jqEntry struct {
	i int
	e *value
}

// jqEntries returns the entries of a jupyterquiz "answers" list that are
// objects, after checking their keys against keys (what names such an
// entry); every other entry is an error naming main, the entry's main key.
func (b *builder) jqEntries(list *value, main string, keys []string, what string) []jqEntry {
	var out []jqEntry
	for i, e := range list.elems {
		if e.kind != kindObject {
			b.errorf(e.start, "each answer is an object {%q: ..., \"correct\": ...}, not %s", main, e.kind)
			continue
		}
		b.fields(e, keys, what)
		out = append(out, jqEntry{i, e})
	}
	return out
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the entry of known closest to s when it is a likely typo.
func suggest(s string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		d := levenshtein(strings.ToLower(s), k)
		if d < bestD {
			best, bestD = k, d
		}
	}
	limit := 2
	if len([]rune(s)) > 8 {
		limit = 3
	}
	if bestD > 0 && bestD <= limit {
		return best
	}
	return ""
}

// levenshtein returns the edit distance between a and b, in characters.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
