package gradebook

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "alice": "alice", "a=1": "a=1", " =1": " =1", "'=1": "'=1",
	} {
		if got := Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStudentOf(t *testing.T) {
	tests := map[string]string{
		"alice/notebooks/x.answers.json": "alice",
		"bob/x.answers.json":             "bob",
		"carol.answers.json":             "carol",
		"dave":                           "dave",
		".":                              "",
	}
	for p, want := range tests {
		if got := StudentOf(filepath.FromSlash(p)); got != want {
			t.Errorf("StudentOf(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestFileWarningSaysWhatToDo(t *testing.T) {
	b := New("/home", LoadLessons())
	err := &fs.PathError{Op: "open", Path: "/home/bob", Err: fs.ErrPermission}
	b.FileWarning("bob", "/home/bob", err)
	if len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnUnreadable || !strings.Contains(b.Warnings[0].Msg, "as root, e.g. with sudo") {
		t.Errorf("warnings %+v", b.Warnings)
	}
	if b.Total("bob").Warnings != 1 {
		t.Errorf("the warning is not counted against bob")
	}
}

func TestSkippedFolder(t *testing.T) {
	for _, c := range []struct {
		parent, name string
		skip         bool
	}{
		{"alice", ".ipynb_checkpoints", true}, {"alice", ".local", true}, {"pkg", "mod", true},
		{"alice", "node_modules", true}, {"python3.11", "site-packages", true}, {"x", "__pycache__", true},
		{"alice", "notebooks", false}, {"alice", "mod", false}, {"alice", "pkg", false}, {"alice", "go", false},
	} {
		if got := SkippedFolder(c.parent, c.name); got != c.skip {
			t.Errorf("SkippedFolder(%q, %q) = %v, want %v", c.parent, c.name, got, c.skip)
		}
	}
}

// A file of a newer schema version is skipped with what to do, not called
// damaged; a file without a version (version 1) is graded.
func TestNewerAnswersFileIsSkipped(t *testing.T) {
	b := New("/class", LoadLessons())
	b.ParseAndAdd("bob", "/class/bob/x.answers.json", []byte(`{"version": 7, "answers": {}}`), "x.ipynb")
	if len(b.Warnings) != 1 || b.Warnings[0].Kind != WarnNewer || !strings.Contains(b.Warnings[0].Msg, "git pull, then make setup") ||
		strings.Contains(b.Warnings[0].Msg, "fix or remove") {
		t.Errorf("warnings %+v", b.Warnings)
	}
	b.ParseAndAdd("carol", "/class/carol/x.answers.json", []byte(`{"answers": {}}`), "x.ipynb")
	if len(b.Warnings) != 1 {
		t.Errorf("a file without a version: warnings %+v", b.Warnings)
	}
}
