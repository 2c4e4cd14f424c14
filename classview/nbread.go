package classview

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/k12notebooks/golessons/internal/safefile"
)

// Bounds of reading one notebook: a student's notebook may be 10 GB, or
// hold a million cells.
const (
	// maxNotebookBytes is how much of a notebook file is read.
	maxNotebookBytes = 16 << 20
	// maxCells is how many cells are shown.
	maxCells = 1000
	// maxOutputsPerCell is how many outputs of one cell are shown.
	maxOutputsPerCell = 50
)

// nbText is a notebook's multi-line text: a string, or a list of strings
// joined. Anything else reads as "" with bad set, never as an error, so
// one odd field does not hide the rest of a cell.
type nbText struct {
	s   string
	bad bool
}

// UnmarshalJSON reads a string or a list of strings.
func (t *nbText) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		t.s = s
		return nil
	}
	var list []string
	if json.Unmarshal(b, &list) == nil {
		t.s = strings.Join(list, "")
		return nil
	}
	t.bad = true
	return nil
}

// nbLines is a list of lines (a traceback), joined with newlines.
type nbLines struct{ nbText }

// UnmarshalJSON reads a list of strings (or one string).
func (t *nbLines) UnmarshalJSON(b []byte) error {
	var list []string
	if json.Unmarshal(b, &list) == nil {
		t.s = strings.Join(list, "\n")
		return nil
	}
	return t.nbText.UnmarshalJSON(b)
}

// nbCell is a cell of an nbformat 4 notebook, as far as it is shown.
type nbCell struct {
	CellType       string          `json:"cell_type"`
	Source         nbText          `json:"source"`
	ExecutionCount json.RawMessage `json:"execution_count"`
	Outputs        nbOutputs       `json:"outputs"`
	bad            bool            // a field of the wrong type
}

// nbOutputs are a code cell's outputs: at most maxOutputsPerCell are
// kept, the others only counted.
type nbOutputs struct {
	list []nbOutput
	more int
	bad  bool
}

// UnmarshalJSON reads a list of outputs, one at a time.
func (o *nbOutputs) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		o.bad = true
		return nil
	}
	for dec.More() {
		if len(o.list) == maxOutputsPerCell {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			o.more++
			continue
		}
		var out nbOutput
		if err := dec.Decode(&out); err != nil && !isTypeError(err) {
			o.bad = true
			return nil
		} else if err != nil {
			out.bad = true
		}
		o.list = append(o.list, out)
	}
	return nil
}

// nbOutput is one output of a code cell.
type nbOutput struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"`
	Text       nbText                     `json:"text"`
	Data       map[string]json.RawMessage `json:"data"`
	EName      string                     `json:"ename"`
	EValue     string                     `json:"evalue"`
	Traceback  nbLines                    `json:"traceback"`
	bad        bool
}

// isTypeError reports a JSON value of the wrong type: encoding/json still
// reads the rest of the value.
func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// cappedReader reads at most n bytes of r, and records in over whether r
// had more.
type cappedReader struct {
	r    io.Reader
	n    int64
	over bool
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		var one [1]byte
		if k, _ := io.ReadFull(c.r, one[:]); k > 0 {
			c.over = true
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	k, err := c.r.Read(p)
	c.n -= int64(k)
	return k, err
}

// nbRead is what reading a notebook gave: its cells, in order, and what
// stopped the reading early.
type nbRead struct {
	Cells []nbCell
	// Problems say what is missing and why: the file was cut at the size
	// limit, its JSON is damaged, it is not a notebook, cells over the limit.
	Problems []string
	// Size is the file's size when opened.
	Size int64
}

// readNotebook opens the notebook rel inside root (safefile.OpenRegularFile:
// no link, FIFO or device; check refuses a file by its Lstat) and reads
// its cells from its first maxNotebookBytes. A refused file is an error; a
// damaged one is an nbRead with Problems.
func readNotebook(root *os.Root, rel string, check func(fs.FileInfo) string) (*nbRead, error) {
	f, err := safefile.OpenRegularFile(root, rel, check)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	nb := &nbRead{}
	if info, err := f.Stat(); err == nil {
		nb.Size = info.Size()
	}
	in := &cappedReader{r: f, n: maxNotebookBytes}
	err = nb.parse(json.NewDecoder(in))
	over := in.over || nb.Size > maxNotebookBytes
	if over {
		nb.Problems = append(nb.Problems, fmt.Sprintf("The file is %s, over the limit of %s: only its beginning is read, and only the cells in it are shown.",
			sizeText(max(nb.Size, maxNotebookBytes+1)), sizeText(maxNotebookBytes)))
	}
	var short *cutShort
	if err != nil && !(in.over && errors.As(err, &short)) {
		nb.Problems = append(nb.Problems, err.Error())
	}
	return nb, nil
}

// parse reads an nbformat 4 notebook from dec: a JSON object whose "cells"
// are read one at a time (at most maxCells), every other field skipped.
func (nb *nbRead) parse(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("This is not a notebook: the file is not a JSON object (it may be empty, damaged, or another kind of file).")
	}
	seen := false
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return damaged(len(nb.Cells), err)
		}
		if key != "cells" || seen {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return damaged(len(nb.Cells), err)
			}
			continue
		}
		seen = true
		if err := nb.parseCells(dec); err != nil || len(nb.Cells) == maxCells {
			return err
		}
	}
	if !seen {
		return errors.New("This notebook has no cells (it may be in an old format, before nbformat 4, which the class view does not read).")
	}
	return nil
}

// parseCells reads the list of cells.
func (nb *nbRead) parseCells(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return errors.New("This notebook's cells are not a list: the file is damaged.")
	}
	for dec.More() {
		if len(nb.Cells) == maxCells {
			nb.Problems = append(nb.Problems, fmt.Sprintf("The notebook has more than %d cells: only the first %d are shown.", maxCells, maxCells))
			return nil
		}
		var c nbCell
		if err := dec.Decode(&c); err != nil && !isTypeError(err) {
			return damaged(len(nb.Cells), err)
		} else if err != nil {
			c.bad = true
		}
		nb.Cells = append(nb.Cells, c)
	}
	_, err := dec.Token() // "]"
	if err != nil {
		return damaged(len(nb.Cells), err)
	}
	return nil
}

// cutShort is the error of a notebook whose JSON ends too early.
type cutShort struct{ cells int }

func (e *cutShort) Error() string {
	return fmt.Sprintf("The notebook's JSON ends too early, after %d cells: the cells before are shown.", e.cells)
}

// damaged says where the JSON broke.
func damaged(cells int, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &cutShort{cells}
	}
	return fmt.Errorf("The notebook's JSON is damaged after %d cells (%v): the cells before are shown.", cells, err)
}

// sizeText writes a size in bytes, KiB, MiB or GiB.
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
