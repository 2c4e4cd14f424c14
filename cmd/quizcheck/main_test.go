package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// notebook writes an .ipynb with one code cell per source and returns its path.
func notebook(t *testing.T, dir, name string, sources ...string) string {
	t.Helper()
	var cells []map[string]any
	cells = append(cells, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": []string{"# Lesson\n"}})
	for _, s := range sources {
		cells = append(cells, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": nil,
			"outputs": []any{}, "source": strings.SplitAfter(s, "\n")})
	}
	data, err := json.Marshal(map[string]any{"cells": cells, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const seedFreeform = "{ “question_type”: “freeform”, “question”: “What parameter do you set to True in the API call to enable streaming?”, “answer”: “stream”, “submitted_answer”: “” }"

func TestGoodNotebooks(t *testing.T) {
	dir := t.TempDir()
	notebook(t, dir, "notebooks/lesson.ipynb", "%%\nhelpers.Question(`"+seedFreeform+"`)")
	// Checkpoints are not lessons.
	notebook(t, dir, "notebooks/.ipynb_checkpoints/lesson-checkpoint.ipynb", "%%\nhelpers.Question(`{`)")
	var out, errOut bytes.Buffer
	code := run([]string{filepath.Join(dir, "notebooks")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "1 question in 1 notebook, no problems") {
		t.Errorf("output %q", out.String())
	}
}

func TestBrokenNotebook(t *testing.T) {
	dir := t.TempDir()
	nb := notebook(t, dir, "x.ipynb",
		"%%\nhelpers.Question(`"+seedFreeform+"`)",
		"%%\nhelpers.Question(`{\n  “question_type”: “multi_choice”,\n  “question”: “Q”, “answer”: “a” }`)",
		"%%\nhelpers.Question(`{\"question_type\": \"true_false\", \"question\": \"Q\", \"answer\": \"yes\"}`)",
	)
	var out, errOut bytes.Buffer
	code := run([]string{nb}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	want := nb + ": cell 3, line 3:20: unknown question_type \"multi_choice\" (want freeform, true_false or multiple_choice); did you mean \"multiple_choice\"?\n" +
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
	good := notebook(t, dir, "good.ipynb", "%%\nhelpers.Question(`"+seedFreeform+"`)")
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
