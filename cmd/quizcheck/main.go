// Command quizcheck checks every quiz question in the lessons' notebooks.
//
// Usage:
//
//	go run ./cmd/quizcheck [path ...]
//
// Each path is a notebook (.ipynb) or a folder searched for notebooks
// (skipping hidden folders such as .ipynb_checkpoints); the default is
// notebooks/. In every code cell, each helpers.Question(`...`) and
// helpers.Quiz(`...`) call (under any name the cell imports the helpers
// with) is found by package lessonbook and its JSON checked as package quiz
// does when the cell runs, plus what only a whole notebook shows: two
// questions with the same id. Each problem is printed as
//
//	notebooks/x.ipynb: cell 9, line 3:14: unknown question_type "multi_choice" (want ...)
//	    “question_type”: “multi_choice”,
//	                     ^
//
// where cells are counted from 1, markdown cells included, and line:column is
// inside the cell.
//
// A quiz cell whose source is not collapsed (cell metadata "jupyter":
// {"source_hidden": true}) gets a warning, as students would read its JSON,
// answer included, above the widget:
//
//	notebooks/x.ipynb: cell 9: warning: the quiz cell's source, with its answer, is shown ...
//
// Warnings do not change the exit status.
//
// Lessons are data: quizcheck also checks what makes the lessons a course.
// For a folder, the order of its lessons (lessonbook.Lessons: every notebook
// listed once in its lessons.json, and nothing else); for every notebook,
// that the offline sample provider has the prepared answer of each question
// the lesson asks (a user message): an answer file in offline/answers whose
// "question:" line is that question and whose "model:" line, if any, is the
// lesson's MODEL (lessonbook.CheckOffline); for a folder, also that each
// prepared answer is asked by one of its lessons. -offline=false skips the
// prepared answers. Each problem names the notebook and cell (or the file)
// and says what to change.
//
// The exit status is 0 when all is well, 1 when there are problems, and 2
// for bad usage.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/k12notebooks/golessons/internal/plural"
	"github.com/k12notebooks/golessons/lessonbook"
	"github.com/k12notebooks/golessons/offline"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run checks the notebooks named by args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("quizcheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	checkOffline := fl.Bool("offline", true, "check that the offline sample provider has a prepared answer for each lesson's question")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: quizcheck [-offline=false] [notebook.ipynb | folder ...]   (default: notebooks/)")
		fmt.Fprintln(stderr, "Checks every helpers.Question and helpers.Quiz cell; exit status 1 when something is wrong.")
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{"notebooks"}
	}

	notebooks, failed := findAll(paths, stderr)
	var sum summary
	for _, nb := range notebooks {
		sum.check(nb, stdout)
	}
	for _, p := range paths {
		before := sum.problems
		sum.print(courseProblems(p, *checkOffline), stdout)
		sum.course += sum.problems - before
	}
	warned := ""
	if sum.warnings > 0 {
		warned = " (" + plural.Count(sum.warnings, "warning") + ")"
	}
	switch {
	case sum.problems > sum.course:
		fmt.Fprintf(stderr, "quizcheck: %s in %d of %s%s\n", plural.Count(sum.problems, "problem"), sum.bad, plural.Count(len(notebooks), "notebook"), warned)
		return 1
	case sum.problems > 0:
		fmt.Fprintf(stderr, "quizcheck: %s with the lessons' order or their offline answers%s\n", plural.Count(sum.problems, "problem"), warned)
		return 1
	case failed:
		return 1
	}
	fmt.Fprintf(stdout, "quizcheck: %s in %s, no problems%s\n", plural.Count(sum.questions, "question"), plural.Count(len(notebooks), "notebook"), warned)
	return 0
}

// findAll returns the notebooks at paths (see lessonbook.Find), saying on
// stderr what cannot be read and which path holds none; failed is then true.
func findAll(paths []string, stderr io.Writer) (notebooks []string, failed bool) {
	for _, p := range paths {
		found, errs := lessonbook.Find(p)
		for _, err := range errs {
			fmt.Fprintf(stderr, "quizcheck: %v\n", err)
			failed = true
		}
		if len(found) == 0 && len(errs) == 0 {
			fmt.Fprintf(stderr, "quizcheck: no notebooks (.ipynb) in %s\n", p)
			failed = true
		}
		notebooks = append(notebooks, found...)
	}
	return notebooks, failed
}

// summary counts what the notebooks checked so far hold.
type summary struct {
	questions, problems, bad, warnings int
	course                             int // problems of the lessons as a course (courseProblems)
}

// check checks the notebook at path and prints its problems, then its
// warnings, each with its context.
func (s *summary) check(path string, stdout io.Writer) {
	qs, probs := lessonbook.Check(path)
	s.questions += len(qs)
	if len(probs) > 0 {
		s.bad++
	}
	if nb, err := lessonbook.Read(path); err == nil {
		probs = append(probs, lessonbook.SourceWarnings(nb)...) // after the problems
	}
	s.print(probs, stdout)
}

// print prints probs, each with its context, and counts them.
func (s *summary) print(probs []lessonbook.Problem, stdout io.Writer) {
	for _, p := range probs {
		if p.Warning {
			s.warnings++
		} else {
			s.problems++
		}
		fmt.Fprintln(stdout, p.String())
		if p.Context != "" {
			for _, line := range strings.Split(p.Context, "\n") {
				fmt.Fprintln(stdout, "    "+line)
			}
		}
	}
}

// courseProblems returns what is wrong with the lessons at path as a
// course: for a folder, their order (lessons.json); with offline, the
// prepared answers of the offline sample provider for the questions they
// ask (for a folder, also answers that no lesson asks).
func courseProblems(path string, offline bool) []lessonbook.Problem {
	lessons, whole := []string{path}, false
	var probs []lessonbook.Problem
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		lessons, probs = lessonbook.Lessons(path)
		whole = true
	}
	if !offline {
		return probs
	}
	var nbs []*lessonbook.Notebook
	for _, l := range lessons {
		if nb, err := lessonbook.Read(l); err == nil { // a notebook that cannot be read is reported by check
			nbs = append(nbs, nb)
		}
	}
	return append(probs, lessonbook.CheckOffline(nbs, preparedAnswers(), whole)...)
}

// preparedAnswers returns the offline provider's prepared answers, in its
// order, as lessonbook.CheckOffline reads them.
func preparedAnswers() []lessonbook.OfflineAnswer {
	var out []lessonbook.OfflineAnswer
	for _, p := range offline.Answers {
		a := lessonbook.OfflineAnswer{File: "offline/" + p.File, Question: p.Question, Model: p.Model}
		if p.Match != nil {
			a.Matches = p.Matches
		}
		out = append(out, a)
	}
	return out
}
