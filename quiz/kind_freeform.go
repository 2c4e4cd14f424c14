package quiz

import (
	"bytes"
	"strconv"
	"strings"
)

// Freeform is a question answered with a short text: the lesson format's
// "freeform", jupyterquiz's "string".
const Freeform Type = "freeform"

func init() {
	register(&Kind{
		Type: Freeform, Label: "Short answer", LessonName: "freeform", JupyterQuizName: "string",
		Input: InputText, order: 10, lessonFields: []string{"accepted_answers"},
		lesson: func(b *builder, q *Question, obj *value, answer *member) {
			b.freeformAnswers(q, obj, answer != nil)
		},
		jupyterQuiz: func(b *builder, q *Question, _, list *value) { b.jqStrings(q, list) },
		grade:       (*Question).gradeText,
		seal:        (*sealer).freeform,
		gradeSealed: (*Sealed).gradeFreeform,
	})
}

// freeform seals each known answer: compared exactly (hashed) or, with a
// Fuzzy threshold, by distance (obfuscated).
func (w *sealer) freeform(q *Question) error {
	for _, t := range q.TextAnswers {
		n := normalize(t.Text, t.MatchCase)
		var err error
		if t.Fuzzy > 0 {
			err = w.obfuscated(n, t.Correct, t.Feedback, SealedEntry{MatchCase: t.MatchCase, Fuzzy: t.Fuzzy})
		} else {
			err = w.exact(n, t.Correct, t.Feedback, t.MatchCase)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// freeformAnswers reads the right answers of a freeform question: "answer"
// (when hasAnswer) and "accepted_answers".
func (b *builder) freeformAnswers(q *Question, obj *value, hasAnswer bool) {
	if hasAnswer {
		s, at, ok := b.str(obj, "answer", true)
		if ok && strings.TrimSpace(s) == "" {
			b.errorf(at, "\"answer\" is empty")
		}
		q.Answer = s
		q.TextAnswers = append(q.TextAnswers, TextAnswer{Text: s, Correct: true})
	}
	acc := obj.get("accepted_answers")
	if acc == nil {
		return
	}
	if acc.val.kind != kindArray {
		b.errorf(acc.val.start, "\"accepted_answers\" must be a list of strings, not %s", acc.val.kind)
		return
	}
	for _, e := range acc.val.elems {
		if e.kind != kindString && e.kind != kindNumber {
			b.errorf(e.start, "each accepted answer must be a string, not %s", e.kind)
			continue
		}
		s := e.str
		if e.kind == kindNumber {
			s = e.raw
		}
		if strings.TrimSpace(s) == "" {
			b.errorf(e.start, "an accepted answer is empty")
			continue
		}
		q.TextAnswers = append(q.TextAnswers, TextAnswer{Text: s, Correct: true})
	}
}

// jqStrings reads the answers of a jupyterquiz "string" question.
func (b *builder) jqStrings(q *Question, list *value) {
	for _, entry := range b.jqEntries(list, "answer", jqStringKeys, "a string answer") {
		e := entry.e
		if b.defaultEntry(q, e) {
			continue
		}
		var t TextAnswer
		text, at, ok := b.str(e, "answer", true)
		if e.get("answer") == nil {
			b.errorf(e.start, "answer without \"answer\" text")
		} else if ok && strings.TrimSpace(text) == "" {
			b.errorf(at, "empty answer text")
		}
		t.Text = text
		t.Correct = b.correct(e)
		t.Feedback, _, _ = b.str(e, "feedback", false)
		t.MatchCase, _ = b.boolean(e, "match_case")
		if f, at, present := b.number(e, "fuzzy_threshold"); present {
			if f < 0 || f > 1 {
				b.errorf(at, "\"fuzzy_threshold\" must be between 0 and 1")
			}
			t.Fuzzy = f
		}
		if t.Correct && q.Answer == "" {
			q.Answer = text
		}
		q.TextAnswers = append(q.TextAnswers, t)
	}
	if q.Answer == "" {
		b.errorf(list.start, "no answer is marked \"correct\": true")
	}
}

// gradeText grades a freeform answer: the answer and each known answer are
// compared after Normalize (case kept for answers with MatchCase; a Fuzzy
// threshold accepts near misses); the first known answer that matches
// decides.
func (q *Question) gradeText(answer string) Result {
	if normalize(answer, false) == "" {
		return Result{Feedback: q.DefaultFeedback}
	}
	for _, t := range q.TextAnswers {
		a, want := normalize(answer, t.MatchCase), normalize(t.Text, t.MatchCase)
		if a == want || (t.Fuzzy > 0 && similarity(a, want) >= t.Fuzzy) {
			return Result{Correct: t.Correct, Feedback: t.Feedback}
		}
	}
	return Result{Feedback: q.DefaultFeedback}
}

// gradeFreeform grades a freeform answer: an exact entry by its digest, an
// obfuscated one by similarity.
func (s *Sealed) gradeFreeform(answer string) (Result, string) {
	if normalize(answer, false) == "" {
		return Result{Feedback: s.DefaultFeedback}, ""
	}
	for i, e := range s.Entries {
		a := normalize(answer, e.MatchCase)
		if e.Plain != nil {
			want := s.plain(i)
			if a == want || similarity(a, want) >= e.Fuzzy {
				return s.open("box "+strconv.Itoa(i), want, e)
			}
		} else if bytes.Equal(digest(s.Salt, "match", a), e.Hash) {
			return s.open("box "+strconv.Itoa(i), a, e)
		}
	}
	return Result{Feedback: s.DefaultFeedback}, ""
}
