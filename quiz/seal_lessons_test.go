package quiz_test

import (
	"crypto/rand"
	"os"
	"testing"

	"github.com/k12notebooks/golessons/lessonbook"
	"github.com/k12notebooks/golessons/quiz"
)

// Every question of the lessons and of the jupyterquiz bank seals and grades
// its own right answer as right. (An external test: lessonbook, which finds
// the lessons' questions, imports quiz.)
func TestSealLessonQuestions(t *testing.T) {
	data, err := os.ReadFile("testdata/jupyterquiz/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := quiz.Parse(string(data))
	if err != nil {
		t.Fatal(err)
	}
	lessons, errs := lessonbook.Find("../notebooks")
	if len(lessons) == 0 || errs != nil {
		t.Fatalf("lessons %v, errors %v", lessons, errs)
	}
	for _, path := range lessons {
		cqs, probs := lessonbook.Check(path)
		if len(probs) > 0 {
			t.Fatalf("%s: %v", path, probs)
		}
		for _, cq := range cqs {
			qs = append(qs, cq.Question)
		}
	}
	for _, q := range qs {
		s, err := quiz.Seal(q, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if q.Type == quiz.Numeric || q.Ungraded() {
			continue // q.Answer may be a range ("1 to 2"); a reflection has none
		}
		if r, expl := s.Grade(q.Answer); !r.Correct || expl != q.Explanation {
			t.Errorf("%s (%s): its own answer %q grades %+v, explanation %q", q.ID, q.Type, q.Answer, r, expl)
		}
	}
}
