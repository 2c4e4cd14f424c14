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
)

// OrderFile is the file of the lessons folder that lists its lessons in the
// order students meet them:
//
//	{
//	  "lessons": ["openai-chat.ipynb", "openai-streaming.ipynb"]
//	}
//
// The classroom's hub opens the first one; every tool that runs the lessons
// (tests, checks, benchmarks, the pre-built cells) takes them in this order.
// Without the file, the lessons are taken in the order of their names.
const OrderFile = "lessons.json"

// LessonOrder is the content of OrderFile.
type LessonOrder struct {
	// About says what the file is for, to a teacher who opens it.
	About string `json:"about,omitempty"`
	// Lessons are the lessons' file names, first lesson first.
	Lessons []string `json:"lessons"`
}

// Lessons returns the lesson notebooks of the folder dir (the .ipynb files
// directly in it) in the students' order: first those OrderFile lists, in
// its order, then any it leaves out, by name. Each problem says what is
// wrong with the order and how to fix it: a notebook that OrderFile leaves
// out, a name it lists that is no notebook of dir, a name it lists twice, or
// a file that cannot be read.
func Lessons(dir string) ([]string, []Problem) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []Problem{{Notebook: dir, Msg: err.Error()}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".ipynb") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	order, probs := readOrder(filepath.Join(dir, OrderFile))
	if order == nil {
		return joinAll(dir, names), probs
	}
	orderPath := filepath.Join(dir, OrderFile)
	present := map[string]bool{}
	for _, n := range names {
		present[n] = true
	}
	listed := map[string]bool{}
	var out []string
	for _, n := range order.Lessons {
		switch {
		case listed[n]:
			probs = append(probs, Problem{Notebook: orderPath, Msg: fmt.Sprintf("%q is listed twice; keep it once, where students should meet it", n)})
		case !present[n]:
			probs = append(probs, Problem{Notebook: orderPath, Msg: fmt.Sprintf("%q is listed, but %s has no such notebook: remove it from the list, or fix its name", n, dir)})
		default:
			out = append(out, n)
		}
		listed[n] = true
	}
	for _, n := range names {
		if !listed[n] {
			out = append(out, n)
			probs = append(probs, Problem{Notebook: filepath.Join(dir, n), Msg: fmt.Sprintf("this lesson is not listed in %s, so its place in the course is not set "+
				"(it comes after the listed ones): add %q to its \"lessons\" list, where students should meet it", orderPath, n)})
		}
	}
	return joinAll(dir, out), probs
}

// joinAll returns the names as paths in dir.
func joinAll(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}

// readOrder reads an OrderFile; nil, without a problem, when there is none.
func readOrder(path string) (*LessonOrder, []Problem) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []Problem{{Notebook: path, Msg: err.Error()}}
	}
	var o LessonOrder
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return nil, []Problem{{Notebook: path, Msg: "not a list of lessons: " + err.Error() +
			` (want {"lessons": ["first-lesson.ipynb", "second-lesson.ipynb"]})`}}
	}
	for _, n := range o.Lessons {
		if n != filepath.Base(n) || !strings.HasSuffix(n, ".ipynb") {
			return nil, []Problem{{Notebook: path, Msg: fmt.Sprintf("%q is not a notebook's file name (want a name such as \"my-lesson.ipynb\", no folder)", n)}}
		}
	}
	return &o, nil
}
