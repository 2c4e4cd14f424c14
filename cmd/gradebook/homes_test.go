package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/answerfile"
	"github.com/k12notebooks/golessons/internal/lessontest"
)

// A hub's home folders, as make gradebook IN=/home reads them: each home is
// a student (named after the folder), answers files are found wherever the
// student keeps the lesson, and what a home holds besides (hidden folders,
// Go's module cache, Python packages, links to shared folders) neither
// counts nor warns.
func TestGradebookOnHubHomes(t *testing.T) {
	_, lessons := sample(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	free, tf, mc := lessontest.Questions(t)
	nb := "openai-streaming.ipynb"

	// alice keeps the lesson at the top of her home, as the hub copies it.
	alice := answerfile.New(nb)
	alice.Add(free.ID, answerfile.Attempt{Answer: "stream", Correct: true, Time: at(1)}, free.Text, 1)
	alice.Add(mc.ID, answerfile.Attempt{Answer: "b", Correct: true, Time: at(2)}, mc.Text, 1)
	writeAnswers(t, filepath.Join(home, "alice", "openai-streaming.answers.json"), alice)
	lessontest.WriteLesson(t, filepath.Join(home, "alice", nb))
	// bob in a folder of his own, with a wrong answer marked right by hand
	// and a file that names no notebook (it is named for one).
	forged(t, filepath.Join(home, "bob", "lessons", "week1", "openai-streaming.answers.json"),
		map[string]any{free.ID: rec("streaming", true, 1)})
	lessontest.WriteFile(t, filepath.Join(home, "bob", "lessons", "week1", "openai-streaming.answers.json.bak"), "{broken")
	bobTF := answerfile.New("")
	bobTF.Add(tf.ID, answerfile.Attempt{Answer: "True", Time: at(3)}, tf.Text, 1)
	writeAnswers(t, filepath.Join(home, "bob", "openai-streaming.answers.json"), bobTF)

	// What else a home holds, none of it read: broken answers files that
	// would be warnings if they were.
	broken := "{ this is not an answers file"
	for _, p := range []string{
		"alice/.ipynb_checkpoints/openai-streaming.answers.json",
		"alice/.local/share/jupyter/openai-streaming.answers.json",
		"alice/go/pkg/mod/example.com/tool@v1.0.0/" + strings.Repeat("d/", 20) + "openai-streaming.answers.json",
		"bob/node_modules/pkg/openai-streaming.answers.json",
		"bob/venv/lib/python3.11/site-packages/pkg/openai-streaming.answers.json",
		"bob/__pycache__/openai-streaming.answers.json",
	} {
		lessontest.WriteFile(t, filepath.Join(home, filepath.FromSlash(p)), broken)
	}
	// A home with no answers is not a student of this lesson.
	lessontest.WriteLesson(t, filepath.Join(home, "carol", nb))
	// Links to shared folders and tools are skipped, never followed.
	forged(t, filepath.Join(dir, "shared", "openai-streaming.answers.json"), map[string]any{tf.ID: rec("True", true, 1)})
	if err := os.Symlink(filepath.Join(dir, "shared"), filepath.Join(home, "alice", "shared")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := os.Symlink("/usr/bin", filepath.Join(home, "bob", "bin")); err != nil {
		t.Fatal(err)
	}

	r := gradebook(t, home, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if r.stderr != "" || !strings.Contains(r.stdout, "2 students, 3 questions, 0 warnings:") {
		t.Errorf("stdout %q\nstderr %q", r.stdout, r.stderr)
	}
	r.wantTotal(t, "alice", "2 of 3 correct", "2", "0")
	r.wantTotal(t, "bob", "1 of 3 correct", "1", "0")
	for _, row := range r.rows {
		if row[0] == "bob" && row[2] == free.ID && (row[4] != "streaming" || row[5] != "FALSE") {
			t.Errorf("bob's forged answer: %q, want streaming FALSE", row)
		}
		if row[0] == "carol" {
			t.Errorf("carol has no answers but is listed: %q", row)
		}
	}
}

// Homes the gradebook may not read are named, with what to do.
func TestGradebookUnreadableHomeSaysSudo(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder")
	}
	_, lessons := sample(t)
	home := filepath.Join(t.TempDir(), "home")
	free, _, _ := lessontest.Questions(t)
	forged(t, filepath.Join(home, "alice", "openai-streaming.answers.json"), map[string]any{free.ID: rec("stream", true, 1)})
	locked := filepath.Join(home, "bob")
	if err := os.MkdirAll(locked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	r := gradebook(t, home, lessons)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `unreadable, student "bob": `+locked) || !strings.Contains(r.stderr, "as root, e.g. with sudo") {
		t.Errorf("stderr %q", r.stderr)
	}
}
