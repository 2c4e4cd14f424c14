package quiz

import (
	"bytes"
	"strconv"
	"strings"
)

// ManyChoice is a question answered by choosing every right option:
// jupyterquiz's "many_choice".
const ManyChoice Type = "many_choice"

func init() {
	register(&Kind{
		Type: ManyChoice, Label: "Choose all that apply", JupyterQuizName: "many_choice",
		Input: InputOptions, order: 40,
		jupyterQuiz: func(b *builder, q *Question, _, list *value) { b.jqChoices(q, list, true) },
		grade:       (*Question).gradeMany,
		seal:        func(w *sealer, q *Question) error { return w.choices(q, true) },
		gradeSealed: (*Sealed).gradeMany,
		describe:    describeChoices,
		same:        sameChoices,
	})
}

// gradeMany grades option keys separated by commas, in any order: right when
// they are exactly the correct options, with every chosen option's feedback.
func (q *Question) gradeMany(answer string) Result {
	chosen := map[string]bool{}
	var feedback []string
	for _, part := range strings.Split(answer, ",") {
		key := strings.TrimSpace(part)
		if key == "" {
			continue
		}
		found := false
		for _, o := range q.Options {
			if strings.EqualFold(o.Key, key) {
				if !chosen[o.Key] && o.Feedback != "" {
					feedback = append(feedback, o.Feedback)
				}
				chosen[o.Key] = true
				found = true
			}
		}
		if !found {
			return Result{Feedback: q.DefaultFeedback}
		}
	}
	if len(chosen) == 0 {
		return Result{Feedback: q.DefaultFeedback}
	}
	right := true
	for _, o := range q.Options {
		if o.Correct != chosen[o.Key] {
			right = false
		}
	}
	return Result{Correct: right, Feedback: strings.Join(feedback, " ")}
}

// gradeMany grades a many_choice answer, keys separated by commas: right
// when the set of keys is the right set, with every chosen option's
// feedback.
func (s *Sealed) gradeMany(answer string) (Result, string) {
	none := Result{Feedback: s.DefaultFeedback}
	var chosen, feedback []string
	seen := map[string]bool{}
	for _, part := range strings.Split(answer, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		i, k := s.option(part)
		if i < 0 {
			return none, ""
		}
		if !seen[k] {
			seen[k] = true
			chosen = append(chosen, k)
			if r, _ := s.open("box "+strconv.Itoa(i), k, s.Entries[i]); r.Feedback != "" {
				feedback = append(feedback, r.Feedback)
			}
		}
	}
	if len(chosen) == 0 {
		return none, ""
	}
	out := Result{Feedback: strings.Join(feedback, " ")}
	if n := keySet(chosen); s.Set != nil && bytes.Equal(digest(s.Salt, "match", n), s.Set.Hash) {
		r, expl := s.open("box set", n, *s.Set)
		out.Correct = r.Correct
		return out, expl
	}
	return out, ""
}
