package answerfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/quiz"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAnswersPath(t *testing.T) {
	tests := map[string]string{
		"notebooks/openai-streaming.ipynb":    "notebooks/openai-streaming.answers.json",
		"/home/a/lesson.ipynb":                "/home/a/lesson.answers.json",
		"openai-streaming.ipynb":              "openai-streaming.answers.json",
		"odd-name":                            "odd-name.answers.json",
		"dir.ipynb/openai-streaming.v2.ipynb": "dir.ipynb/openai-streaming.v2.answers.json",
	}
	for in, want := range tests {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnswersWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lesson.answers.json")
	a := New("lesson.ipynb")
	a.Add("q-1", Attempt{Answer: "streaming", Correct: false, Time: at("2025-03-04T10:14:40.001Z")}, "What parameter?", 1)
	a.Add("q-1", Attempt{Answer: "stream", Correct: true, Time: at("2025-03-04T10:15:02.125Z")}, "What parameter?", 1)
	if err := Write(path, a); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Answers["q-1"]
	if got.Version != Version || got.Notebook != "lesson.ipynb" || r == nil {
		t.Fatalf("read back %+v", got)
	}
	if r.Answer != "stream" || !r.Correct || r.Attempts != 2 || len(r.History) != 2 || !r.Time.Equal(at("2025-03-04T10:15:02.125Z")) {
		t.Errorf("record %+v", r)
	}
	if r.Points == nil || *r.Points != 1 || r.Question != "What parameter?" {
		t.Errorf("question copy: %+v", r)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want only the answers file", names)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"time": "2025-03-04T10:15:02.125Z"`) || !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("file content:\n%s", data)
	}
}

func TestReadAnswersWrittenByTheWidget(t *testing.T) {
	// The shape the browser script writes (JavaScript's toISOString times,
	// insertion order, two spaces).
	data := `{
  "version": 1,
  "notebook": "openai-streaming.ipynb",
  "answers": {
    "q-725a53e9": {
      "answer": "stream",
      "correct": true,
      "time": "2025-03-04T10:15:02.125Z",
      "attempts": 1,
      "question": "What parameter do you set to True in the API call to enable streaming?",
      "points": 1,
      "history": [{"answer": "stream", "correct": true, "time": "2025-03-04T10:15:02.125Z"}]
    }
  }
}`
	a, err := Parse([]byte(data), "x.answers.json")
	if err != nil {
		t.Fatal(err)
	}
	if r := a.Answers["q-725a53e9"]; r == nil || r.Answer != "stream" || !r.Correct {
		t.Errorf("record %+v", r)
	}
}

func TestReadAnswersMalformed(t *testing.T) {
	tests := []struct {
		name, data string
		line, col  int
		msg        string
	}{
		{"syntax", "{\n  \"answers\": {\n    \"q-1\": {\"answer\": \"a\",}\n  }\n}", 3, 27, "malformed JSON"},
		{"type", "{\"answers\": {\"q-1\": {\"answer\": 5}}}", 1, 32, "answers.answer holds a JSON number where a string was expected"},
		{"time", "{\"answers\": {\"q-1\": {\"answer\": \"a\", \"time\": \"yesterday\"}}}", 1, 45, "\"time\" is not a time"},
		{"history time", "{\"answers\": {\"q-1\": {\"answer\": \"a\", \"time\": \"2025-03-04T10:15:02Z\",\n  \"history\": [{\"time\": 5}]}}}", 2, 24, "\"time\" is not a time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "bad.answers.json")
			if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(path)
			if err == nil {
				t.Fatal("no error for a malformed file")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q should name the file and say %q", err, tt.msg)
			}
			var e *quiz.Error
			if tt.line > 0 {
				if !errors.As(err, &e) {
					t.Fatalf("error %v carries no position", err)
				}
				if e.Line != tt.line || e.Col != tt.col {
					t.Errorf("at %d:%d, want %d:%d\n%s", e.Line, e.Col, tt.line, tt.col, e.Context)
				}
			}

			// Update must leave the file alone.
			err = Update(path, "bad.ipynb", func(a *Answers) {
				a.Add("q-2", Attempt{Answer: "x", Time: time.Now()}, "", 1)
			})
			if err == nil || !strings.Contains(err.Error(), "not changed") {
				t.Errorf("Update on a malformed file: %v", err)
			}
			data, _ := os.ReadFile(path)
			if string(data) != tt.data {
				t.Errorf("malformed file was overwritten:\n%s", data)
			}
		})
	}
}

func TestReadAnswersMissingAndEmpty(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(filepath.Join(dir, "none.answers.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	a, err := Parse([]byte(" \n"), "empty.answers.json")
	if err != nil || len(a.Answers) != 0 {
		t.Errorf("blank file: %v %+v", err, a)
	}
}

func TestUpdateAnswersCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.answers.json")
	err := Update(path, "new.ipynb", func(a *Answers) {
		a.Add("q-1", Attempt{Answer: "b", Correct: true, Time: at("2025-01-01T00:00:00Z")}, "Q", 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Notebook != "new.ipynb" || a.Answers["q-1"].Answer != "b" || *a.Answers["q-1"].Points != 2 {
		t.Errorf("created %+v", a)
	}
}

func TestMergeTwoTabs(t *testing.T) {
	// Both tabs started from the same file with one attempt at q-1, then each
	// added its own attempts.
	base := Attempt{Answer: "a", Correct: false, Time: at("2025-01-01T10:00:00Z")}
	tab1 := New("l.ipynb")
	tab1.Add("q-1", base, "Q1", 1)
	tab1.Add("q-1", Attempt{Answer: "b", Correct: true, Time: at("2025-01-01T10:05:00Z")}, "Q1", 1)
	tab1.Add("q-2", Attempt{Answer: "True", Correct: true, Time: at("2025-01-01T10:06:00Z")}, "Q2", 1)

	tab2 := New("l.ipynb")
	tab2.Add("q-1", base, "Q1", 1)
	tab2.Add("q-1", Attempt{Answer: "c", Correct: false, Time: at("2025-01-01T10:03:00Z")}, "Q1", 1)
	tab2.Add("q-3", Attempt{Answer: "stream", Correct: true, Time: at("2025-01-01T10:01:00Z")}, "Q3", 1)

	for _, m := range []*Answers{Merge(tab1, tab2), Merge(tab2, tab1)} {
		if len(m.Answers) != 3 || m.Notebook != "l.ipynb" {
			t.Fatalf("merged %+v", m)
		}
		r := m.Answers["q-1"]
		if r.Answer != "b" || !r.Correct || !r.Time.Equal(at("2025-01-01T10:05:00Z")) {
			t.Errorf("latest of q-1: %+v", r)
		}
		var hist []string
		for _, h := range r.History {
			hist = append(hist, h.Answer)
		}
		if strings.Join(hist, ",") != "a,c,b" || r.Attempts != 3 {
			t.Errorf("q-1 history %v attempts %d, want a,c,b and 3", hist, r.Attempts)
		}
		if m.Answers["q-2"].Answer != "True" || m.Answers["q-3"].Answer != "stream" {
			t.Errorf("questions of one tab only were lost: %+v", m.Answers)
		}
	}
	// Inputs are not changed.
	if len(tab1.Answers["q-1"].History) != 2 {
		t.Errorf("Merge changed its input")
	}
}

func TestMergeRecordsWithoutHistory(t *testing.T) {
	// A hand-written record with no history still counts as an attempt.
	a := &Record{Answer: "x", Time: at("2025-01-01T00:00:00Z"), Attempts: 4}
	b := &Record{Answer: "y", Correct: true, Time: at("2025-01-02T00:00:00Z"), Attempts: 1,
		History: []Attempt{{Answer: "y", Correct: true, Time: at("2025-01-02T00:00:00Z")}}}
	m := MergeRecords(a, b)
	if m.Answer != "y" || !m.Correct || len(m.History) != 2 || m.Attempts != 4 {
		t.Errorf("merged %+v", m)
	}
	if MergeRecords(nil, nil) != nil {
		t.Error("MergeRecords(nil, nil) should be nil")
	}
}

// TestWriteAnswersIsAtomic reads the file while another goroutine rewrites
// it: a reader must never see a partial file.
func TestWriteAnswersIsAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.answers.json")
	big := New("race.ipynb")
	for i := 0; i < 200; i++ {
		big.Add(fmt.Sprintf("q-%03d", i), Attempt{Answer: strings.Repeat("x", 100), Time: at("2025-01-01T00:00:00Z")}, "Q", 1)
	}
	small := New("race.ipynb")
	small.Add("q-1", Attempt{Answer: "y", Time: at("2025-01-01T00:00:00Z")}, "Q", 1)
	if err := Write(path, big); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		for i := 0; i < 60; i++ {
			a := big
			if i%2 == 1 {
				a = small
			}
			if err := Write(path, a); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	reads := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if reads == 0 {
				t.Log("the writer finished before any read")
			}
			return
		default:
		}
		a, err := Read(path)
		if err != nil {
			t.Fatalf("read %d saw a partial file: %v", reads, err)
		}
		if n := len(a.Answers); n != 1 && n != 200 {
			t.Fatalf("read %d saw %d answers", reads, n)
		}
		reads++
	}
}

// GradeRecord grades the answer itself: a forged "correct" or "points" in the
// record changes nothing.
func TestGradeRecordIgnoresForgedFields(t *testing.T) {
	q, err := quiz.ParseOne(`{"question_type": "freeform", "question": "Q", "answer": "stream", "points": 2}`)
	if err != nil {
		t.Fatal(err)
	}
	thousand := 1000.0
	tests := []struct {
		name    string
		r       *Record
		correct bool
		score   float64
	}{
		{"wrong answer marked correct", &Record{Answer: "streaming", Correct: true, Points: &thousand}, false, 0},
		{"right answer with inflated points", &Record{Answer: "Stream.", Points: &thousand}, true, 2},
		{"right answer marked wrong", &Record{Answer: "stream", Correct: false}, true, 2},
		{"right only in an earlier attempt", &Record{Answer: "x", History: []Attempt{{Answer: "stream", Correct: true}}}, false, 0},
		{"not answered", nil, false, 0},
	}
	for _, tt := range tests {
		if c, s := GradeRecord(q, tt.r); c != tt.correct || s != tt.score {
			t.Errorf("%s: GradeRecord = %v, %v; want %v, %v", tt.name, c, s, tt.correct, tt.score)
		}
	}
}

// TestVersions: a file without "version" is version 1, versions 1 to
// Version are read, a newer one is refused with what to do and never
// written over, a version that is no whole number from 1 up is an error at
// its line:column.
func TestVersions(t *testing.T) {
	rec := `"answers": {"q-1": {"answer": "a", "time": "2025-01-01T00:00:00Z"}}`
	for _, data := range []string{"{" + rec + "}", `{"version": null, ` + rec + "}", `{"version": 1, ` + rec + "}"} {
		a, err := Parse([]byte(data), "f")
		if err != nil || a.Version != Version || a.Answers["q-1"] == nil || a.Answers["q-1"].Answer != "a" {
			t.Errorf("%s: %+v, %v", data, a, err)
		}
	}

	newer := "{\"notebook\": \"n.ipynb\", \"version\": 2, \"answers\": {\"q-1\": {\"answer\": 5, \"new\": {}}}}"
	path := filepath.Join(t.TempDir(), "n.answers.json")
	if err := os.WriteFile(path, []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Read(path)
	var nv *NewerVersionError
	if !errors.As(err, &nv) || nv.Version != 2 || nv.Name != path {
		t.Fatalf("newer file: %v, want a *NewerVersionError for version 2", err)
	}
	for _, want := range []string{path, "version 2", "versions 1 to 1", "update the lessons", "git pull, then make setup"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("newer file: %q does not say %q", err, want)
		}
	}
	err = Update(path, "n.ipynb", func(a *Answers) { a.Add("q-2", Attempt{Answer: "x", Time: at("2025-01-01T00:00:00Z")}, "", 1) })
	if !errors.As(err, &nv) || !strings.Contains(err.Error(), "not changed") {
		t.Errorf("Update of a newer file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != newer {
		t.Errorf("a newer file was written over:\n%s", data)
	}

	for _, tt := range []struct {
		data      string
		line, col int
	}{
		{"{\"version\": 0, " + rec + "}", 1, 13},
		{"{\n  \"version\": -1, " + rec + "}", 2, 14},
		{"{\"version\": 1.5, " + rec + "}", 1, 13},
		{"{\"version\": \"1\", " + rec + "}", 1, 13},
		{"{" + rec + ", \"version\": true}", 1, 82},
		{"{\"version\": 1.0, " + rec + "}", 1, 13},
		{"{\"version\": 1e0, " + rec + "}", 1, 13},
	} {
		_, err := Parse([]byte(tt.data), "bad")
		var e *quiz.Error
		if !errors.As(err, &e) || e.Line != tt.line || e.Col != tt.col || !strings.Contains(err.Error(), `"version" must be a whole number from 1 up`) {
			t.Errorf("%s: %v (at %+v), want an error at %d:%d", tt.data, err, e, tt.line, tt.col)
		}
	}
}

// TestWriteWritesTheCurrentVersion: whatever version a document says,
// Write writes Version, which Parse reads back.
func TestWriteWritesTheCurrentVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.answers.json")
	a := &Answers{Notebook: "v.ipynb"}
	if err := Write(path, a); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), fmt.Sprintf(`"version": %d,`, Version)) {
		t.Errorf("written:\n%s", data)
	}
}
