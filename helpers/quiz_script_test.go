package helpers

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/quiz"
)

// runQuizJS runs the widget's script (as shipped, compacted) under Node.js
// with a harness that reads input as JSON and prints JSON to out.
func runQuizJS(t *testing.T, harness string, input, out any) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the script's grading is not compared with Go's")
	}
	in, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "harness.js")
	src := quizScript + "\nconst input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" + harness
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, file)
	cmd.Stdin = strings.NewReader(string(in))
	stdout, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node: %v\n%s", err, stderr)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("node printed %q: %v", stdout, err)
	}
}

// gradeCases are graded by Go and by the browser script; both must agree.
var gradeCases = []struct {
	json    string
	answers []string
}{
	{seedFreeform, []string{"stream", "Stream.", "`stream`", "“stream”", " 'STREAM'! ", "stream=True", "streaming", "", "  ", "st ream"}},
	{seedTrueFalse, []string{"True", "true", "TRUE.", "False", "yes", "", "t"}},
	{seedMultiple, []string{"b", "B", " b ", "a", "e", "", "b,c"}},
	{`{"question_type": "freeform", "question": "Q", "answer": "C#", "accepted_answers": ["c sharp", "stream=True"]}`,
		[]string{"C#", "c#.", "C", "C  Sharp", "Stream=true", "stream = true", "\u00a0c#\u00a0", "\u0085c#"}},
	{`{"type": "string", "question": "Q", "answers": [
		{"answer": "HTTP", "correct": true, "match_case": true, "feedback": "Yes."},
		{"answer": "hypertext transfer protocol", "correct": true, "fuzzy_threshold": 0.8},
		{"answer": "FTP", "correct": false, "feedback": "That moves files."},
		{"type": "default", "feedback": "Try again."}]}`,
		[]string{"HTTP", "http", "Hypertext Transfer Protocl", "hypertext", "ftp", "gopher", "“HTTP”", "naïve"}},
	{`{"type": "many_choice", "question": "Q", "answers": [
		{"answer": "A", "correct": true, "feedback": "A yes."}, {"answer": "B", "correct": false, "feedback": "B no."},
		{"answer": "C", "correct": true}]}`,
		[]string{"a,c", "c, a", "A,C", "a", "a,b,c", "a,,c", "", "a,z", "b"}},
	{`{"type": "multiple_choice", "question": "Q", "answers": [{"answer": "x", "correct": false, "feedback": "No."}, {"answer": "y", "correct": true, "feedback": "Yes."}]}`,
		[]string{"a", "b", "c"}},
	{`{"type": "numeric", "question": "Q", "precision": 3, "answers": [
		{"type": "value", "value": 3.14, "correct": true, "feedback": "Correct."},
		{"type": "range", "range": [3.142857, 3.142858], "correct": true, "feedback": "22/7."},
		{"type": "range", "range": [-100000000, 0], "correct": false, "feedback": "Negative."},
		{"type": "default", "feedback": "Area of a unit circle."}]}`,
		[]string{"3.14", "3.14159", "3.1416", "+3.14", "3.14e0", ".314e1", "-1", "0", "3", "pi", "0x3", "1,5", " 3.14 ", "1e400", "3.145"}},
	{`{"type": "numeric", "question": "Q", "answers": [{"value": 0.1, "correct": true}, {"range": [1, 2], "correct": true}]}`,
		[]string{"0.1", "0.10000000001", "0.1000001", "1", "2", "2.0000001", "1.5"}},
}

func TestScriptGradesLikeGo(t *testing.T) {
	type jsCase struct {
		Data    quizWidgetData `json:"data"`
		Answers []string       `json:"answers"`
	}
	var input []jsCase
	var want [][]quiz.Result
	for _, c := range gradeCases {
		q := mustQuestion(t, c.json)
		input = append(input, jsCase{Data: widgetData(q), Answers: c.answers})
		var rs []quiz.Result
		for _, a := range c.answers {
			rs = append(rs, q.Grade(a))
		}
		want = append(want, rs)
	}
	var got [][]struct {
		Correct  bool   `json:"correct"`
		Feedback string `json:"feedback"`
	}
	runQuizJS(t, `console.log(JSON.stringify(input.map(c => c.answers.map(a => golessonsQuiz.grade(c.data, a)))));`, input, &got)
	if len(got) != len(want) {
		t.Fatalf("script graded %d cases, want %d", len(got), len(want))
	}
	for i, c := range gradeCases {
		for j, a := range c.answers {
			g, w := got[i][j], want[i][j]
			if g.Correct != w.Correct || g.Feedback != w.Feedback {
				t.Errorf("case %d, answer %q: script says %+v, Go says %+v", i, a, g, w)
			}
		}
	}
	// The table is not trivially all-right or all-wrong.
	if !want[0][0].Correct || want[0][6].Correct || !want[7][1].Correct || want[7][0].Feedback != "Correct." {
		t.Errorf("unexpected Go grades: %+v %+v", want[0], want[7])
	}
}

func TestScriptNormalizesLikeGo(t *testing.T) {
	in := []string{" `Stream`. ", "“Hello,  World!”", "don’t\tstop…", "Ünïcödé ÀÉ", "a\u00a0b\u2003c", "\u0085x\u0085", "...", "-1", "C#", "İstanbul", "ΟΔΟΣ ΣΑΣ", "«x» ‹y›", "a.b", "?!x!?"}
	var got []string
	runQuizJS(t, `console.log(JSON.stringify(input.map(s => golessonsQuiz.normalize(s, false))));`, in, &got)
	for i, s := range in {
		if got[i] != quiz.Normalize(s) {
			t.Errorf("normalize(%q): script %q, Go %q", s, got[i], quiz.Normalize(s))
		}
	}
}

func TestScriptMergesLikeGo(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a := &quiz.Record{Answer: "b", Correct: true, Time: ts("2025-01-01T10:05:00Z"), Attempts: 2, Question: "Q",
		History: []quiz.Attempt{{Answer: "a", Time: ts("2025-01-01T10:00:00Z")}, {Answer: "b", Correct: true, Time: ts("2025-01-01T10:05:00Z")}}}
	b := &quiz.Record{Answer: "c", Time: ts("2025-01-01T10:03:00Z"), Attempts: 2,
		History: []quiz.Attempt{{Answer: "a", Time: ts("2025-01-01T10:00:00Z")}, {Answer: "c", Time: ts("2025-01-01T10:03:00Z")}}}
	old := &quiz.Record{Answer: "z", Time: ts("2024-12-31T00:00:00Z"), Attempts: 5}
	cases := [][2]*quiz.Record{{a, b}, {b, a}, {old, a}, {nil, b}}
	var got []struct {
		Answer   string         `json:"answer"`
		Correct  bool           `json:"correct"`
		Time     time.Time      `json:"time"`
		Attempts int            `json:"attempts"`
		Question string         `json:"question"`
		History  []quiz.Attempt `json:"history"`
	}
	runQuizJS(t, `console.log(JSON.stringify(input.map(c => golessonsQuiz.mergeRecords(c[0], c[1]))));`, cases, &got)
	for i, c := range cases {
		w := quiz.MergeRecords(c[0], c[1])
		g := got[i]
		if g.Answer != w.Answer || g.Correct != w.Correct || !g.Time.Equal(w.Time) || g.Attempts != w.Attempts || g.Question != w.Question || len(g.History) != len(w.History) {
			t.Errorf("case %d: script %+v, Go %+v", i, g, w)
			continue
		}
		for j := range w.History {
			if g.History[j].Answer != w.History[j].Answer || !g.History[j].Time.Equal(w.History[j].Time) {
				t.Errorf("case %d history %d: script %+v, Go %+v", i, j, g.History[j], w.History[j])
			}
		}
	}
}
