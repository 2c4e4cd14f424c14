package lessontest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/lessonbook"
)

// The questions are the original lesson's, as quiz's tests keep them.
func TestSeedsAreTheLessons(t *testing.T) {
	data, err := os.ReadFile("../../quiz/testdata/seed_blocks.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := Freeform + "\n" + TrueFalse + "\n" + MultipleChoice; got != strings.TrimSpace(string(data)) {
		t.Errorf("the seeds differ from quiz/testdata/seed_blocks.txt")
	}
	free, tf, mc := Questions(t)
	if free.Answer != "stream" || tf.Answer != "True" || mc.Answer != "b" {
		t.Errorf("answers %q %q %q", free.Answer, tf.Answer, mc.Answer)
	}
}

// A written lesson reads back cell by cell, its quiz cells collapsed.
func TestWriteLessonReadsBack(t *testing.T) {
	path := WriteLesson(t, filepath.Join(t.TempDir(), "notebooks", "lesson.ipynb"))
	qs, probs := lessonbook.Check(path)
	if len(qs) != 3 || len(probs) != 0 {
		t.Fatalf("%d questions, problems %v", len(qs), probs)
	}
	path = WriteNotebook(t, path, MD("# Title\nText"), Code("x := 1\n"), Quiz(Freeform))
	nb, err := lessonbook.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []lessonbook.Cell{{Type: "markdown", Source: "# Title\nText"}, {Type: "code", Source: "x := 1\n"},
		{Type: "code", Source: "%%\nhelpers.Question(`" + Freeform + "`)", SourceHidden: true}}
	if len(nb.Cells) != len(want) {
		t.Fatalf("cells %+v", nb.Cells)
	}
	for i, c := range nb.Cells {
		if c != want[i] {
			t.Errorf("cell %d = %+v, want %+v", i+1, c, want[i])
		}
	}
}
