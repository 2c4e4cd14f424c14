package answerfile

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

	"github.com/k12notebooks/golessons/internal/safefile"
	"github.com/k12notebooks/golessons/quiz"
)

// Answers is the content of an answers file (see the package
// documentation for its schema and versions).
type Answers struct {
	// Version is the schema version: Version once read or written here.
	Version int `json:"version"`
	// Notebook is the notebook's file name.
	Notebook string `json:"notebook"`
	// Answers maps a question ID to its record.
	Answers map[string]*Record `json:"answers"`
}

// Record is what is kept about one question: the latest attempt and all of
// them.
type Record struct {
	// Answer, Correct and Time are the latest attempt's.
	Answer  string    `json:"answer"`
	Correct bool      `json:"correct"`
	Time    time.Time `json:"time"`
	// Attempts counts the attempts, at least len(History).
	Attempts int `json:"attempts"`
	// Question and Points are the question's text and worth as the widget
	// showed them, for the student's display only.
	Question string   `json:"question,omitempty"`
	Points   *float64 `json:"points,omitempty"`
	// History is every attempt, oldest first.
	History []Attempt `json:"history,omitempty"`
}

// Attempt is one submitted answer.
type Attempt struct {
	// Answer is the answer as the widget sends it (see the package
	// documentation).
	Answer string `json:"answer"`
	// Correct is what the widget showed.
	Correct bool `json:"correct"`
	// Time is when the student checked the answer.
	Time time.Time `json:"time"`
}

// Path returns the answers file of a notebook: the notebook's path
// with ".ipynb" replaced by ".answers.json" (appended when the name has no
// ".ipynb"), so notebooks/openai-streaming.ipynb keeps its answers in
// notebooks/openai-streaming.answers.json. It works on file paths and on
// Jupyter contents API paths alike.
func Path(notebook string) string {
	return strings.TrimSuffix(notebook, ".ipynb") + ".answers.json"
}

// New returns an empty answers document for a notebook.
func New(notebook string) *Answers {
	return &Answers{Version: Version, Notebook: notebook, Answers: map[string]*Record{}}
}

// Parse reads the content of an answers file; name is used in errors. A
// file holding only white space reads as empty answers. The version is
// checked first (see the package documentation): a file of a newer version
// gives a *NewerVersionError, without reading further. A malformed file gives
// an error naming the file and the line:column of the problem (a *quiz.Error
// can be extracted with errors.As). The result's Version is Version.
func Parse(data []byte, name string) (*Answers, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return New(""), nil
	}
	if err := checkVersion(data, name); err != nil {
		return nil, err
	}
	var a Answers
	if err := json.Unmarshal(data, &a); err != nil {
		if e := quiz.JSONError(data, err); e != nil {
			return nil, fmt.Errorf("%s: %w", name, e)
		}
		if at := findBadTime(data); at >= 0 {
			return nil, fmt.Errorf("%s: %w", name, quiz.OffsetError(data, int(at), "\"time\" is not a time such as \"2025-03-04T10:15:02Z\": "+err.Error()))
		}
		return nil, fmt.Errorf("%s: not a valid answers file: %v", name, err)
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	a.Version = Version
	return &a, nil
}

// validate checks what the JSON types alone do not: every record is an
// object (not null) under a question id that is not empty, with no negative
// count of attempts.
func (a *Answers) validate() error {
	if a.Answers == nil {
		a.Answers = map[string]*Record{}
	}
	ids := make([]string, 0, len(a.Answers))
	for id := range a.Answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := a.Answers[id]
		switch {
		case strings.TrimSpace(id) == "":
			return errors.New("an answer has an empty question id")
		case r == nil:
			return fmt.Errorf("the answer to %q is null", id)
		case r.Attempts < 0:
			return fmt.Errorf("the answer to %q has %d attempts", id, r.Attempts)
		}
	}
	return nil
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

// Read reads an answers file. A missing file gives an error for which
// errors.Is(err, fs.ErrNotExist) holds. It reads whatever path names; for
// files someone else wrote (students' copies), use ReadIn, which
// refuses links, FIFOs, devices and over-size files.
func Read(path string) (*Answers, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Write writes a atomically, as the schema version Version: to a temporary file in the same folder,
// then renamed over path, so a reader never sees half a file.
func Write(path string, a *Answers) error {
	a.Version = Version
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

// Update reads the answers file at path (a missing file starts empty,
// for notebook), lets change modify it, and writes it back atomically. A
// malformed file is reported and left as it is.
func Update(path, notebook string, change func(*Answers)) error {
	a, err := Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a = New(notebook)
	case err != nil:
		return fmt.Errorf("%w (the file was not changed; fix or remove it)", err)
	}
	if a.Notebook == "" {
		a.Notebook = notebook
	}
	change(a)
	return Write(path, a)
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
	out := New("")
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

// MaxSize is the largest answers file ReadIn reads: 1 MiB. A widget-written
// file holds about 150 bytes per attempt, so this is room for several
// thousand attempts; anything bigger is not a real answers file.
const MaxSize = 1 << 20

// ReadIn reads the answers file name (relative to root) inside root with
// safefile.ReadRegularFile, limited to MaxSize, and parses it with Parse.
// Use it for files that someone else wrote, such as students' copies: a
// refused file gives a *safefile.RefusedError, a malformed one an error
// naming the file and the line:column of the problem.
func ReadIn(root *os.Root, name string) (*Answers, error) {
	data, err := safefile.ReadRegularFile(root, name, MaxSize)
	if err != nil {
		return nil, err
	}
	return Parse(data, filepath.Join(root.Name(), name))
}

// GradeRecord grades a student's record of q, as the gradebook does: only
// the latest answer (r.Answer) is read and graded with q.Grade. The record's
// own "correct" and "points", which the widget writes for its display and
// anyone can edit, are ignored. The score is q.Points for a right answer,
// else 0; a nil record is not answered: not correct, 0.
func GradeRecord(q *quiz.Question, r *Record) (correct bool, score float64) {
	if r == nil {
		return false, 0
	}
	if q.Grade(r.Answer).Correct {
		return true, q.Points
	}
	return false, 0
}
