package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/lessontest"
	"github.com/k12notebooks/golessons/lessonbook"
)

// TestMain lets the test binary act as the quizcheck command, so that the
// exit status of the real main can be tested.
func TestMain(m *testing.M) {
	if os.Getenv("QUIZCHECK_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// hidden marks a source for notebook: its cell's input is collapsed.
const hidden = "\x00hidden\x00"

// notebook writes dir/name, a markdown cell and then a code cell per
// source, and returns its path. A source starting with hidden gets a
// collapsed input.
func notebook(t *testing.T, dir, name string, sources ...string) string {
	t.Helper()
	cells := []lessontest.Cell{lessontest.MD("# Lesson\n")}
	for _, s := range sources {
		rest, ok := strings.CutPrefix(s, hidden)
		cells = append(cells, lessontest.Cell{Source: rest, Hidden: ok})
	}
	return lessontest.WriteNotebook(t, filepath.Join(dir, name), cells...)
}

func TestGoodNotebooks(t *testing.T) {
	dir := t.TempDir()
	notebook(t, dir, "notebooks/lesson.ipynb", hidden+"%%\nhelpers.Question(`"+lessontest.Freeform+"`)")
	// Checkpoints are not lessons.
	notebook(t, dir, "notebooks/.ipynb_checkpoints/lesson-checkpoint.ipynb", "%%\nhelpers.Question(`{`)")
	var out, errOut bytes.Buffer
	code := run([]string{filepath.Join(dir, "notebooks")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "1 question in 1 notebook, no problems\n") || strings.Contains(out.String(), "warning") {
		t.Errorf("output %q", out.String())
	}
}

// A quiz cell whose source students would see is a warning, naming the cell
// and saying how to collapse it; the exit status stays 0.
func TestVisibleQuizSourceWarns(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "lesson.ipynb",
		"fmt.Println(1)",
		"%%\nhelpers.Question(`"+lessontest.Freeform+"`)",
		hidden+"%%\nhelpers.Question(`{\"id\": \"two\", \"question_type\": \"true_false\", \"question\": \"Q\", \"answer\": \"True\"}`)")
	var out, errOut bytes.Buffer
	code := run([]string{nb}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d, want 0 (a warning only)\n%s%s", code, out.String(), errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], nb+": cell 3: warning: the quiz cell's source, with its answer, is shown to students") ||
		!strings.Contains(lines[0], "View → Collapse Selected Code") || !strings.Contains(lines[0], `"jupyter": {"source_hidden": true}`) {
		t.Errorf("output:\n%s", out.String())
	}
	if lines[len(lines)-1] != "quizcheck: 2 questions in 1 notebook, no problems (1 warning)" {
		t.Errorf("summary %q", lines[len(lines)-1])
	}
}

// The committed lessons keep every quiz cell's source collapsed: make test
// fails when one is saved expanded.
func TestCommittedLessonsHideQuizSources(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{filepath.Join("..", "..", "notebooks")}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if strings.Contains(out.String(), "warning") || !strings.Contains(out.String(), "no problems\n") {
		t.Errorf("the committed lessons have warnings:\n%s", out.String())
	}
}

func TestBrokenNotebook(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "x.ipynb",
		"%%\nhelpers.Question(`"+lessontest.Freeform+"`)",
		"%%\nhelpers.Question(`{\n  “question_type”: “multi_choice”,\n  “question”: “Q”, “answer”: “a” }`)",
		"%%\nhelpers.Question(`{\"question_type\": \"true_false\", \"question\": \"Q\", \"answer\": \"yes\"}`)",
	)
	var out, errOut bytes.Buffer
	code := run([]string{nb}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	want := nb + ": cell 3, line 3:20: unknown question_type \"multi_choice\" (want freeform, true_false, multiple_choice or reflection); did you mean \"multiple_choice\"?\n" +
		"      “question_type”: “multi_choice”,\n" +
		"                       ^\n" +
		nb + ": cell 4, line 2:78: a true_false answer must be \"True\" or \"False\", not \"yes\"\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("output:\n%s\nwant it to start with:\n%s", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "2 problems in 1 of 1 notebook") {
		t.Errorf("summary %q", errOut.String())
	}
}

// A lesson that imports the helpers as h still has every question checked:
// a broken one fails the check, named by its cell, and a visible quiz cell
// warns.
func TestAliasedHelpersImport(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "alias.ipynb",
		"import h \"github.com/k12notebooks/golessons/helpers\"",
		hidden+"%%\nh.Question(`"+lessontest.Freeform+"`)",
		"%%\nh.Question(`{\"question_type\": \"true_false\", \"question\": \"Q\", \"answer\": \"yes\"}`)")
	var out, errOut bytes.Buffer
	if code := run([]string{nb}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	want := nb + ": cell 4, line 2:72: a true_false answer must be \"True\" or \"False\", not \"yes\"\n"
	if !strings.HasPrefix(out.String(), want) || !strings.Contains(out.String(), nb+": cell 4: warning: the quiz cell's source") {
		t.Errorf("output:\n%s\nwant it to start with:\n%s", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "1 problem in 1 of 1 notebook (1 warning)") {
		t.Errorf("summary %q", errOut.String())
	}
}

func TestMissingPath(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{filepath.Join(t.TempDir(), "nope")}, &out, &errOut); code != 1 {
		t.Errorf("exit %d for a missing path, want 1", code)
	}
	empty := t.TempDir()
	errOut.Reset()
	if code := run([]string{empty}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no notebooks") {
		t.Errorf("exit %d (%s) for a folder without notebooks, want 1", code, errOut.String())
	}
	if code := run([]string{"-bogus"}, &out, &errOut); code != 2 {
		t.Errorf("exit %d for a bad flag, want 2", code)
	}
}

// TestExitStatus runs the command as a process, as make check does.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	bad := notebook(t, dir, "bad.ipynb", "%%\nhelpers.Question(`{\"question_type\": \"freeform\"`)")
	good := notebook(t, dir, "good.ipynb", "%%\nhelpers.Question(`"+lessontest.Freeform+"`)")
	for _, tt := range []struct {
		path string
		want int
	}{{good, 0}, {bad, 1}} {
		cmd := exec.Command(os.Args[0], tt.path)
		cmd.Env = append(os.Environ(), "QUIZCHECK_RUN_MAIN=1")
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.want {
			t.Errorf("%s: exit %d, want %d\n%s", tt.path, code, tt.want, out)
		}
		if tt.want == 1 && !strings.Contains(string(out), "bad.ipynb: cell 2, line 2:19: this { is never closed") {
			t.Errorf("output %s", out)
		}
	}
}

// copyLessons copies the committed lessons and their lessons.json to a new
// folder, with edit applied to each file's text, and returns the folder.
func copyLessons(t *testing.T, edit func(name, text string) string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "notebooks")
	entries, err := os.ReadDir(filepath.Join("..", "..", "notebooks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".ipynb") || e.Name() == "lessons.json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join("..", "..", "notebooks", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lessontest.WriteFile(t, filepath.Join(dir, e.Name()), edit(e.Name(), string(data)))
	}
	return dir
}

// What breaks go test ./offline breaks quizcheck (make check) too, with the
// notebook, the cell and what to do: a lesson's question reworded away from
// its prepared answer, or a new question without one; and a lesson left out
// of lessons.json.
func TestLessonQuestionsNeedPreparedAnswers(t *testing.T) {
	var out, errOut bytes.Buffer
	nbs, first, question := lessonbookFirst(t)
	dir := copyLessons(t, func(name, text string) string {
		if name == first {
			return strings.Replace(text, question, question+" Tell me more.", 1)
		}
		return text
	})
	if code := run([]string{dir}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	want := filepath.Join(dir, first) + ": cell "
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), `but that file's "question:" line says`) ||
		!strings.Contains(out.String(), "offline/answers/") || !strings.Contains(errOut.String(), "with the lessons' order or their offline answers") {
		t.Errorf("output:\n%s%s", out.String(), errOut.String())
	}

	out.Reset()
	errOut.Reset()
	dir = copyLessons(t, func(name, text string) string {
		if name == "lessons.json" {
			return `{"lessons": []}`
		}
		return strings.Replace(text, question, "Why is the sky blue?", 1)
	})
	if code := run([]string{dir}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), filepath.Join(dir, first)+": cell ") || !strings.Contains(out.String(), "has no prepared answer for this question") ||
		!strings.Contains(out.String(), "no lesson asks") {
		t.Errorf("a new question without a prepared answer:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "this lesson is not listed in"); n != nbs {
		t.Errorf("%d lessons reported missing from lessons.json, want %d:\n%s", n, nbs, out.String())
	}
	if code := run([]string{"-offline=false", dir}, &out, &errOut); code != 1 {
		t.Errorf("without the offline check, the order is still checked: exit %d", code)
	}
}

// lessonbookFirst returns the number of committed lessons, the file name of
// the first and the question it asks.
func lessonbookFirst(t *testing.T) (int, string, string) {
	t.Helper()
	paths, probs := lessonbook.Lessons(filepath.Join("..", "..", "notebooks"))
	if len(paths) == 0 || len(probs) > 0 {
		t.Fatalf("lessons %v, problems %v", paths, probs)
	}
	nb, err := lessonbook.Read(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	qs, _ := lessonbook.LessonRequests(nb)
	if len(qs) == 0 {
		t.Fatalf("%s asks no question", paths[0])
	}
	return len(paths), filepath.Base(paths[0]), qs[0].Text
}
