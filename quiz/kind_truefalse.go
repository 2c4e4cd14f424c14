package quiz

import (
	"bytes"
	"strconv"
	"strings"
)

// TrueFalse is a question answered True or False: the lesson format's
// "true_false".
const TrueFalse Type = "true_false"

func init() {
	register(&Kind{
		Type: TrueFalse, Label: "True or false", LessonName: "true_false",
		Input: InputTrueFalse, order: 20,
		lesson: func(b *builder, q *Question, _ *value, answer *member) {
			if answer != nil {
				b.trueFalseAnswer(q, answer.val)
			}
		},
		grade:       gradeTrueFalse,
		seal:        sealTrueFalse,
		gradeSealed: (*Sealed).gradeTrueFalse,
	})
}

// gradeTrueFalse grades "true" or "false" in any case, surrounding space and
// punctuation ignored.
func gradeTrueFalse(q *Question, answer string) Result {
	a := normalize(answer, false)
	if a != "true" && a != "false" {
		return Result{Feedback: q.DefaultFeedback}
	}
	return Result{Correct: a == strings.ToLower(q.Answer), Feedback: q.DefaultFeedback}
}

// sealTrueFalse seals the two answers, "true" and "false".
func sealTrueFalse(w *sealer, q *Question) error {
	for _, v := range []string{"true", "false"} {
		if err := w.exact(v, v == strings.ToLower(q.Answer), "", false); err != nil {
			return err
		}
	}
	return nil
}

// gradeTrueFalse grades a true_false answer with the sealed data.
func (s *Sealed) gradeTrueFalse(answer string) (Result, string) {
	a := normalize(answer, false)
	for i, e := range s.Entries {
		if bytes.Equal(digest(s.Salt, "match", a), e.Hash) {
			r, expl := s.open("box "+strconv.Itoa(i), a, e)
			return Result{Correct: r.Correct, Feedback: s.DefaultFeedback}, expl
		}
	}
	return Result{Feedback: s.DefaultFeedback}, ""
}

// trueFalseAnswer reads the answer of a true_false question: true, false,
// "True" or "False" (in any case).
func (b *builder) trueFalseAnswer(q *Question, v *value) {
	switch {
	case v.kind == kindBool:
		q.Answer = boolWord(v.boolean)
	case v.kind == kindString && strings.EqualFold(strings.TrimSpace(v.str), "true"):
		q.Answer = "True"
	case v.kind == kindString && strings.EqualFold(strings.TrimSpace(v.str), "false"):
		q.Answer = "False"
	case v.kind == kindString:
		b.errorf(v.start, "a true_false answer must be \"True\" or \"False\", not %q", v.str)
	default:
		b.errorf(v.start, "a true_false answer must be \"True\" or \"False\", not %s", v.kind)
	}
}

func boolWord(v bool) string {
	if v {
		return "True"
	}
	return "False"
}
