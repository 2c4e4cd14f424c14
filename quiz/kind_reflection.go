package quiz

// Reflection is a question answered in the student's own words and never
// graded: the lesson's "Reflect" section. The lesson format's
// "reflection"; it has no "answer". The answer is kept in the answers file
// like any other (its "correct" is always false and means nothing), and the
// teacher reads it in the class view.
const Reflection Type = "reflection"

func init() {
	register(&Kind{
		Type: Reflection, Label: "Reflection (not graded)", LessonName: "reflection",
		Input: InputLongText, order: 60, Ungraded: true,
		lesson: func(b *builder, q *Question, obj *value, answer *member) {
			if answer != nil {
				b.errorf(answer.keyStart, "a reflection has no right answer: remove \"answer\"")
			}
		},
		grade:       func(*Question, string) Result { return Result{} },
		seal:        func(*sealer, *Question) error { return nil },
		gradeSealed: func(*Sealed, string) (Result, string) { return Result{}, "" },
	})
}

// Ungraded reports whether q's answers are kept but never graded (a
// Reflection).
func (q *Question) Ungraded() bool {
	k := q.Kind()
	return k != nil && k.Ungraded
}
