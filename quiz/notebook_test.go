package quiz

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeNotebook writes an .ipynb with the given cells ("md:" prefix for a
// markdown cell) and returns its path. Sources are stored as lists of lines,
// as Jupyter does.
func writeNotebook(t *testing.T, dir, name string, cells ...string) string {
	t.Helper()
	type cell struct {
		CellType string         `json:"cell_type"`
		Metadata map[string]any `json:"metadata"`
		Source   []string       `json:"source"`
		Outputs  []any          `json:"outputs,omitempty"`
	}
	var nb struct {
		Cells    []cell         `json:"cells"`
		Metadata map[string]any `json:"metadata"`
		Nbformat int            `json:"nbformat"`
		Minor    int            `json:"nbformat_minor"`
	}
	nb.Nbformat, nb.Minor, nb.Metadata = 4, 5, map[string]any{}
	for _, c := range cells {
		typ := "code"
		if rest, ok := strings.CutPrefix(c, "md:"); ok {
			typ, c = "markdown", rest
		}
		lines := strings.SplitAfter(c, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		nb.Cells = append(nb.Cells, cell{CellType: typ, Metadata: map[string]any{}, Source: lines})
	}
	data, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
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
	calls := FindQuestionCalls(src)
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
	calls := FindQuestionCalls(src)
	if len(calls) == 0 || calls[0].Err == nil {
		t.Fatalf("calls %+v: want an error for the backtick", calls)
	}
	c := calls[0]
	if !strings.Contains(c.Err.Error(), `\u0060`) || c.Line != 2 || c.Col != 68 {
		t.Errorf("backtick error at %d:%d: %v", c.Line, c.Col, c.Err)
	}
}

func TestCheckNotebook(t *testing.T) {
	dir := t.TempDir()
	seed := seedBlocks(t)
	good := writeNotebook(t, dir, "good.ipynb",
		"md:# Title",
		"%%\nhelpers.Question(`"+seed[0]+"`)",
		"%%\nhelpers.Question(`"+seed[1]+"`)",
		"%%\nhelpers.Question(`"+seed[2]+"`)",
	)
	qs, probs := CheckNotebook(good)
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
	_, probs = CheckNotebook(bad)
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

func TestCheckNotebookMalformedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.ipynb")
	if err := os.WriteFile(path, []byte("{\n \"cells\": [\n  {\"cell_type\": \"code\",, }\n ]\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, probs := CheckNotebook(path)
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
func TestCheckNotebookAliasedImport(t *testing.T) {
	dir := t.TempDir()
	path := writeNotebook(t, dir, "alias.ipynb",
		"import h \""+HelpersPath+"\"",
		"%%\nh.Question(`{\"question_type\": \"multi_choice\", \"question\": \"Q?\", \"answer\": \"a\"}`)")
	qs, probs := CheckNotebook(path)
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, `unknown question_type "multi_choice"`) || probs[0].Cell != 2 {
		t.Errorf("aliased import: %d questions, problems %v", len(qs), probs)
	}
	names, dot := HelpersNames(&Notebook{Cells: []Cell{{Type: "code", Source: "import (\n\tx \"" + HelpersPath + "\"\n\t\"fmt\"\n)"}}})
	if !names["x"] || !names["helpers"] || dot {
		t.Errorf("names %v, dot %v", names, dot)
	}
	path = writeNotebook(t, dir, "dot.ipynb", "import . \""+HelpersPath+"\"", "%%\nQuestion(`{}`)")
	if _, probs := CheckNotebook(path); len(probs) != 1 || !strings.Contains(probs[0].Msg, "import it by name") {
		t.Errorf("dot import: problems %v", probs)
	}
}
