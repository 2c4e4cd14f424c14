package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/quiz"
)

var (
	seedFree = "{ “question_type”: “freeform”, “question”: “What parameter do you set to True in the API call to enable streaming?”, “answer”: “stream”, “submitted_answer”: “” }"
	seedTF   = "{ “question_type”: “true_false”, “question”: “Without streaming, the full response must be completely generated before any text is displayed.”, “answer”: “True”, “submitted_answer”: “” }"
	seedMC   = "{ “question_type”: “multiple_choice”, “question”: “What does chunk.choices[0].delta.content contain during streaming?”, “options”: [ { “key”: “a”, “text”: “The entire completed response” }, { “key”: “b”, “text”: “A small piece of the response text (one or more tokens)” } ], “answer”: “b”, “submitted_answer”: “” }"
)

func ids(t *testing.T) (free, tf, mc *quiz.Question) {
	t.Helper()
	var qs []*quiz.Question
	for _, s := range []string{seedFree, seedTF, seedMC} {
		q, err := quiz.ParseOne(s)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	return qs[0], qs[1], qs[2]
}

func writeAnswers(t *testing.T, path string, a *quiz.Answers) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := quiz.WriteAnswers(path, a); err != nil {
		t.Fatal(err)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lesson writes a lesson notebook holding the three questions.
func lesson(t *testing.T, path string) {
	var cells []map[string]any
	for _, s := range []string{seedFree, seedTF, seedMC} {
		cells = append(cells, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "outputs": []any{},
			"source": "%%\nhelpers.Question(`" + s + "`)"})
	}
	data, _ := json.Marshal(map[string]any{"cells": cells, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	writeTestFile(t, path, string(data))
}

func at(min int) time.Time { return time.Date(2025, 3, 4, 10, min, 0, 0, time.UTC) }

// sample builds a folder of students' copies.
func sample(t *testing.T) (in, lessons string) {
	dir := t.TempDir()
	in = filepath.Join(dir, "submissions")
	free, tf, mc := ids(t)

	alice := quiz.NewAnswers("openai-streaming.ipynb")
	alice.Add(free.ID, quiz.Attempt{Answer: "streaming", Time: at(1)}, free.Text, 1)
	alice.Add(free.ID, quiz.Attempt{Answer: "stream", Correct: true, Time: at(2)}, free.Text, 1)
	alice.Add(mc.ID, quiz.Attempt{Answer: "b", Correct: true, Time: at(3)}, mc.Text, 1)
	writeAnswers(t, filepath.Join(in, "alice", "notebooks", "openai-streaming.answers.json"), alice)

	hostile := "<img src=x onerror=alert(1)>"
	bob := quiz.NewAnswers("openai-streaming.ipynb")
	bob.Add(free.ID, quiz.Attempt{Answer: "=HYPERLINK(\"http://x\")", Time: at(5)}, free.Text, 1)
	bob.Add(tf.ID, quiz.Attempt{Answer: "True", Correct: true, Time: at(6)}, tf.Text, 1)
	writeAnswers(t, filepath.Join(in, hostile, "openai-streaming.answers.json"), bob)

	// A flat file: the student is the file name.
	carol := quiz.NewAnswers("")
	carol.Add(tf.ID, quiz.Attempt{Answer: "False", Time: at(7)}, "", 1)
	writeAnswers(t, filepath.Join(in, "carol.answers.json"), carol)

	// Malformed: reported and skipped.
	writeTestFile(t, filepath.Join(in, "dave", "openai-streaming.answers.json"), "{\n  \"answers\": {\n    \"q-1\": {\"answer\": \"a\",}\n  }\n}")
	// Checkpoints are not read.
	writeTestFile(t, filepath.Join(in, "alice", ".ipynb_checkpoints", "openai-streaming.answers.json"), "{broken")

	lessons = filepath.Join(dir, "notebooks")
	lesson(t, filepath.Join(lessons, "openai-streaming.ipynb"))
	return in, lessons
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestGradebook(t *testing.T) {
	in, lessons := sample(t)
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-in", in, "-out", out, "-questions", lessons}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "3 students, 3 questions") {
		t.Errorf("stdout %q", stdout.String())
	}
	// The malformed file is named, with its position.
	if !strings.Contains(stderr.String(), filepath.Join(in, "dave", "openai-streaming.answers.json")+": line 3:27") {
		t.Errorf("stderr does not report the malformed file: %q", stderr.String())
	}
	if strings.Contains(stderr.String(), ".ipynb_checkpoints") {
		t.Errorf("a checkpoint was read: %q", stderr.String())
	}

	free, tf, mc := ids(t)
	nb := "openai-streaming.ipynb"
	want := [][]string{
		{"student", "notebook", "question_id", "question", "answer", "correct", "attempts", "time", "points", "score"},
		{"<img src=x onerror=alert(1)>", nb, free.ID, free.Text, "'=HYPERLINK(\"http://x\")", "FALSE", "1", "2025-03-04T10:05:00Z", "1", "0"},
		{"<img src=x onerror=alert(1)>", nb, tf.ID, tf.Text, "True", "TRUE", "1", "2025-03-04T10:06:00Z", "1", "1"},
		{"<img src=x onerror=alert(1)>", nb, mc.ID, mc.Text, "", "FALSE", "0", "", "1", "0"},
		{"<img src=x onerror=alert(1)>", "", "TOTAL", "1 of 3 correct", "", "", "2", "2025-03-04T10:06:00Z", "3", "1"},
		{"alice", nb, free.ID, free.Text, "stream", "TRUE", "2", "2025-03-04T10:02:00Z", "1", "1"},
		{"alice", nb, tf.ID, tf.Text, "", "FALSE", "0", "", "1", "0"},
		{"alice", nb, mc.ID, mc.Text, "b", "TRUE", "1", "2025-03-04T10:03:00Z", "1", "1"},
		{"alice", "", "TOTAL", "2 of 3 correct", "", "", "3", "2025-03-04T10:03:00Z", "3", "2"},
		{"carol", nb, free.ID, free.Text, "", "FALSE", "0", "", "1", "0"},
		{"carol", nb, tf.ID, tf.Text, "False", "FALSE", "1", "2025-03-04T10:07:00Z", "1", "0"},
		{"carol", nb, mc.ID, mc.Text, "", "FALSE", "0", "", "1", "0"},
		{"carol", "", "TOTAL", "0 of 3 correct", "", "", "1", "2025-03-04T10:07:00Z", "3", "0"},
	}
	got := readCSV(t, filepath.Join(out, "gradebook.csv"))
	if len(got) != len(want) {
		t.Fatalf("CSV has %d rows, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("CSV row %d:\n got %q\nwant %q", i, got[i], want[i])
		}
	}

	page, err := os.ReadFile(filepath.Join(out, "gradebook.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	if strings.Contains(html, "<img") || strings.Contains(html, "<script") {
		t.Errorf("unescaped student name in the HTML")
	}
	for _, w := range []string{
		"&lt;img src=x onerror=alert(1)&gt;",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"",
		"What does chunk.choices[0].delta.content contain during streaming?",
		"dave",
		"line 3:27: malformed JSON",
	} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	// One bar per question; the share of the first question is 1 of 3
	// students (alice), so its bar is a third of the track.
	bars := regexp.MustCompile(`<rect class="bar" x="320" y="[0-9.]+" width="([0-9.]+)"`).FindAllStringSubmatch(html, -1)
	if len(bars) != 3 {
		t.Fatalf("found %d bars, want 3", len(bars))
	}
	if bars[0][1] != "120" || bars[1][1] != "120" || bars[2][1] != "120" {
		t.Errorf("bar widths %v, want 120 each (1 of 3 students)", bars)
	}
	if !strings.Contains(html, "1/3 (33%)") {
		t.Errorf("bar values missing")
	}
}

func TestGradebookWithoutLessons(t *testing.T) {
	in, _ := sample(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-in", in, "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	rows := readCSV(t, filepath.Join(out, "gradebook.csv"))
	// 3 students x 3 answered questions + 3 totals + header.
	if len(rows) != 13 {
		t.Errorf("%d rows", len(rows))
	}
}

func TestGradebookUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-in", t.TempDir()}, &stdout, &stderr); code != 2 {
		t.Errorf("missing -out: exit %d, want 2", code)
	}
	empty := t.TempDir()
	stderr.Reset()
	if code := run([]string{"-in", empty, "-out", t.TempDir()}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no answers file") {
		t.Errorf("empty folder: exit %d, %q", code, stderr.String())
	}
	if code := run([]string{"-in", filepath.Join(empty, "none"), "-out", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Errorf("missing folder: exit %d", code)
	}
}

func TestStudentOf(t *testing.T) {
	tests := map[string]string{
		"in/alice/notebooks/x.answers.json": "alice",
		"in/bob/x.answers.json":             "bob",
		"in/carol.answers.json":             "carol",
	}
	for p, want := range tests {
		if got := studentOf("in", filepath.FromSlash(p)); got != want {
			t.Errorf("studentOf(%q) = %q, want %q", p, got, want)
		}
	}
}
