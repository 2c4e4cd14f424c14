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
