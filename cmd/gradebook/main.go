// Command gradebook grades students' quiz answers and collects them into a
// spreadsheet and a summary page.
//
// Usage:
//
//	go run ./cmd/gradebook -in DIR -out DIR -questions notebooks/
//
// -questions names the lesson notebooks (files or folders, comma-separated).
// Every answer is graded again with the lesson's own questions: what a right
// answer is and what it is worth come from the lesson only. The "correct" and
// "points" an answers file holds were written by the quiz widget for its own
// display, and anyone can edit the file, so they are ignored. Questions are
// listed in lesson order, answered or not.
//
// -in is a folder of students' copies of the lessons, or a hub's home
// folders (make gradebook IN=/home, run as a user who may read them, e.g.
// root). Every answers file ("<notebook>.answers.json", written by the quiz
// widgets beside each notebook) under it is read, except in hidden folders
// (.ipynb_checkpoints, .local, .cache, ...) and in the tool folders a home
// holds (Go's pkg/mod, node_modules, __pycache__, site-packages). The student
// is the name of the first folder under -in that holds the file
// (submissions/alice/notebooks/openai-streaming.answers.json, or
// /home/alice/openai-streaming.answers.json, is alice's); for a file directly
// in -in, the student is the file name without ".answers.json"
// (submissions/alice.answers.json is alice's). The notebook is the one named
// in the file, else the file's own name with ".ipynb"; an answer whose
// notebook is not a lesson goes to the one lesson question with its id, if
// there is exactly one.
//
// Students' files are hostile input. The gradebook never follows a symbolic
// link (a linked student folder included), never opens a FIFO, device or
// socket, reads nothing outside -in, and refuses answers files over 1 MiB
// (answerfile.MaxSize) and folders nested more than 16 deep. Each
// refused file (a link, FIFO, device or socket named *.answers.json, or a
// student folder that is a link; other links in a student's folder, such
// as a home's link to a shared folder, are skipped), each damaged answers
// file (with the line:column of the problem) and each answer to a question
// id that no lesson has is a warning: printed on stderr, listed in
// gradebook.html and counted per student in gradebook.csv, never scored. A
// student whose only file was refused or damaged is listed with no answers,
// so that nobody silently goes missing. The work is done by package
// gradebook, which the teacher's live view (cmd/class-view) shares.
//
// Two files are written to -out:
//
//   - gradebook.csv: one row per student and question: student, notebook,
//     question_id, question, answer, correct (TRUE/FALSE, as graded here),
//     attempts, time (RFC 3339, UTC), points (what the question is worth)
//     and score (points earned), and warnings (empty); after each student's
//     rows a TOTAL row sums them (question holds "k of n correct", warnings
//     the number of warnings about the student). Filter on question_id =
//     TOTAL for one row per student. A text cell that starts with =, +, -,
//     @, a tab or a carriage return starts with ' instead, so that no
//     spreadsheet runs a student's text as a formula.
//   - gradebook.html: a self-contained page (template gradebook.html.tmpl,
//     with html/template escaping every name and answer): a chart of the
//     share of students who answered each question correctly, a table per
//     question, a table per student, and the warnings.
//
// The exit status is 1 when the lessons hold no question, no answers file
// could be read or the output cannot be written, 2 for bad usage, else 0.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	gb "github.com/k12notebooks/golessons/gradebook"
	"github.com/k12notebooks/golessons/internal/plural"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command line's settings.
type options struct {
	in, out   string
	questions []string
}

func parseFlags(args []string, stderr io.Writer) (*options, bool) {
	fl := flag.NewFlagSet("gradebook", flag.ContinueOnError)
	fl.SetOutput(stderr)
	in := fl.String("in", "", "folder of students' copies, searched for *.answers.json (required)")
	out := fl.String("out", "", "folder to write gradebook.csv and gradebook.html to (required)")
	questions := fl.String("questions", "", "lesson notebooks (files or folders, comma-separated) whose questions grade the answers (required)")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gradebook -in DIR -out DIR -questions notebooks/")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return nil, false
	}
	o := &options{in: *in, out: *out}
	for _, p := range strings.Split(*questions, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.questions = append(o.questions, p)
		}
	}
	switch {
	case o.in == "" || o.out == "" || fl.NArg() > 0:
		fl.Usage()
		return nil, false
	case len(o.questions) == 0:
		fmt.Fprintln(stderr, "gradebook: say which lesson notebooks hold the questions, e.g. -questions notebooks: every answer is graded again with them")
		return nil, false
	}
	return o, true
}

func run(args []string, stdout, stderr io.Writer) int {
	o, ok := parseFlags(args, stderr)
	if !ok {
		return 2
	}
	lessons := gb.LoadLessons(o.questions...)
	if len(lessons.Questions) == 0 {
		gb.PrintWarnings(stderr, lessons.Warnings)
		fmt.Fprintf(stderr, "gradebook: no quiz question found in %s; -questions must name the lesson notebooks (files or folders), e.g. -questions notebooks\n", strings.Join(o.questions, ", "))
		return 1
	}
	b := gb.New(o.in, lessons)
	if err := b.Collect(); err != nil {
		fmt.Fprintf(stderr, "gradebook: cannot read the class folder: %v\n", err)
		return 1
	}
	b.Finish()
	gb.PrintWarnings(stderr, b.Warnings)
	if b.FilesRead == 0 {
		fmt.Fprintf(stderr, "gradebook: no answers file could be read under %s; it should hold one folder per student (or a hub's home folders) with their <notebook>.answers.json files\n", o.in)
		return 1
	}

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "gradebook: cannot create the output folder: %v\n", err)
		return 1
	}
	csvPath, htmlPath := filepath.Join(o.out, "gradebook.csv"), filepath.Join(o.out, "gradebook.html")
	for _, f := range []struct {
		path  string
		write func(io.Writer) error
	}{{csvPath, b.WriteCSV}, {htmlPath, b.WriteHTML}} {
		if err := writeFile(f.path, f.write); err != nil {
			fmt.Fprintf(stderr, "gradebook: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "gradebook: %s, %s, %s: wrote %s and %s\n", plural.Count(len(b.Students), "student"),
		plural.Count(len(b.Questions), "question"), plural.Count(len(b.Warnings), "warning"), csvPath, htmlPath)
	return 0
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
