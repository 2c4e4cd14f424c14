// Command quizcheck checks every quiz question in the lessons' notebooks.
//
// Usage:
//
//	go run ./cmd/quizcheck [path ...]
//
// Each path is a notebook (.ipynb) or a folder searched for notebooks
// (skipping hidden folders such as .ipynb_checkpoints); the default is
// notebooks/. In every code cell, each helpers.Question(`...`) and
// helpers.Quiz(`...`) call is read and its JSON checked as package quiz does
// when the cell runs, plus what only a whole notebook shows: two questions
// with the same id. Each problem is printed as
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
// Warnings do not change the exit status. The exit status is 0 when all is
// well, 1 when there are problems, and 2 for bad usage.
package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/k12notebooks/golessons/quiz"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run checks the notebooks named by args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("quizcheck", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: quizcheck [notebook.ipynb | folder ...]   (default: notebooks/)")
		fmt.Fprintln(stderr, "Checks every helpers.Question and helpers.Quiz cell; exit status 1 when something is wrong.")
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	paths := fl.Args()
	if len(paths) == 0 {
		paths = []string{"notebooks"}
	}

	var notebooks []string
	failed := false
	for _, p := range paths {
		found, err := findNotebooks(p)
		if err != nil {
			fmt.Fprintf(stderr, "quizcheck: %v\n", err)
			failed = true
			continue
		}
		if len(found) == 0 {
			fmt.Fprintf(stderr, "quizcheck: no notebooks (.ipynb) in %s\n", p)
			failed = true
		}
		notebooks = append(notebooks, found...)
	}

	nQuestions, nProblems, nBad, nWarnings := 0, 0, 0, 0
	for _, nb := range notebooks {
		qs, probs := quiz.CheckNotebook(nb)
		nQuestions += len(qs)
		if len(probs) > 0 {
			nBad++
		}
		if parsed, err := quiz.ReadNotebook(nb); err == nil {
			probs = append(probs, quiz.SourceWarnings(parsed)...) // after the problems
		}
		for _, p := range probs {
			if p.Warning {
				nWarnings++
			} else {
				nProblems++
			}
			fmt.Fprintln(stdout, p.String())
			if p.Context != "" {
				for _, line := range strings.Split(p.Context, "\n") {
					fmt.Fprintln(stdout, "    "+line)
				}
			}
		}
	}
	warned := ""
	if nWarnings > 0 {
		warned = " (" + plural(nWarnings, "warning") + ")"
	}
	switch {
	case nProblems > 0:
		fmt.Fprintf(stderr, "quizcheck: %s in %d of %s%s\n", plural(nProblems, "problem"), nBad, plural(len(notebooks), "notebook"), warned)
		return 1
	case failed:
		return 1
	}
	fmt.Fprintf(stdout, "quizcheck: %s in %s, no problems%s\n", plural(nQuestions, "question"), plural(len(notebooks), "notebook"), warned)
	return 0
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// findNotebooks returns path itself when it is a file, or the .ipynb files
// under it, skipping hidden folders, in lexical order.
func findNotebooks(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != path && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".ipynb") {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
