package quiz

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"stream", "stream"},
		{"  Stream.  ", "stream"},
		{"`stream`", "stream"},
		{"\"stream\"", "stream"},
		{"'stream'!", "stream"},
		{"“Stream”?", "stream"},
		{"the   `stream`\tparameter", "the stream parameter"},
		{"stream=True", "stream=true"},
		{"C#", "c#"},
		{"-1", "-1"},
		{"f()", "f()"},
		{"don’t", "dont"},
		{"...", ""},
		{"\u00a0stream\u00a0", "stream"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// gradeTable is shared with the widget's script test (helpers), so that the
// browser grades exactly like Go.
var gradeTable = []struct {
	json   string
	answer string
	want   bool
}{
	{`{"question_type": "freeform", "question": "Q", "answer": "stream"}`, "Stream.", true},
	{`{"question_type": "freeform", "question": "Q", "answer": "stream"}`, "`stream`", true},
	{`{"question_type": "freeform", "question": "Q", "answer": "stream"}`, "stream=True", false},
	{`{"question_type": "freeform", "question": "Q", "answer": "stream", "accepted_answers": ["stream=True"]}`, "Stream = True", false},
	{`{"question_type": "freeform", "question": "Q", "answer": "stream", "accepted_answers": ["stream=True"]}`, "stream=true", true},
	{`{"question_type": "freeform", "question": "Q", "answer": "C#"}`, "C", false},
	{`{"question_type": "true_false", "question": "Q", "answer": "True"}`, " true ", true},
	{`{"question_type": "true_false", "question": "Q", "answer": "False"}`, "FALSE", true},
	{`{"question_type": "true_false", "question": "Q", "answer": "False"}`, "True", false},
	{`{"question_type": "multiple_choice", "question": "Q", "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}], "answer": "b"}`, "B", true},
	{`{"question_type": "multiple_choice", "question": "Q", "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}], "answer": "b"}`, "a", false},
	{`{"type": "numeric", "question": "Q", "answers": [{"value": 2.5, "correct": true}]}`, "2.50", true},
	{`{"type": "numeric", "question": "Q", "answers": [{"value": 2.5, "correct": true}]}`, "0x2", false},
	{`{"type": "numeric", "question": "Q", "precision": 2, "answers": [{"value": 0.33, "correct": true}]}`, "0.3333", true},
	{`{"type": "numeric", "question": "Q", "answers": [{"range": [1, 2], "correct": true}]}`, "2", true},
	{`{"type": "numeric", "question": "Q", "answers": [{"range": [1, 2], "correct": true}]}`, "2.01", false},
	{`{"type": "many_choice", "question": "Q", "answers": [{"answer": "A", "correct": true}, {"answer": "B", "correct": false}, {"answer": "C", "correct": true}]}`, "c,a", true},
	{`{"type": "many_choice", "question": "Q", "answers": [{"answer": "A", "correct": true}, {"answer": "B", "correct": false}, {"answer": "C", "correct": true}]}`, "a", false},
	{`{"type": "string", "question": "Q", "answers": [{"answer": "Paris", "correct": true, "fuzzy_threshold": 0.7}]}`, "pariss", true},
	{`{"type": "string", "question": "Q", "answers": [{"answer": "Paris", "correct": true}]}`, "pariss", false},
}

func TestGradeTable(t *testing.T) {
	for _, tt := range gradeTable {
		q, err := ParseOne(tt.json)
		if err != nil {
			t.Fatalf("%s: %v", tt.json, err)
		}
		if got := q.Grade(tt.answer).Correct; got != tt.want {
			t.Errorf("%s\n  answer %q: correct=%v, want %v", tt.json, tt.answer, got, tt.want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, s := range []string{"3", "-3.5", "+2", ".5", "1e3", " 7 ", "2."} {
		if _, ok := ParseNumber(s); !ok {
			t.Errorf("ParseNumber(%q) failed", s)
		}
	}
	for _, s := range []string{"", "abc", "0x10", "1_000", "Inf", "NaN", "1,5", "--1"} {
		if f, ok := ParseNumber(s); ok {
			t.Errorf("ParseNumber(%q) = %v, want failure", s, f)
		}
	}
}
