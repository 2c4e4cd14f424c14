// Package lessonbook reads the lesson notebooks (Jupyter .ipynb files) and
// finds their quiz questions: which notebooks a folder holds, the cells of
// each, the helpers.Question and helpers.Quiz calls in their code cells
// (under whatever name a cell imports the helpers package), and what is
// wrong with them. Package quiz is the question model it checks them with.
package lessonbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/k12notebooks/golessons/internal/safefile"
	"github.com/k12notebooks/golessons/quiz"
)

// MaxNotebookSize is the largest notebook Read reads: 32 MiB. A lesson
// without outputs is a few KiB; a run with images in its outputs stays far
// below this.
const MaxNotebookSize = 32 << 20

// Notebook is the part of a Jupyter notebook (.ipynb) the quiz tools read.
type Notebook struct {
	// Path is where the notebook was read from.
	Path string
	// Cells are the notebook's cells in order.
	Cells []Cell
}

// Cell is one notebook cell.
type Cell struct {
	// Type is "code", "markdown" or "raw".
	Type string
	// Source is the cell's text.
	Source string
	// SourceHidden is true when the cell's input is collapsed (metadata
	// "jupyter": {"source_hidden": true}, which JupyterLab and Notebook 7
	// honour).
	SourceHidden bool
}

// Read reads the cells of an .ipynb file with the care of
// safefile.ReadRegularFile: a symbolic link, a FIFO, a device or a file over
// MaxNotebookSize is refused with a *safefile.RefusedError, without blocking. A
// malformed file gives an error naming the file and the line:column of the
// problem (a *quiz.Error, with errors.As).
func Read(path string) (*Notebook, error) {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	data, err := safefile.ReadRegularFile(root, filepath.Base(path), MaxNotebookSize)
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == filepath.Base(path) {
		pe.Op, pe.Path = "open", path // not "statat x.ipynb"
	}
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse reads the cells of an .ipynb document; path is used in errors.
func Parse(data []byte, path string) (*Notebook, error) {
	var raw struct {
		Cells []struct {
			CellType string          `json:"cell_type"`
			Source   json.RawMessage `json:"source"`
			Metadata struct {
				Jupyter struct {
					SourceHidden json.RawMessage `json:"source_hidden"`
				} `json:"jupyter"`
			} `json:"metadata"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		if e := quiz.JSONError(data, err); e != nil {
			return nil, fmt.Errorf("%s: not a notebook: %w", path, e)
		}
		return nil, fmt.Errorf("%s: not a notebook: %v", path, err)
	}
	nb := &Notebook{Path: path}
	for i, c := range raw.Cells {
		src, err := cellSource(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%s: cell %d: %v", path, i+1, err)
		}
		hidden := string(c.Metadata.Jupyter.SourceHidden) == "true"
		nb.Cells = append(nb.Cells, Cell{Type: c.CellType, Source: src, SourceHidden: hidden})
	}
	return nb, nil
}

// cellSource reads a cell's "source", a string or a list of strings.
func cellSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return "", errors.New(`"source" is neither a string nor a list of strings`)
	}
	return strings.Join(lines, ""), nil
}

// Find returns the lesson notebooks at path: path itself when it is a file
// (whatever its name), or else the .ipynb files in the folder path and its
// subfolders, in lexical order. Hidden folders (.ipynb_checkpoints, .git,
// ...) are not searched. Find goes on past what it cannot read; each such
// problem is one of errs, a *fs.PathError naming the path.
func Find(path string) (notebooks []string, errs []error) {
	_ = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				err = &fs.PathError{Op: "read", Path: p, Err: err}
			}
			errs = append(errs, err)
		case p == path && !d.IsDir():
			notebooks = append(notebooks, p)
		case d.IsDir() && p != path && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(d.Name(), ".ipynb"):
			notebooks = append(notebooks, p)
		}
		return nil
	})
	sort.Strings(notebooks)
	return notebooks, errs
}
