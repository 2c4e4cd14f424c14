package quiz

import (
	"strconv"
	"strings"
)

// MultipleChoice is a question answered by choosing one option: the lesson
// format's and jupyterquiz's "multiple_choice".
const MultipleChoice Type = "multiple_choice"

func init() {
	register(&Kind{
		Type: MultipleChoice, Label: "Multiple choice", LessonName: "multiple_choice", JupyterQuizName: "multiple_choice",
		Input: InputOneOption, order: 30, lessonFields: []string{"options"},
		lesson: func(b *builder, q *Question, obj *value, answer *member) {
			b.lessonOptions(q, obj)
			if answer != nil && len(q.Options) > 0 {
				b.choiceAnswer(q, obj)
			}
		},
		jupyterQuiz: func(b *builder, q *Question, _, list *value) { b.jqChoices(q, list, false) },
		grade:       gradeMultiple,
		seal:        func(w *sealer, q *Question) error { return w.choices(q, false) },
		gradeSealed: (*Sealed).gradeMultiple,
		describe:    describeChoices,
		same:        sameChoices,
	})
}

// gradeMultiple grades the key of an option, in any case.
func gradeMultiple(q *Question, answer string) Result {
	key := strings.TrimSpace(answer)
	for _, o := range q.Options {
		if strings.EqualFold(o.Key, key) {
			return Result{Correct: o.Correct, Feedback: o.Feedback}
		}
	}
	return Result{Feedback: q.DefaultFeedback}
}

// gradeMultiple grades a multiple_choice answer with the sealed data.
func (s *Sealed) gradeMultiple(answer string) (Result, string) {
	if i, k := s.option(answer); i >= 0 {
		return s.open("box "+strconv.Itoa(i), k, s.Entries[i])
	}
	return Result{Feedback: s.DefaultFeedback}, ""
}

// lessonOptions reads the "options" of a lesson-format multiple_choice question.
func (b *builder) lessonOptions(q *Question, obj *value) {
	om := obj.get("options")
	if om == nil {
		b.errorf(obj.start, "missing \"options\": a multiple_choice question needs a list of {\"key\", \"text\"} options")
		return
	}
	if om.val.kind != kindArray {
		b.errorf(om.val.start, "\"options\" must be a list of {\"key\", \"text\"} objects, not %s", om.val.kind)
		return
	}
	if len(om.val.elems) < 2 {
		b.errorf(om.val.start, "a multiple_choice question needs at least two options")
	}
	seen := map[string]int{}
	for _, e := range om.val.elems {
		if e.kind != kindObject {
			b.errorf(e.start, "each option is an object {\"key\": ..., \"text\": ...}, not %s", e.kind)
			continue
		}
		b.fields(e, lessonOptionKeys, "an option")
		var o Option
		key, at, ok := b.str(e, "key", true)
		switch {
		case e.get("key") == nil:
			b.errorf(e.start, "option without a \"key\"")
		case ok && strings.TrimSpace(key) == "":
			b.errorf(at, "empty option key")
		case ok && strings.ContainsRune(key, ','):
			b.errorf(at, "option key %q must not contain a comma", key)
		case ok:
			norm := strings.ToLower(strings.TrimSpace(key))
			if _, dup := seen[norm]; dup {
				b.errorf(at, "duplicate option key %q", key)
			}
			seen[norm] = at
		}
		o.Key = strings.TrimSpace(key)
		text, at, ok := b.str(e, "text", true)
		if e.get("text") == nil {
			b.errorf(e.start, "option %q has no \"text\"", o.Key)
		} else if ok && strings.TrimSpace(text) == "" {
			b.errorf(at, "option %q has empty text", o.Key)
		}
		o.Text = text
		o.Feedback, _, _ = b.str(e, "feedback", false)
		q.Options = append(q.Options, o)
	}
}

// choiceAnswer marks the option whose key "answer" names as the right one.
func (b *builder) choiceAnswer(q *Question, obj *value) {
	s, at, ok := b.str(obj, "answer", true)
	if !ok {
		return
	}
	key := strings.TrimSpace(s)
	found := false
	for i := range q.Options {
		if strings.EqualFold(q.Options[i].Key, key) {
			q.Options[i].Correct = true
			q.Answer = q.Options[i].Key
			found = true
		}
	}
	if !found {
		keys := make([]string, len(q.Options))
		for i, o := range q.Options {
			keys[i] = o.Key
		}
		b.errorf(at, "answer %q is not one of the option keys (%s)", s, strings.Join(keys, ", "))
	}
	q.KeysShown = !q.Shuffle
}
