package quiz

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
)

// sealCases are graded from the question and from its sealed form; both must
// agree, and the explanation must come out of the sealed form exactly when
// the answer is right.
var sealCases = []struct {
	json    string
	answers []string
}{
	{`{"question_type": "freeform", "question": "Q", "answer": "stream", "accepted_answers": ["Stream: true", "stream=True"], "explanation": "Stream: true — ünïcode ✔ and long enough to need two keystream blocks of thirty-two bytes."}`,
		[]string{"stream", "Stream.", "`stream`", "stream: TRUE", "stream=true", "stream = true", "streaming", "", "  ", "zzz"}},
	{`{"question_type": "true_false", "question": "Q", "answer": "False", "explanation": "Because."}`,
		[]string{"false", "FALSE.", "True", "yes", ""}},
	{`{"question_type": "multiple_choice", "question": "Q", "options": [{"key": "a", "text": "A", "feedback": "No: a is whole."}, {"key": "B", "text": "B", "feedback": "Yes: a delta."}, {"key": "c", "text": "C"}], "answer": "B", "explanation": "Deltas."}`,
		[]string{"a", "b", "B", " b ", "c", "d", "", "a,b"}},
	{`{"type": "string", "question": "Q", "explanation": "HTTP!", "answers": [
		{"answer": "HTTP", "correct": true, "match_case": true, "feedback": "Yes."},
		{"answer": "hypertext transfer protocol", "correct": true, "fuzzy_threshold": 0.8},
		{"answer": "FTP", "correct": false, "feedback": "That moves files."},
		{"answer": "gopher", "correct": false},
		{"type": "default", "feedback": "Try again."}]}`,
		[]string{"HTTP", "http", "Hypertext Transfer Protocl", "hypertext", "ftp", "gopher", "telnet", ""}},
	{`{"type": "many_choice", "question": "Q", "explanation": "A and C.", "answers": [
		{"answer": "A", "correct": true, "feedback": "A yes."}, {"answer": "B", "correct": false, "feedback": "B no."},
		{"answer": "C", "correct": true}]}`,
		[]string{"a,c", "c, a", "A,C", "a", "a,b,c", "a,,c", "", "a,z", "b", "a,a,c"}},
	{`{"type": "multiple_choice", "question": "Q", "answers": [{"answer": "x", "correct": true, "feedback": "Yes."}, {"answer": "y", "correct": true}, {"answer": "z", "correct": false}]}`,
		[]string{"a", "b", "c", "d"}},
	{`{"type": "numeric", "question": "Q", "precision": 3, "explanation": "Pi.", "answers": [
		{"type": "value", "value": 3.14, "correct": true, "feedback": "Correct."},
		{"type": "range", "range": [3.142857, 3.142858], "correct": true, "feedback": "22/7."},
		{"type": "range", "range": [-100000000, 0], "correct": false, "feedback": "Negative."},
		{"type": "default", "feedback": "Area of a unit circle."}]}`,
		[]string{"3.14", "3.14159", "+3.14", "-1", "0", "3", "pi", " 3.14 ", "1e400"}},
}

func TestSealedGradesLikeTheQuestion(t *testing.T) {
	for _, c := range sealCases {
		q, err := ParseOne(c.json)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Seal(q, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		// Through JSON, as the page gets it.
		data, _ := json.Marshal(s)
		var back Sealed
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		rights := 0
		for _, a := range c.answers {
			want := q.Grade(a)
			got, expl := back.Grade(a)
			if got != want {
				t.Errorf("%s\n  answer %q: sealed %+v, question %+v", q.Text, a, got, want)
			}
			wantExpl := ""
			if want.Correct {
				wantExpl = q.Explanation
				rights++
			}
			if expl != wantExpl {
				t.Errorf("%s: answer %q: explanation %q, want %q", q.Type, a, expl, wantExpl)
			}
		}
		if rights == 0 || rights == len(c.answers) {
			t.Errorf("%s: %d of %d answers right: the case tests too little", q.Type, rights, len(c.answers))
		}
	}
}

// The sealed data holds no answer, feedback or explanation in readable form,
// and nothing that marks the right entries out from the wrong ones.
func TestSealedDataRevealsNothing(t *testing.T) {
	for _, c := range sealCases {
		q, _ := ParseOne(c.json)
		s, err := Seal(q, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(s)
		// (The type "true_false" holds the words true and false.)
		page := strings.ToLower(strings.Replace(string(data), `"type":"true_false"`, "", 1))
		var secrets []string
		for _, tx := range q.TextAnswers {
			secrets = append(secrets, tx.Text, tx.Feedback)
		}
		for _, o := range q.Options {
			secrets = append(secrets, o.Feedback)
		}
		for _, n := range q.Numbers {
			secrets = append(secrets, n.Feedback)
		}
		secrets = append(secrets, q.Explanation, q.Answer)
		for _, sec := range secrets {
			if len(sec) >= 3 && strings.Contains(page, strings.ToLower(sec)) {
				t.Errorf("%s: %q is readable in %s", q.Type, sec, data)
			}
		}
		for _, field := range []string{`"answer"`, `"correct"`, `"feedback"`, `"options"`, `"text"`} {
			if strings.Contains(page, field) {
				t.Errorf("%s: the data has a %s field: %s", q.Type, field, data)
			}
		}
		// Every entry has the same fields whether right or wrong.
		shape := func(e SealedEntry) [3]bool { return [3]bool{e.Hash != nil, e.Plain != nil, len(e.Box) >= 33} }
		for _, e := range s.Entries {
			if shape(e) != shape(s.Entries[0]) && q.Type != Freeform {
				t.Errorf("%s: entries differ in shape: %+v", q.Type, s.Entries)
			}
		}
	}
}

// Each showing has its own salt and key: two sealings of one question share
// no bytes worth comparing.
func TestSealIsSaltedEachTime(t *testing.T) {
	q, _ := ParseOne(sealCases[2].json)
	a, _ := Seal(q, rand.Reader)
	b, _ := Seal(q, rand.Reader)
	if bytes.Equal(a.Salt, b.Salt) || bytes.Equal(a.Entries[1].Hash, b.Entries[1].Hash) || bytes.Equal(a.Explanation, b.Explanation) {
		t.Errorf("two sealings look alike:\n%+v\n%+v", a, b)
	}
	// A fixed random stream gives fixed output (what the JavaScript test
	// relies on).
	fixed := func() *Sealed {
		s, err := Seal(q, bytes.NewReader(bytes.Repeat([]byte{7}, 1000)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	x, _ := json.Marshal(fixed())
	y, _ := json.Marshal(fixed())
	if !bytes.Equal(x, y) {
		t.Errorf("sealing with the same random bytes differs")
	}
	if _, err := Seal(q, bytes.NewReader(make([]byte, 20))); err == nil {
		t.Errorf("sealing with too few random bytes did not fail")
	}
}
