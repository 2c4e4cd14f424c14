package classview

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/k12notebooks/golessons/internal/safefile"
)

// NotebookPolicy is the Content-Security-Policy of the pages that show a
// student's notebooks (their list, and each notebook): nothing runs, not
// even the class view's own script; images only from data: URLs; the one
// style sheet is the service's; no form, no base, no frame; and the page
// is sandboxed (an opaque origin without scripts), so that even markup that
// got through the sanitizer could not act with the teacher's session.
// Popups are allowed so that an output's link (target=_blank, to http,
// https or mailto only) opens.
const NotebookPolicy = "default-src 'none'; img-src data:; style-src 'self'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'; sandbox allow-popups allow-popups-to-escape-sandbox"

// notebooksPrefix is the path of the notebook pages under the prefix.
const notebooksPrefix = "notebooks/"

// notebooks serves a student's notebooks, read only, to hub admins:
//
//	GET P notebooks/<student>/           the list of the student's notebooks
//	GET P notebooks/<student>/<path>     one notebook (path in the home, each part escaped)
func (s *Server) notebooks(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, false); !ok {
		return
	}
	w.Header().Set("Content-Security-Policy", NotebookPolicy)
	escaped, _ := strings.CutPrefix(r.URL.EscapedPath(), s.cfg.Prefix+notebooksPrefix)
	student, rel, ok := splitNotebookPath(escaped)
	if !ok {
		textError(w, http.StatusNotFound, "Not found: a notebook page is "+s.cfg.Prefix+notebooksPrefix+"<student>/<path of the notebook in their home>.")
		return
	}
	home, why := s.studentHome(r.Context(), student)
	if why != "" {
		textError(w, http.StatusNotFound, why)
		return
	}
	root, err := os.OpenRoot(home)
	if err != nil {
		s.logf("class-view: opening the home %s: %v", home, err)
		textError(w, http.StatusNotFound, "The home folder of "+student+" cannot be read; the service's log says why.")
		return
	}
	defer root.Close()
	homeInfo, err := os.Lstat(home)
	if err != nil {
		textError(w, http.StatusNotFound, "The home folder of "+student+" is gone.")
		return
	}
	check := ownerCheck(homeInfo)
	list := listNotebooks(root, check)
	d := s.pageData(nil)
	d["Student"], d["Anchor"] = student, anchor(student)
	d["ListURL"] = s.cfg.Prefix + notebooksPrefix + url.PathEscape(student) + "/"
	if rel == "" {
		d["List"] = list
		s.render(w, http.StatusOK, "notebooks", d)
		return
	}
	s.notebook(w, root, check, list.find(rel), d)
}

// notebook shows one notebook of the list (f nil: not in the list).
func (s *Server) notebook(w http.ResponseWriter, root *os.Root, check func(fs.FileInfo) string, f *notebookFile, d map[string]any) {
	student := d["Student"].(string)
	switch {
	case f == nil:
		textError(w, http.StatusNotFound, "Not found: "+student+" has no such notebook among those the class view lists (a notebook in the home or up to 3 folders down, not hidden, not a link).")
		return
	case f.Refused != "":
		textError(w, http.StatusForbidden, "Not shown: "+f.Rel+": "+f.Refused)
		return
	}
	nb, err := readNotebook(root, f.Rel, check)
	var refused *safefile.RefusedError
	switch {
	case errors.As(err, &refused):
		textError(w, http.StatusForbidden, "Not shown: "+f.Rel+": "+refused.Reason)
		return
	case err != nil:
		s.logf("class-view: reading %s of %s: %v", f.Rel, student, err)
		textError(w, http.StatusNotFound, "The notebook "+f.Rel+" cannot be read (gone, or not readable); the service's log says why.")
		return
	}
	d["Page"] = &nbPage{Student: student, Path: f.Rel, Problems: nb.Problems, Cells: renderNotebook(nb)}
	d["File"] = f
	s.render(w, http.StatusOK, "notebook", d)
}
