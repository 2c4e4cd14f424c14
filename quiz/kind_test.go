package quiz

import (
	"strings"
	"testing"
)

// TestKindsTable: every type has one complete Kind, the formats' type names
// come from the table, and Describe and SameAnswer follow the type.
func TestKindsTable(t *testing.T) {
	var types []string
	for _, k := range Kinds() {
		types = append(types, string(k.Type))
		if KindOf(k.Type) != k || k.Label == "" || k.Input == "" {
			t.Errorf("%s: incomplete %+v", k.Type, k)
		}
	}
	if got := strings.Join(types, ","); got != "freeform,true_false,multiple_choice,many_choice,numeric,reflection" {
		t.Errorf("kinds %s", got)
	}
	if got := strings.Join(LessonTypes(), ","); got != "freeform,true_false,multiple_choice,reflection" {
		t.Errorf("lesson types %s", got)
	}
	if got := strings.Join(JupyterQuizTypes(), ","); got != "string,multiple_choice,many_choice,numeric" {
		t.Errorf("jupyterquiz types %s", got)
	}
	if KindOf("essay") != nil {
		t.Error("a Kind for an unknown type")
	}
	// An incomplete Kind is refused when it registers.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("register took a Kind without grading")
			}
		}()
		register(&Kind{Type: "essay", Label: "Essay", LessonName: "essay"})
	}()
}

func TestDescribeAndSameAnswer(t *testing.T) {
	mc, err := ParseOne(`{"question_type": "multiple_choice", "question": "Q", "answer": "b",
		"options": [{"key": "a", "text": "One"}, {"key": "b", "text": "Two"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	free, err := ParseOne(`{"question_type": "freeform", "question": "Q", "answer": "stream"}`)
	if err != nil {
		t.Fatal(err)
	}
	label := func(o Option) string { return o.Key + ": " + o.Text }
	if got := mc.Describe(" B ,z", label); got != "b: Two; z" {
		t.Errorf("choice described as %q", got)
	}
	if got := free.Describe("a, b", label); got != "a, b" {
		t.Errorf("text described as %q", got)
	}
	if mc.SameAnswer("B, a") != mc.SameAnswer("a,b") || mc.SameAnswer("a") == mc.SameAnswer("b") {
		t.Error("choices grouped wrong")
	}
	if free.SameAnswer("“Stream.”") != free.SameAnswer("stream") {
		t.Error("texts grouped wrong")
	}
}

// A reflection has no answer, is never graded, and seals nothing.
func TestReflectionIsUngraded(t *testing.T) {
	q, err := ParseOne(`{"question_type": "reflection", "id": "reflect-1", "question": "What surprised you?"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Ungraded() || q.Kind().Input != InputLongText || q.Grade("anything at all") != (Result{}) {
		t.Errorf("reflection %+v", q)
	}
	s, err := Seal(q, strings.NewReader(strings.Repeat("x", 256)))
	if err != nil || len(s.Entries) != 0 {
		t.Errorf("sealed %+v %v", s, err)
	}
	if _, err := ParseOne(`{"question_type": "reflection", "question": "Why?", "answer": "because"}`); err == nil ||
		!strings.Contains(err.Error(), "a reflection has no right answer") {
		t.Errorf("a reflection with an answer: %v", err)
	}
	if q, _ := ParseOne(`{"question_type": "freeform", "question": "Q", "answer": "a"}`); q.Ungraded() {
		t.Error("a freeform question is ungraded")
	}
}
