// Package lessontest gives tests the original lesson's three quiz questions
// and writes lesson notebooks as JupyterLab saves them.
package lessontest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/quiz"
)

// The original lesson's three questions, in the lesson format with its
// typographic quotes (as quiz/testdata/seed_blocks.txt keeps them).
const (
	Freeform       = "{ “question_type”: “freeform”, “question”: “What parameter do you set to True in the API call to enable streaming?”, “answer”: “stream”, “submitted_answer”: “” }"
	TrueFalse      = "{ “question_type”: “true_false”, “question”: “Without streaming, the full response must be completely generated before any text is displayed.”, “answer”: “True”, “submitted_answer”: “” }"
	MultipleChoice = "{ “question_type”: “multiple_choice”, “question”: “What does chunk.choices[0].delta.content contain during streaming?”, “options”: [ { “key”: “a”, “text”: “The entire completed response” }, { “key”: “b”, “text”: “A small piece of the response text (one or more tokens)” }, { “key”: “c”, “text”: “The total number of tokens generated so far” }, { “key”: “d”, “text”: “The model’s confidence score” } ], “answer”: “b”, “submitted_answer”: “” }"
)

// Questions returns the three questions, parsed.
func Questions(t testing.TB) (free, tf, mc *quiz.Question) {
	t.Helper()
	var qs []*quiz.Question
	for _, s := range []string{Freeform, TrueFalse, MultipleChoice} {
		q, err := quiz.ParseOne(s)
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	return qs[0], qs[1], qs[2]
}

// Cell is a notebook cell to write.
type Cell struct {
	// Markdown makes it a markdown cell; else it is a code cell.
	Markdown bool
	// Source is the cell's text.
	Source string
	// Hidden collapses the cell's input (metadata "jupyter":
	// {"source_hidden": true}).
	Hidden bool
}

// Code returns a code cell holding source.
func Code(source string) Cell { return Cell{Source: source} }

// MD returns a markdown cell holding source.
func MD(source string) Cell { return Cell{Markdown: true, Source: source} }

// Quiz returns a collapsed code cell asking question (JSON), as the
// lessons' quiz cells are: "%%\nhelpers.Question(`...`)".
func Quiz(question string) Cell {
	return Cell{Source: "%%\nhelpers.Question(`" + question + "`)", Hidden: true}
}

// WriteNotebook writes a notebook (nbformat 4.5) with cells at path, making
// its folder, and returns path. Sources are stored as lists of lines, as
// Jupyter saves them.
func WriteNotebook(t testing.TB, path string, cells ...Cell) string {
	t.Helper()
	list := []map[string]any{}
	for _, c := range cells {
		meta := map[string]any{}
		if c.Hidden {
			meta["jupyter"] = map[string]any{"source_hidden": true}
		}
		lines := strings.SplitAfter(c.Source, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		cell := map[string]any{"cell_type": "code", "metadata": meta, "source": lines, "execution_count": nil, "outputs": []any{}}
		if c.Markdown {
			cell = map[string]any{"cell_type": "markdown", "metadata": meta, "source": lines}
		}
		list = append(list, cell)
	}
	data, err := json.MarshalIndent(map[string]any{"cells": list, "metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, path, string(data))
	return path
}

// WriteFile writes content to the file at path (mode 0644), making its
// folder, as a student's or a teacher's file would be.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteLesson writes at path a lesson of three quiz cells, asking the three
// questions in order, and returns path.
func WriteLesson(t testing.TB, path string) string {
	t.Helper()
	return WriteNotebook(t, path, Quiz(Freeform), Quiz(TrueFalse), Quiz(MultipleChoice))
}
