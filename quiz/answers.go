package quiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// AnswersVersion is the version of the answers file format written here.
const AnswersVersion = 1

// Answers is the content of an answers file, "<notebook name>.answers.json"
// beside the notebook (see AnswersPath). The quiz widgets write it through the
// Jupyter server each time a student checks an answer; the gradebook reads it.
//
//	{
//	  "version": 1,
//	  "notebook": "openai-streaming.ipynb",
//	  "answers": {
//	    "q-3f2a9c1e": {
//	      "answer": "stream",
//	      "correct": true,
//	      "time": "2025-03-04T10:15:02.125Z",
//	      "attempts": 2,
//	      "question": "What parameter do you set to True ...?",
//	      "points": 1,
//	      "history": [
//	        {"answer": "streaming", "correct": false, "time": "2025-03-04T10:14:40.001Z"},
//	        {"answer": "stream", "correct": true, "time": "2025-03-04T10:15:02.125Z"}
//	      ]
//	    }
//	  }
//	}
//
// "answers" maps a question ID to its Record. The top-level fields of a
// record describe the latest attempt; "history" holds every attempt, oldest
// first. "correct", "question" and "points" are what the widget showed the
// student, kept for its own display: anyone can edit the file, so the
// gradebook ignores them and grades every answer again with the lesson's own
// questions (see Question.GradeRecord). Unknown fields are ignored, so that
// later versions can add some.
type Answers struct {
	Version  int                `json:"version"`
	Notebook string             `json:"notebook"`
	Answers  map[string]*Record `json:"answers"`
}

// Record is what is kept about one question: the latest attempt and all of them.
type Record struct {
	Answer   string    `json:"answer"`
	Correct  bool      `json:"correct"`
	Time     time.Time `json:"time"`
	Attempts int       `json:"attempts"`
	Question string    `json:"question,omitempty"`
	Points   *float64  `json:"points,omitempty"`
	History  []Attempt `json:"history,omitempty"`
}

// Attempt is one submitted answer.
type Attempt struct {
	Answer  string    `json:"answer"`
	Correct bool      `json:"correct"`
	Time    time.Time `json:"time"`
}

// AnswersPath returns the answers file of a notebook: the notebook's path
// with ".ipynb" replaced by ".answers.json" (appended when the name has no
// ".ipynb"), so notebooks/openai-streaming.ipynb keeps its answers in
// notebooks/openai-streaming.answers.json. It works on file paths and on
// Jupyter contents API paths alike.
func AnswersPath(notebook string) string {
	return strings.TrimSuffix(notebook, ".ipynb") + ".answers.json"
}

// NewAnswers returns an empty answers document for a notebook.
func NewAnswers(notebook string) *Answers {
	return &Answers{Version: AnswersVersion, Notebook: notebook, Answers: map[string]*Record{}}
}

// ParseAnswers reads the content of an answers file; name is used in errors.
// A file holding only white space reads as empty answers. A malformed file
// gives an error naming the file and the line:column of the problem (an
// *Error can be extracted with errors.As).
func ParseAnswers(data []byte, name string) (*Answers, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return NewAnswers(""), nil
	}
	var a Answers
	if err := json.Unmarshal(data, &a); err != nil {
		if e := JSONError(data, err); e != nil {
			return nil, fmt.Errorf("%s: %w", name, e)
		}
		if at := findBadTime(data); at >= 0 {
			return nil, fmt.Errorf("%s: %w", name, OffsetError(data, int(at), "\"time\" is not a time such as \"2025-03-04T10:15:02Z\": "+err.Error()))
		}
		return nil, fmt.Errorf("%s: not a valid answers file: %v", name, err)
	}
	if a.Answers == nil {
		a.Answers = map[string]*Record{}
	}
	for id, r := range a.Answers {
		if strings.TrimSpace(id) == "" {
			return nil, fmt.Errorf("%s: an answer has an empty question id", name)
		}
		if r == nil {
			return nil, fmt.Errorf("%s: the answer to %q is null", name, id)
		}
	}
	return &a, nil
}

// findBadTime returns the byte offset of the first "time" value in data (a
// well-formed JSON document) that is not an RFC 3339 time string, or -1. It
// locates the errors that encoding/json reports without a position.
func findBadTime(data []byte) int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	// valueStart is the offset of the next value: after the last token and
	// any white space, ':' or ','.
	valueStart := func() int64 {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
			off++
		}
		return off
	}
	var walk func(isTime bool) int64
	walk = func(isTime bool) int64 {
		start := valueStart()
		tok, err := dec.Token()
		if err != nil {
			return -1
		}
		switch v := tok.(type) {
		case json.Delim:
			for dec.More() {
				key := false
				if v == '{' {
					k, err := dec.Token()
					if err != nil {
						return -1
					}
					key = k == "time"
				}
				if at := walk(key); at >= 0 {
					return at
				}
			}
			_, _ = dec.Token() // the closing delimiter
		case string:
			if _, err := time.Parse(time.RFC3339, v); isTime && err != nil {
				return start
			}
		default:
			if isTime && v != nil {
				return start
			}
		}
		return -1
	}
	return walk(false)
}

// ReadAnswers reads an answers file. A missing file gives an error for which
// errors.Is(err, fs.ErrNotExist) holds. It reads whatever path names; for
// files someone else wrote (students' copies), use ReadAnswersIn, which
// refuses links, FIFOs, devices and over-size files.
func ReadAnswers(path string) (*Answers, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseAnswers(data, path)
}

// WriteAnswers writes a atomically: to a temporary file in the same folder,
// then renamed over path, so a reader never sees half a file.
func WriteAnswers(path string, a *Answers) error {
	if a.Version == 0 {
		a.Version = AnswersVersion
	}
	if a.Answers == nil {
		a.Answers = map[string]*Record{}
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding answers for %s: %w", path, err)
	}
	data = append(data, '\n')
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing answers: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing answers to %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing answers to %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing answers to %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing answers to %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing answers to %s: %w", path, err)
	}
	return nil
}

// UpdateAnswers reads the answers file at path (a missing file starts empty,
// for notebook), lets change modify it, and writes it back atomically. A
// malformed file is reported and left as it is.
func UpdateAnswers(path, notebook string, change func(*Answers)) error {
	a, err := ReadAnswers(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a = NewAnswers(notebook)
	case err != nil:
		return fmt.Errorf("%w (the file was not changed; fix or remove it)", err)
	}
	if a.Notebook == "" {
		a.Notebook = notebook
	}
	change(a)
	return WriteAnswers(path, a)
}

// Add records one attempt at question id, with the question's text and
// points for the gradebook.
func (a *Answers) Add(id string, at Attempt, question string, points float64) {
	if a.Answers == nil {
		a.Answers = map[string]*Record{}
	}
	p := points
	r := &Record{Answer: at.Answer, Correct: at.Correct, Time: at.Time, Attempts: 1,
		Question: question, Points: &p, History: []Attempt{at}}
	a.Answers[id] = MergeRecords(a.Answers[id], r)
}

// Merge combines two versions of an answers file, such as those of two
// browser tabs: every question of either is kept, and a question in both gets
// the union of their histories, with the latest attempt on top.
func Merge(a, b *Answers) *Answers {
	out := NewAnswers("")
	for _, src := range []*Answers{a, b} {
		if src == nil {
			continue
		}
		if out.Notebook == "" {
			out.Notebook = src.Notebook
		}
		for id, r := range src.Answers {
			out.Answers[id] = MergeRecords(out.Answers[id], r)
		}
	}
	return out
}

// MergeRecords combines two records of one question. The history is the
// union of both (an attempt is the same when its time, answer and result
// are), oldest first; the record's answer, result and time are the latest
// attempt's; attempts is the larger of the history's length and either
// count. Either record may be nil.
func MergeRecords(a, b *Record) *Record {
	if a == nil && b == nil {
		return nil
	}
	type key struct {
		t       int64
		answer  string
		correct bool
	}
	var hist []Attempt
	seen := map[key]bool{}
	out := &Record{}
	for _, r := range []*Record{a, b} {
		if r == nil {
			continue
		}
		entries := r.History
		if len(entries) == 0 && !r.Time.IsZero() {
			entries = []Attempt{{Answer: r.Answer, Correct: r.Correct, Time: r.Time}}
		}
		for _, at := range entries {
			k := key{at.Time.UnixNano(), at.Answer, at.Correct}
			if !seen[k] {
				seen[k] = true
				hist = append(hist, at)
			}
		}
		out.Attempts = max(out.Attempts, r.Attempts)
		if r.Question != "" {
			out.Question = r.Question
		}
		if r.Points != nil {
			p := *r.Points
			out.Points = &p
		}
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Time.Before(hist[j].Time) })
	out.History = hist
	out.Attempts = max(out.Attempts, len(hist))
	if len(hist) > 0 {
		last := hist[len(hist)-1]
		out.Answer, out.Correct, out.Time = last.Answer, last.Correct, last.Time
	} else {
		// Records without times: keep b's answer, the later-read one.
		for _, r := range []*Record{a, b} {
			if r != nil {
				out.Answer, out.Correct = r.Answer, r.Correct
			}
		}
	}
	return out
}
