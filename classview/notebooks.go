package classview

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/gradebook"
	"github.com/k12notebooks/golessons/internal/safefile"
)

// Bounds of the walk that finds a student's notebooks: a student controls
// everything in their home, including a folder of a million files.
const (
	// maxNotebookDepth is how many folders below the home are looked in.
	maxNotebookDepth = 3
	// maxNotebooksListed is how many notebooks a student's list holds.
	maxNotebooksListed = 200
	// maxFolderEntries is how many entries of one folder are read.
	maxFolderEntries = 2000
	// maxFoldersWalked is how many folders of one home are read.
	maxFoldersWalked = 300
)

// notebookFile is a notebook found in a student's home.
type notebookFile struct {
	// Rel is its path in the home, with "/".
	Rel string
	// URL is its page, relative to the student's list page.
	URL     string
	Size    int64
	ModTime time.Time
	// Refused says why it is not shown ("" when it is).
	Refused string
}

// notebookList is what the walk of a student's home found.
type notebookList struct {
	Files []notebookFile
	// Incomplete says why notebooks may be missing ("" when none are).
	Incomplete string
}

// find returns the notebook at rel, or nil.
func (l *notebookList) find(rel string) *notebookFile {
	for i := range l.Files {
		if l.Files[i].Rel == rel {
			return &l.Files[i]
		}
	}
	return nil
}

// studentHome returns the home folder of the student name: a name the
// class view lists as a student (hub admins and excluded users are not),
// whose home is a real folder matching the homes pattern. Otherwise it
// returns "" and says why.
func (s *Server) studentHome(ctx context.Context, name string) (string, string) {
	b := s.fresh(ctx).book
	if b == nil || !slices.Contains(b.Students, name) || strings.HasPrefix(name, ".") || name == "lost+found" {
		return "", "There is no student named " + name + " in the class."
	}
	matches, _ := filepath.Glob(s.cfg.Homes) // the pattern was checked with the config
	for _, home := range matches {
		if filepath.Base(home) != name {
			continue
		}
		info, err := os.Lstat(home)
		if err != nil || !info.IsDir() {
			return "", "The home folder of " + name + " is not a folder (a link, or gone): its notebooks are not read."
		}
		return home, ""
	}
	return "", name + " has no home folder yet (" + s.cfg.Homes + "): no notebooks to show."
}

// listNotebooks finds the notebooks (*.ipynb) in the home open as root and
// up to maxNotebookDepth folders down, breadth first: never in a hidden
// folder or one the gradebook skips, never through a link (a linked folder
// is not entered; a linked notebook is listed as refused), and within the
// bounds above. check refuses a file given its Lstat (see ownerCheck).
// The lessons' folder, lessons/, comes first; then by path.
func listNotebooks(root *os.Root, check func(fs.FileInfo) string) notebookList {
	type folder struct {
		rel   string
		depth int
	}
	var l notebookList
	queue := []folder{{".", 0}}
walk:
	for walked := 0; len(queue) > 0; walked++ {
		if walked == maxFoldersWalked {
			l.Incomplete = fmt.Sprintf("only the first %d folders of the home were looked in", maxFoldersWalked)
			break
		}
		d := queue[0]
		queue = queue[1:]
		entries, more, err := safefile.ReadDirInLimit(root, d.rel, maxFolderEntries)
		if err != nil {
			continue // unreadable, or replaced by a link since it was listed
		}
		if more {
			l.Incomplete = fmt.Sprintf("the folder %s holds over %d entries; only some were looked at", d.rel, maxFolderEntries)
		}
		for _, e := range entries {
			name := e.Name()
			rel := path.Join(d.rel, name)
			switch {
			case strings.HasPrefix(name, "."):
			case e.IsDir(): // a link to a folder is not a folder here
				if d.depth < maxNotebookDepth && !gradebook.SkippedFolder(path.Base(d.rel), name) {
					queue = append(queue, folder{rel, d.depth + 1})
				}
			case strings.HasSuffix(name, ".ipynb"):
				if len(l.Files) == maxNotebooksListed {
					l.Incomplete = fmt.Sprintf("only the first %d notebooks are listed", maxNotebooksListed)
					break walk
				}
				if f, ok := notebookEntry(root, rel, check); ok {
					l.Files = append(l.Files, f)
				}
			}
		}
	}
	sort.Slice(l.Files, func(i, j int) bool {
		li, lj := strings.HasPrefix(l.Files[i].Rel, "lessons/"), strings.HasPrefix(l.Files[j].Rel, "lessons/")
		if li != lj {
			return li
		}
		return l.Files[i].Rel < l.Files[j].Rel
	})
	return l
}

// notebookEntry describes the notebook at rel, saying why it is refused
// when it is not a regular file or check refuses it.
func notebookEntry(root *os.Root, rel string, check func(fs.FileInfo) string) (notebookFile, bool) {
	info, err := root.Lstat(rel)
	if err != nil {
		return notebookFile{}, false // gone since the listing
	}
	f := notebookFile{Rel: rel, URL: relURL(rel), Size: info.Size(), ModTime: info.ModTime(),
		Refused: safefile.RefusalReason(info.Mode())}
	if f.Refused == "" && check != nil {
		f.Refused = check(info)
	}
	if f.Refused != "" {
		f.Size = 0
	}
	return f, true
}

// ownerCheck returns a check that refuses a file whose owner is not the
// owner of the home: a hard link to a file of another user (where the
// system allows it; Linux's fs.protected_hardlinks does not) is never
// shown. Where owners are not known it refuses nothing.
func ownerCheck(homeInfo fs.FileInfo) func(fs.FileInfo) string {
	owner, ok := fileOwner(homeInfo)
	if !ok {
		return nil
	}
	return func(info fs.FileInfo) string {
		if uid, ok := fileOwner(info); ok && uid != owner {
			return "it belongs to another user than the student (a hard link?); it is not shown"
		}
		return ""
	}
}

// relURL escapes each part of a path for a URL.
func relURL(rel string) string {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// notebooksURL is the list page of a student's notebooks, relative to the
// class view's page.
func notebooksURL(student string) string { return notebooksPrefix + url.PathEscape(student) + "/" }

// splitNotebookPath splits the escaped path after "P notebooks/" into a
// student and a notebook path in their home ("" for the list). Each part
// is unescaped on its own, so an encoded "/" never separates; "", ".", "..",
// hidden names and NUL are refused (ok false), and a notebook path must
// name an .ipynb file.
func splitNotebookPath(escaped string) (student, rel string, ok bool) {
	parts := strings.Split(escaped, "/")
	if len(parts) >= 2 && parts[len(parts)-1] == "" && len(parts) == 2 {
		parts = parts[:1] // "alice/": the list
	}
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" || strings.HasPrefix(u, ".") || strings.ContainsAny(u, "/\x00") {
			return "", "", false
		}
		parts[i] = u
	}
	if len(parts) == 1 {
		return parts[0], "", true
	}
	rel = strings.Join(parts[1:], "/")
	if len(parts)-1 > maxNotebookDepth+1 || !strings.HasSuffix(rel, ".ipynb") {
		return "", "", false
	}
	return parts[0], rel, true
}
