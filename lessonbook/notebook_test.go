package lessonbook

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/lessontest"
	"github.com/k12notebooks/golessons/internal/safefile"
	"github.com/k12notebooks/golessons/quiz"
)

// writeNotebook writes the notebook dir/name with a code cell for each
// source, or a markdown cell for a source starting with "md:".
func writeNotebook(t *testing.T, dir, name string, sources ...string) string {
	t.Helper()
	var cells []lessontest.Cell
	for _, s := range sources {
		if md, ok := strings.CutPrefix(s, "md:"); ok {
			cells = append(cells, lessontest.MD(md))
		} else {
			cells = append(cells, lessontest.Code(s))
		}
	}
	return lessontest.WriteNotebook(t, filepath.Join(dir, name), cells...)
}

func TestFindQuestionCalls(t *testing.T) {
	src := "%%\n" +
		"// helpers.Question(`not this one`)\n" +
		"s := \"helpers.Question(`nor this`)\"\n" +
		"helpers.Question(`{\"a\": 1}`)\n" +
		"helpers.Quiz(\n\t`[1,\n2]`)\n" +
		"other.Question(`x`)\n" +
		"helpers.Connect(x)\n" +
		"helpers.Question(\"{}\")\n"
	calls := FindQuestionCalls(src, nil)
	if len(calls) != 3 {
		t.Fatalf("found %d calls: %+v", len(calls), calls)
	}
	if c := calls[0]; c.Func != "Question" || c.JSON != `{"a": 1}` || c.Line != 4 || c.Col != 19 || c.Err != nil {
		t.Errorf("first call %+v", c)
	}
	if c := calls[1]; c.Func != "Quiz" || c.JSON != "[1,\n2]" || c.Line != 6 || c.Col != 3 {
		t.Errorf("second call %+v", c)
	}
	if c := calls[2]; c.Err == nil || !strings.Contains(c.Err.Error(), "raw string literal") || c.Line != 10 || c.Col != 18 {
		t.Errorf("third call %+v", c)
	}
}

func TestFindQuestionCallsBacktickInJSON(t *testing.T) {
	src := "%%\nhelpers.Question(`{\"question_type\": \"freeform\", \"question\": \"Which `flag`?\", \"answer\": \"stream\"}`)\n"
	calls := FindQuestionCalls(src, nil)
	if len(calls) == 0 || calls[0].Err == nil {
		t.Fatalf("calls %+v: want an error for the backtick", calls)
	}
	c := calls[0]
	if !strings.Contains(c.Err.Error(), `\u0060`) || c.Line != 2 || c.Col != 68 {
		t.Errorf("backtick error at %d:%d: %v", c.Line, c.Col, c.Err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	seed := []string{lessontest.Freeform, lessontest.TrueFalse, lessontest.MultipleChoice}
	good := writeNotebook(t, dir, "good.ipynb",
		"md:# Title",
		"%%\nhelpers.Question(`"+seed[0]+"`)",
		"%%\nhelpers.Question(`"+seed[1]+"`)",
		"%%\nhelpers.Question(`"+seed[2]+"`)",
	)
	qs, probs := Check(good)
	if len(probs) != 0 {
		t.Fatalf("problems in a good notebook: %v", probs)
	}
	if len(qs) != 3 || qs[0].Cell != 2 || qs[2].Cell != 4 || qs[0].Line != 2 || qs[0].Col != 19 {
		t.Errorf("questions %+v", qs)
	}

	bad := writeNotebook(t, dir, "bad.ipynb",
		"md:# Quiz",
		"%%\nhelpers.Question(`{\n  \"question_type\": \"multi_choice\", \"question\": \"Q\", \"answer\": \"a\"}`)",
		"%%\nhelpers.Question(`{\"question_type\": \"freeform\" \"question\": \"Q\"}`)",
		"%%\nhelpers.Question(`"+seed[0]+"`)",
		"%%\nhelpers.Question(`"+seed[0]+"`)",
		"%%\nhelpers.Quiz(`[{\"question_type\": \"true_false\", \"question\": \"Q\", \"answer\": \"True\", \"submitted_answer\": \"True\"}]`)",
		"%%\nhelpers.Question(`{\"question_type\": \"freeform\", \"question\": \"Use `stream`\", \"answer\": \"x\"}`)",
	)
	_, probs = Check(bad)
	want := []struct {
		cell, line, col int
		msg             string
	}{
		{2, 3, 20, `unknown question_type "multi_choice"`},
		{3, 2, 48, "missing comma"},
		{5, 2, 19, "same text as the one in cell 4"},
		{6, 2, 16, `"submitted_answer" is "True"`},
		{7, 2, 66, `\u0060`},
	}
	if len(probs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(probs), len(want), probs)
	}
	for i, w := range want {
		p := probs[i]
		if p.Cell != w.cell || p.Line != w.line || p.Col != w.col || !strings.Contains(p.Msg, w.msg) {
			t.Errorf("problem %d: %s\nwant cell %d, line %d:%d, %q", i, p, w.cell, w.line, w.col, w.msg)
		}
		if !strings.HasPrefix(p.String(), bad+": cell ") {
			t.Errorf("String() = %q", p.String())
		}
		lines := strings.Split(p.Context, "\n")
		if len(lines) != 2 || lines[1] != strings.Repeat(" ", w.col-1)+"^" {
			t.Errorf("problem %d context %q", i, p.Context)
		}
	}
}

func TestCheckMalformedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.ipynb")
	if err := os.WriteFile(path, []byte("{\n \"cells\": [\n  {\"cell_type\": \"code\",, }\n ]\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, probs := Check(path)
	if len(probs) != 1 {
		t.Fatalf("problems %v", probs)
	}
	p := probs[0]
	if p.Cell != 0 || p.Line != 3 || p.Col != 24 || !strings.Contains(p.Msg, "not a notebook") {
		t.Errorf("problem %+v", p)
	}
	if !strings.HasPrefix(p.String(), path+": line 3:24: ") {
		t.Errorf("String() = %q", p.String())
	}
}

// A teacher who imports the helpers under another name still gets every
// question checked; a dot import is named as a problem, not skipped.
func TestCheckAliasedImport(t *testing.T) {
	dir := t.TempDir()
	path := writeNotebook(t, dir, "alias.ipynb",
		"import h \""+HelpersPath+"\"",
		"%%\nh.Question(`{\"question_type\": \"multi_choice\", \"question\": \"Q?\", \"answer\": \"a\"}`)")
	qs, probs := Check(path)
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, `unknown question_type "multi_choice"`) || probs[0].Cell != 2 {
		t.Errorf("aliased import: %d questions, problems %v", len(qs), probs)
	}
	names, dot := HelpersNames(&Notebook{Cells: []Cell{{Type: "code", Source: "import (\n\tx \"" + HelpersPath + "\"\n\t\"fmt\"\n)"}}})
	if !names["x"] || !names["helpers"] || dot {
		t.Errorf("names %v, dot %v", names, dot)
	}
	path = writeNotebook(t, dir, "dot.ipynb", "import . \""+HelpersPath+"\"", "%%\nQuestion(`{}`)")
	if _, probs := Check(path); len(probs) != 1 || !strings.Contains(probs[0].Msg, "import it by name") {
		t.Errorf("dot import: problems %v", probs)
	}
}

// Find lists the notebooks of a folder tree in order, skips hidden folders,
// takes a named file as it is, and names what it cannot read.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b.ipynb", "a/c.ipynb", "a/notes.md", ".ipynb_checkpoints/b-checkpoint.ipynb", "a/.git/x.ipynb"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, errs := Find(dir)
	want := []string{filepath.Join(dir, "a/c.ipynb"), filepath.Join(dir, "b.ipynb")}
	if strings.Join(got, ",") != strings.Join(want, ",") || errs != nil {
		t.Errorf("Find(folder) = %v, %v; want %v", got, errs, want)
	}
	if got, errs := Find(filepath.Join(dir, "a/notes.md")); len(got) != 1 || errs != nil {
		t.Errorf("Find(file) = %v, %v", got, errs)
	}
	missing := filepath.Join(dir, "gone")
	got, errs = Find(missing)
	var pe *fs.PathError
	if len(got) != 0 || len(errs) != 1 || !errors.As(errs[0], &pe) || pe.Path != missing {
		t.Errorf("Find(missing) = %v, %v", got, errs)
	}
}

// Read refuses what is not a regular file instead of following or blocking
// on it, and names the line:column of a value of the wrong type.
func TestReadRefusesAndLocates(t *testing.T) {
	dir := t.TempDir()
	real := writeNotebook(t, dir, "real.ipynb", "%%\nfmt.Println(1)")
	link := filepath.Join(dir, "link.ipynb")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	var refused *safefile.RefusedError
	if _, err := Read(link); !errors.As(err, &refused) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Read(link): %v", err)
	}
	if nb, err := Read(real); err != nil || len(nb.Cells) != 1 || nb.Cells[0].Source != "%%\nfmt.Println(1)" {
		t.Errorf("Read(real) = %+v, %v", nb, err)
	}
	_, err := Parse([]byte("{\"cells\": [\n  {\"cell_type\": 3}]}"), "x.ipynb")
	var e *quiz.Error
	if !errors.As(err, &e) || e.Line != 2 || e.Col != 17 || !strings.Contains(err.Error(), "cells.cell_type holds a JSON number where a string was expected") {
		t.Errorf("wrong type: %v (%+v)", err, e)
	}
}

// A quiz cell of a notebook that names the helpers "h" is found for the
// source warning too.
func TestSourceWarningsAliasedImport(t *testing.T) {
	nb := &Notebook{Path: "x.ipynb", Cells: []Cell{
		{Type: "code", Source: "import h \"" + HelpersPath + "\""},
		{Type: "code", Source: "%%\nh.Question(`{}`)"},
		{Type: "code", Source: "%%\nh.Quiz(`[]`)", SourceHidden: true},
	}}
	ws := SourceWarnings(nb)
	if len(ws) != 1 || ws[0].Cell != 2 || !ws[0].Warning || !strings.HasPrefix(ws[0].String(), "x.ipynb: cell 2: warning: ") {
		t.Errorf("warnings %v", ws)
	}
}

// helpers.Reflect holds one reflection, checked like any question.
func TestCheckReflect(t *testing.T) {
	dir := t.TempDir()
	good := writeNotebook(t, dir, "reflect.ipynb",
		"%%\nhelpers.Reflect(`{\"question_type\": \"reflection\", \"id\": \"reflect-1\", \"question\": \"What surprised you?\"}`)")
	qs, probs := Check(good)
	if len(probs) != 0 || len(qs) != 1 || !qs[0].Question.Ungraded() || qs[0].Question.ID != "reflect-1" {
		t.Fatalf("a reflection: %+v %v", qs, probs)
	}
	nb, err := Read(good)
	if err != nil {
		t.Fatal(err)
	}
	if w := SourceWarnings(nb); len(w) != 0 {
		t.Errorf("a reflection's shown source is warned about: %v", w)
	}
	bad := writeNotebook(t, dir, "bad.ipynb", "%%\nhelpers.Reflect(`"+lessontest.Freeform+"`)")
	if _, probs := Check(bad); len(probs) != 1 || !strings.Contains(probs[0].String(), "helpers.Reflect takes one question of \"question_type\": \"reflection\"") {
		t.Errorf("a graded question in helpers.Reflect: %v", probs)
	}
}
