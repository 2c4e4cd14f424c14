package quiz

import (
	"os"
	"strings"
	"testing"
)

// seedBlocks returns the three question blocks of the original lesson, as
// written there (typographic quotes used as JSON quotes).
func seedBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("testdata/seed_blocks.txt")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(blocks) != 3 {
		t.Fatalf("testdata/seed_blocks.txt has %d blocks, want 3", len(blocks))
	}
	return blocks
}

func TestParseSeedBlocksVerbatim(t *testing.T) {
	blocks := seedBlocks(t)
	for _, b := range blocks {
		if !strings.Contains(b, "“question_type”") {
			t.Fatalf("seed block lost its typographic quotes: %s", b)
		}
	}

	free, err := ParseOne(blocks[0])
	if err != nil {
		t.Fatalf("freeform block: %v", err)
	}
	if free.Type != Freeform || free.Format != LessonFormat {
		t.Errorf("type %q format %q, want freeform lesson", free.Type, free.Format)
	}
	if free.Text != "What parameter do you set to True in the API call to enable streaming?" {
		t.Errorf("question text %q", free.Text)
	}
	if free.Answer != "stream" || free.SubmittedAnswer != "" || free.Points != 1 {
		t.Errorf("answer %q submitted %q points %v", free.Answer, free.SubmittedAnswer, free.Points)
	}
	if free.ID != DefaultID(free.Text) || !strings.HasPrefix(free.ID, "q-") || len(free.ID) != 10 || !free.IDDerived {
		t.Errorf("derived id %q", free.ID)
	}

	tf, err := ParseOne(blocks[1])
	if err != nil {
		t.Fatalf("true_false block: %v", err)
	}
	if tf.Type != TrueFalse || tf.Answer != "True" {
		t.Errorf("true_false: type %q answer %q", tf.Type, tf.Answer)
	}
	if !strings.HasPrefix(tf.Text, "Without streaming, the full response") {
		t.Errorf("true_false text %q", tf.Text)
	}

	mc, err := ParseOne(blocks[2])
	if err != nil {
		t.Fatalf("multiple_choice block: %v", err)
	}
	if mc.Type != MultipleChoice || mc.Answer != "b" || len(mc.Options) != 4 || !mc.KeysShown {
		t.Fatalf("multiple_choice: %+v", mc)
	}
	if got := mc.Options[3].Text; got != "The model’s confidence score" {
		t.Errorf("option d text %q: the apostrophe inside the text must stay", got)
	}
	if mc.Text != "What does chunk.choices[0].delta.content contain during streaming?" {
		t.Errorf("question text %q", mc.Text)
	}
	for i, o := range mc.Options {
		if o.Correct != (o.Key == "b") {
			t.Errorf("option %d (%s) correct=%v", i, o.Key, o.Correct)
		}
	}

	// The three IDs differ, and are stable.
	again, _ := ParseOne(blocks[2])
	if again.ID != mc.ID || mc.ID == free.ID || mc.ID == tf.ID || tf.ID == free.ID {
		t.Errorf("ids not stable or not distinct: %s %s %s", free.ID, tf.ID, mc.ID)
	}
}

func TestParseSeedBlocksGrade(t *testing.T) {
	blocks := seedBlocks(t)
	qs := make([]*Question, 3)
	for i, b := range blocks {
		q, err := ParseOne(b)
		if err != nil {
			t.Fatal(err)
		}
		qs[i] = q
	}
	tests := []struct {
		q      int
		answer string
		want   bool
	}{
		{0, "stream", true},
		{0, "Stream", true},
		{0, " stream. ", true},
		{0, "`stream`", true},
		{0, "\"stream\"", true},
		{0, "“stream”", true},
		{0, "streaming", false},
		{0, "", false},
		{1, "True", true},
		{1, "true", true},
		{1, "TRUE", true},
		{1, "False", false},
		{1, "yes", false},
		{2, "b", true},
		{2, "B", true},
		{2, "a", false},
		{2, "e", false},
	}
	for _, tt := range tests {
		if got := qs[tt.q].Grade(tt.answer).Correct; got != tt.want {
			t.Errorf("question %d, answer %q: correct=%v, want %v", tt.q, tt.answer, got, tt.want)
		}
	}
}

func TestParseStrictJSONAndList(t *testing.T) {
	qs, err := Parse(`[
  {"question_type": "freeform", "question": "Q1", "answer": "x", "id": "first",
   "explanation": "Because.", "hint": "Think.", "points": 2, "accepted_answers": ["ex", "the x"]},
  {"question_type": "multiple_choice", "question": "Q2", "shuffle": true,
   "options": [{"key": "a", "text": "A", "feedback": "No: A is wrong."}, {"key": "b", "text": "B"}],
   "answer": "a"},
  {"question_type": "true_false", "question": "Q3", "answer": false}
]`)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 3 {
		t.Fatalf("got %d questions", len(qs))
	}
	q := qs[0]
	if q.ID != "first" || q.IDDerived || q.Explanation != "Because." || q.Hint != "Think." || q.Points != 2 {
		t.Errorf("optional fields: %+v", q)
	}
	if len(q.TextAnswers) != 3 || !q.Grade("The X!").Correct || !q.Grade("ex").Correct || q.Grade("y").Correct {
		t.Errorf("accepted answers: %+v", q.TextAnswers)
	}
	if !qs[1].Shuffle || qs[1].KeysShown {
		t.Errorf("shuffle: shuffle=%v keysShown=%v", qs[1].Shuffle, qs[1].KeysShown)
	}
	if r := qs[1].Grade("a"); !r.Correct || r.Feedback != "No: A is wrong." {
		t.Errorf("option feedback: %+v", r)
	}
	if qs[2].Answer != "False" || !qs[2].Grade("false").Correct {
		t.Errorf("boolean answer: %q", qs[2].Answer)
	}
	if qs[1].Line != 4 || qs[1].Col != 3 {
		t.Errorf("second question at %d:%d, want 4:3", qs[1].Line, qs[1].Col)
	}
}

func TestTypographicQuotesKeepTextQuotes(t *testing.T) {
	q, err := ParseOne(`{ “question_type”: “freeform”, “question”: “What does “stream” do, and isn’t it ‘lazy’?”, “answer”: “It’s “on”” }`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != "What does “stream” do, and isn’t it ‘lazy’?" {
		t.Errorf("text %q", q.Text)
	}
	if q.Answer != "It’s “on”" {
		t.Errorf("answer %q", q.Answer)
	}
	// Mixed straight and typographic quotes (a half-corrected paste).
	q, err = ParseOne(`{"question_type": “true_false", “question": “It says "hi" here?", "answer": "true"}`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Text != `It says "hi" here?` || q.Answer != "True" {
		t.Errorf("mixed quotes: text %q answer %q", q.Text, q.Answer)
	}
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"unknown type", `{"question_type": "multi_choice", "question": "Q", "answer": "a"}`,
			1, 19, `unknown question_type "multi_choice" (want freeform, true_false, multiple_choice or reflection); did you mean "multiple_choice"?`},
		{"missing question", "{\n  \"question_type\": \"freeform\",\n  \"answer\": \"a\"\n}",
			1, 1, `missing "question"`},
		{"missing answer", "{\"question_type\": \"freeform\",\n \"question\": \"Q\"}",
			1, 1, `missing "answer"`},
		{"answer not a key", "{\"question_type\": \"multiple_choice\", \"question\": \"Q\",\n\"options\": [{\"key\": \"a\", \"text\": \"A\"}, {\"key\": \"b\", \"text\": \"B\"}],\n  \"answer\": \"c\"}",
			3, 13, `answer "c" is not one of the option keys (a, b)`},
		{"duplicate key", `{"question_type": "multiple_choice", "question": "Q", "options": [{"key": "a", "text": "A"}, {"key": "A", "text": "B"}], "answer": "a"}`,
			1, 102, `duplicate option key "A"`},
		{"empty key", `{"question_type": "multiple_choice", "question": "Q", "options": [{"key": "", "text": "A"}, {"key": "b", "text": "B"}], "answer": "b"}`,
			1, 75, `empty option key`},
		{"missing key", `{"question_type": "multiple_choice", "question": "Q", "options": [{"text": "A"}, {"key": "b", "text": "B"}], "answer": "b"}`,
			1, 67, `option without a "key"`},
		{"true_false answer", "{\"question_type\": \"true_false\", \"question\": \"Q\",\n   \"answer\": \"Yes\"}",
			2, 14, `a true_false answer must be "True" or "False", not "Yes"`},
		{"typographic true_false answer", `{ “question_type”: “true_false”, “question”: “Q”, “answer”: “Maybe” }`,
			1, 61, `a true_false answer must be "True" or "False", not "Maybe"`},
		{"unknown field", `{"question_type": "freeform", "question": "Q", "answer": "a", "explaination": "x"}`,
			1, 63, `unknown field "explaination" in a question; did you mean "explanation"?`},
		{"points negative", `{"question_type": "freeform", "question": "Q", "answer": "a", "points": -1}`,
			1, 73, `"points" must be 0 or more`},
		{"bad id", `{"question_type": "freeform", "question": "Q", "answer": "a", "id": "has space"}`,
			1, 69, `"id" "has space" must be`},
		{"both formats", `{"question_type": "freeform", "type": "string", "question": "Q", "answer": "a"}`,
			1, 31, `either "question_type"`},
		{"no type", `{"question": "Q", "answer": "a"}`, 1, 1, `missing "question_type"`},
		{"empty question", `{"question_type": "freeform", "question": "  ", "answer": "a"}`, 1, 43, `"question" is empty`},
		{"accepted on mc", `{"question_type": "true_false", "question": "Q", "answer": "True", "accepted_answers": ["x"]}`, 1, 68, `"accepted_answers" only applies`},
		{"duplicate ids", "[{\"question_type\": \"freeform\", \"question\": \"Q\", \"answer\": \"a\", \"id\": \"x\"},\n {\"question_type\": \"freeform\", \"question\": \"R\", \"answer\": \"a\", \"id\": \"x\"}]",
			2, 70, `duplicate question id "x" (also at line 1:70)`},
		{"jq unknown type", `{"type": "multi", "question": "Q", "answers": []}`, 1, 10, `unknown jupyterquiz type "multi"`},
		{"jq no correct", `{"type": "multiple_choice", "question": "Q", "answers": [{"answer": "A", "correct": false}]}`, 1, 57, `no answer is marked "correct": true`},
		{"jq missing correct", `{"type": "many_choice", "question": "Q", "answers": [{"answer": "A"}]}`, 1, 54, `answer without "correct"`},
		{"jq bad range", `{"type": "numeric", "question": "Q", "answers": [{"range": [2, 1], "correct": true}]}`, 1, 60, `"range" goes from low to high`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("no error, want %q", tt.msg)
			}
			var found *Error
			for _, e := range errs {
				if strings.Contains(e.Msg, tt.msg) {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("errors %v; want one containing %q", err, tt.msg)
			}
			if found.Line != tt.line || found.Col != tt.col {
				t.Errorf("at %d:%d, want %d:%d (%s)\n%s", found.Line, found.Col, tt.line, tt.col, found.Msg, found.Context)
			}
			wantCaret := strings.Repeat(" ", tt.col-1) + "^"
			if lines := strings.Split(found.Context, "\n"); len(lines) != 2 || lines[1] != wantCaret {
				t.Errorf("context %q, want a caret at column %d", found.Context, tt.col)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		line, col int
		msg       string
	}{
		{"missing comma", "{\"question_type\": \"freeform\"\n \"question\": \"Q\"}", 2, 2, "missing comma"},
		{"trailing comma", `{"question_type": "freeform", "question": "Q", "answer": "a",}`, 1, 62, "trailing comma"},
		{"unclosed brace", `{"question_type": "freeform"`, 1, 1, "never closed"},
		{"unclosed string", `{"question_type": "freeform`, 1, 19, "string is never closed"},
		{"single quotes", `{'question_type': 'freeform'}`, 1, 2, "single quotes"},
		{"Python True", `{"question_type": "true_false", "question": "Q", "answer": True}`, 1, 60, "lower case"},
		{"line break in string", "{\"question\": \"two\nlines\"}", 1, 18, "line break inside a string"},
		{"comment", "{\n // note\n}", 2, 2, "no comments"},
		{"duplicate field", `{"question": "a", "question": "b"}`, 1, 19, `duplicate field "question"`},
		{"garbage after", `{"question": "a"} x`, 1, 19, "after the end"},
		{"empty", "  \n ", 2, 2, "empty"},
		{"typographic missing colon", `{ “question_type” “freeform” }`, 1, 30, "expected ':'"},
		{"bad escape", `{"question": "a\qb"}`, 1, 16, `unknown escape \q`},
		{"leading zero", `{"points": 01}`, 1, 12, "cannot start with 0"},
		{"multibyte columns", `{"question": "é—ü"  "answer": 1}`, 1, 21, "missing comma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("message %q, want %q", e.Msg, tt.msg)
			}
			if e.Line != tt.line || e.Col != tt.col {
				t.Errorf("at %d:%d, want %d:%d\n%s", e.Line, e.Col, tt.line, tt.col, e.Context)
			}
			if !strings.HasSuffix(e.Context, "^") {
				t.Errorf("context has no caret: %q", e.Context)
			}
			if !strings.HasPrefix(e.Error(), "line ") {
				t.Errorf("Error() = %q", e.Error())
			}
		})
	}
}

func TestErrorListInSourceOrder(t *testing.T) {
	_, err := Parse("[{\"question_type\": \"nope\", \"question\": \"Q\", \"answer\": \"a\"},\n {\"question_type\": \"true_false\", \"question\": \"R\", \"answer\": \"x\"}]")
	errs := Errors(err)
	if len(errs) != 2 {
		t.Fatalf("got %d errors: %v", len(errs), err)
	}
	if errs[0].Line != 1 || errs[1].Line != 2 {
		t.Errorf("not in source order: %v", err)
	}
	if !strings.Contains(err.Error(), "\n") {
		t.Errorf("ErrorList.Error() should list one problem a line: %q", err.Error())
	}
}

func TestCaretKeepsTabs(t *testing.T) {
	got := Caret("a\n\tx: y", 2, 4)
	if got != "\tx: y\n\t  ^" {
		t.Errorf("Caret = %q", got)
	}
	if Caret("a", 3, 1) != "" {
		t.Error("Caret out of range should be empty")
	}
}

func TestJupyterQuizExamples(t *testing.T) {
	data, err := os.ReadFile("testdata/jupyterquiz/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Parse(string(data))
	if err != nil {
		t.Fatalf("jupyterquiz's examples/questions.json: %v", err)
	}
	if len(qs) != 8 {
		t.Fatalf("got %d questions, want 8", len(qs))
	}
	wantTypes := []Type{ManyChoice, ManyChoice, MultipleChoice, Numeric, Numeric, MultipleChoice, MultipleChoice, MultipleChoice}
	ids := map[string]bool{}
	for i, q := range qs {
		if q.Type != wantTypes[i] || q.Format != JupyterQuizFormat {
			t.Errorf("question %d: type %q format %q, want %q jupyterquiz", i+1, q.Type, q.Format, wantTypes[i])
		}
		if ids[q.ID] {
			t.Errorf("question %d: id %q repeated", i+1, q.ID)
		}
		ids[q.ID] = true
	}
	// The two numeric questions have the same text: derived IDs are told apart.
	if qs[4].ID != qs[3].ID+"-2" {
		t.Errorf("repeated text ids: %q then %q", qs[3].ID, qs[4].ID)
	}

	grade := []struct {
		q      int
		answer string
		want   bool
		fb     string
	}{
		{0, "a,b,c,d", true, "Correct. Correct. Correct. Correct."},
		{0, "d, c, b, a", true, ""},
		{0, "a,b,c", false, ""},
		{0, "a,b,c,d,e", false, ""},
		{2, "c", true, "Correct."},
		{2, "a", false, "False."},
		{3, "3.14", true, "Correct."},
		{3, "3.1428571", true, "True to 2 decimal places"},
		{3, "-2", false, "AREA"},
		{3, "3", false, "$\\pi$ is the area of a circle"},
		{3, "pi", false, "Enter a number"},
		{4, "3.14159", true, "Correct."}, // precision 3 rounds to 3.14
		{3, "3.14159", false, ""},        // no precision: not 3.14
		{5, "d", true, "concatenate"},
		{6, "b", true, ""},
		{6, "a", false, ""},
	}
	for _, g := range grade {
		r := qs[g.q].Grade(g.answer)
		if r.Correct != g.want || !strings.Contains(r.Feedback, g.fb) {
			t.Errorf("question %d answer %q: %+v, want correct=%v feedback containing %q", g.q+1, g.answer, r, g.want, g.fb)
		}
	}
	if !qs[6].Options[1].Code || qs[6].Options[1].Text != "mylist+=[3]" {
		t.Errorf("code answers: %+v", qs[6].Options)
	}
	if qs[5].Code != "a=\"1\"\nb=\"2\"\nprint(a+b)" {
		t.Errorf("question code %q", qs[5].Code)
	}
}

func TestJupyterQuizString(t *testing.T) {
	q, err := ParseOne(`{"type": "string", "question": "Name the protocol", "answers": [
		{"answer": "HTTP", "correct": true, "match_case": true, "feedback": "Yes."},
		{"answer": "hypertext transfer protocol", "correct": true, "fuzzy_threshold": 0.8},
		{"answer": "FTP", "correct": false, "feedback": "That moves files."},
		{"type": "default", "feedback": "Try again."}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if q.Type != Freeform || q.Answer != "HTTP" {
		t.Fatalf("type %q answer %q", q.Type, q.Answer)
	}
	tests := []struct {
		answer string
		want   bool
		fb     string
	}{
		{"HTTP", true, "Yes."},
		{"http", false, "Try again."}, // match_case
		{"hypertext transfer protocl", true, ""},
		{"ftp", false, "That moves files."},
		{"gopher", false, "Try again."},
	}
	for _, tt := range tests {
		r := q.Grade(tt.answer)
		if r.Correct != tt.want || r.Feedback != tt.fb {
			t.Errorf("answer %q: %+v, want correct=%v feedback %q", tt.answer, r, tt.want, tt.fb)
		}
	}
}
