package quiz

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is everything the code knows about one question type, in one place:
// how it is read from each JSON format, graded, sealed for the widget and
// graded from the sealed data, what students read above it, how the widget
// takes an answer, and how an answer is shown and grouped. Each type
// registers its Kind from its own file (kind_freeform.go, ...); the widget's
// script has one object per type (internal/quizwidget/assets/quiz.js,
// TYPES), and internal/quizwidget's tests check that both know the same
// types and grade alike. docs/developers/question-types.md says how to add
// one.
type Kind struct {
	// Type is the type's name in Question.Type, the sealed data and the
	// widget's script.
	Type Type
	// Label is what students read above the question ("Short answer").
	Label string
	// LessonName is the lesson format's "question_type" for this type; ""
	// when the lesson format cannot write it.
	LessonName string
	// JupyterQuizName is jupyterquiz's "type" for this type; "" when
	// jupyterquiz has none.
	JupyterQuizName string
	// Input is how the widget takes an answer.
	Input Input
	// Ungraded is true for a type whose answers are kept and never graded
	// (Reflection): no right answer, no score, no "correct".
	Ungraded bool

	// order places the type in lists and messages.
	order int
	// lessonFields and jqFields are the fields only this type may have, in
	// the lesson format and in jupyterquiz's.
	lessonFields, jqFields []string
	// lesson reads the lesson format's fields of this type into q; answer
	// is the "answer" member, nil when absent (already reported).
	lesson func(b *builder, q *Question, obj *value, answer *member)
	// jupyterQuiz reads the "answers" list of a jupyterquiz question.
	jupyterQuiz func(b *builder, q *Question, obj, list *value)
	// grade grades an answer (Question.Grade).
	grade func(q *Question, answer string) Result
	// seal adds the sealed entries of q's answers, in grading order.
	seal func(w *sealer, q *Question) error
	// gradeSealed grades an answer from the sealed data alone (Sealed.Grade).
	gradeSealed func(s *Sealed, answer string) (Result, string)
	// describe writes an answer for people, each chosen option written by
	// option; nil: the answer as written.
	describe func(q *Question, answer string, option func(Option) string) string
	// same is the form in which equal answers are grouped; nil: Normalize.
	same func(q *Question, answer string) string
}

// Input is how the widget takes an answer.
type Input string

// Inputs of the widget.
const (
	// InputText is a text box; Enter or Check submits.
	InputText Input = "text"
	// InputNumber is a text box for a number (a decimal keypad on phones).
	InputNumber Input = "number"
	// InputTrueFalse is two buttons, True and False, each submitting.
	InputTrueFalse Input = "true_false"
	// InputOneOption is radio buttons, one answer, and Check.
	InputOneOption Input = "one_option"
	// InputOptions is check boxes, any number of answers, and Check.
	InputOptions Input = "options"
	// InputLongText is a text area for a few sentences, and Save.
	InputLongText Input = "long_text"
)

// kinds holds every registered Kind by Type.
var kinds = map[Type]*Kind{}

// register adds k to the table; each type's file calls it from init.
func register(k *Kind) {
	if k.Type == "" || k.Label == "" || k.grade == nil || k.seal == nil || k.gradeSealed == nil ||
		(k.LessonName == "" && k.JupyterQuizName == "") || (k.LessonName != "" && k.lesson == nil) ||
		(k.JupyterQuizName != "" && k.jupyterQuiz == nil) {
		panic(fmt.Sprintf("quiz: incomplete Kind %q", k.Type))
	}
	if kinds[k.Type] != nil {
		panic(fmt.Sprintf("quiz: Kind %q registered twice", k.Type))
	}
	kinds[k.Type] = k
}

// KindOf returns the Kind of type t, nil when there is none.
func KindOf(t Type) *Kind { return kinds[t] }

// Kinds returns every question type's Kind, in a fixed order.
func Kinds() []*Kind {
	out := make([]*Kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}

// lessonKind returns the Kind whose lesson-format name is name.
func lessonKind(name string) *Kind {
	for _, k := range Kinds() {
		if k.LessonName != "" && k.LessonName == name {
			return k
		}
	}
	return nil
}

// jupyterQuizKind returns the Kind whose jupyterquiz name is name.
func jupyterQuizKind(name string) *Kind {
	for _, k := range Kinds() {
		if k.JupyterQuizName != "" && k.JupyterQuizName == name {
			return k
		}
	}
	return nil
}

// LessonTypes returns the question_type values of the lesson format.
func LessonTypes() []string {
	var out []string
	for _, k := range Kinds() {
		if k.LessonName != "" {
			out = append(out, k.LessonName)
		}
	}
	return out
}

// JupyterQuizTypes returns the "type" values of the jupyterquiz format.
func JupyterQuizTypes() []string {
	var out []string
	for _, k := range Kinds() {
		if k.JupyterQuizName != "" {
			out = append(out, k.JupyterQuizName)
		}
	}
	return out
}

// Kind returns the Kind of q's type.
func (q *Question) Kind() *Kind { return kinds[q.Type] }

// Describe writes an answer as people read it: for a choice question each
// chosen option written by option (a key no option has is kept as
// written), joined by "; "; for the others the answer as written.
func (q *Question) Describe(answer string, option func(Option) string) string {
	if k := q.Kind(); k != nil && k.describe != nil {
		return k.describe(q, answer, option)
	}
	return answer
}

// SameAnswer returns the form in which answers are grouped as the same
// answer (the class view counts wrong answers so): Normalize'd text, or the
// chosen option keys lower-cased and sorted.
func (q *Question) SameAnswer(answer string) string {
	if k := q.Kind(); k != nil && k.same != nil {
		return k.same(q, answer)
	}
	return Normalize(answer)
}

// orList writes names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
