package classview

import (
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of the page that shows a notebook.
const (
	// maxTextBytes is how much of one cell's source or one text output is shown.
	maxTextBytes = 100 << 10
	// maxHTMLBytes is the largest HTML or Markdown output that is sanitized
	// and shown.
	maxHTMLBytes = 512 << 10
	// maxImageBytes is the largest image (decoded) shown.
	maxImageBytes = 2 << 20
	// maxPageBytes is how much text, HTML and images one page shows in all.
	maxPageBytes = 8 << 20
)

// nbPage is what the page of a notebook shows.
type nbPage struct {
	Student, Path string
	// Problems say what of the notebook is not shown, and why.
	Problems []string
	Cells    []cellView
}

// cellView is one cell: its source as text and its outputs, made safe.
type cellView struct {
	N       int
	Kind    string // "code", "markdown", "raw", or what the file says
	Count   string // the execution count, "" when none
	Source  string
	Outputs []outView
	Notes   []string
}

// outView is one output as shown: Kind "text", "stderr" or "error" (Text
// in a <pre>), "html" (HTML, sanitized), "image" (Img, a checked data:
// URL) or "note" (Text, a sentence about what is not shown).
type outView struct {
	Kind string
	Text string
	HTML template.HTML
	Img  template.URL
	Alt  string
}

// nbRenderer turns cells into views within one page's budget.
type nbRenderer struct {
	left int // bytes the page may still show
}

// note is an outView saying what is not shown.
func note(format string, args ...any) outView {
	return outView{Kind: "note", Text: fmt.Sprintf(format, args...)}
}

// take reports whether n more bytes fit in the page, counting them.
func (r *nbRenderer) take(n int) bool {
	if n > r.left {
		r.left = 0
		return false
	}
	r.left -= n
	return true
}

// fullNote is the note of an output past the page's budget.
func fullNote() outView {
	return note("(not shown: this page has reached its limit of %s; the rest of the notebook is not shown)", sizeText(maxPageBytes))
}

// render makes the views of a notebook's cells.
func renderNotebook(nb *nbRead) []cellView {
	r := &nbRenderer{left: maxPageBytes}
	views := make([]cellView, 0, len(nb.Cells))
	for i := range nb.Cells {
		views = append(views, r.cell(i+1, &nb.Cells[i]))
	}
	return views
}

func (r *nbRenderer) cell(n int, c *nbCell) cellView {
	v := cellView{N: n, Kind: oneLine(c.CellType, 40)}
	if v.Kind == "" {
		v.Kind = "unknown"
	}
	var count int
	if json.Unmarshal(c.ExecutionCount, &count) == nil && count > 0 {
		v.Count = strconv.Itoa(count)
	}
	src := cleanText(c.Source.s, maxTextBytes)
	if r.take(len(src)) {
		v.Source = src
	} else {
		v.Notes = append(v.Notes, fullNote().Text)
	}
	if c.bad || c.Source.bad || c.Outputs.bad {
		v.Notes = append(v.Notes, "Part of this cell is not in the notebook format, and is not shown.")
	}
	for i := range c.Outputs.list {
		v.Outputs = append(v.Outputs, r.output(&c.Outputs.list[i])...)
	}
	if c.Outputs.more > 0 {
		v.Outputs = append(v.Outputs, note("(%d more outputs, not shown: a cell shows at most %d)", c.Outputs.more, maxOutputsPerCell))
	}
	return v
}

// output makes one output's views: streams and errors as text, a display's
// richest safe form (after notes on the richer forms not shown), anything
// else a note.
func (r *nbRenderer) output(o *nbOutput) []outView {
	var v outView
	switch o.OutputType {
	case "stream":
		v = r.text("text", o.Text.s)
		if o.Name == "stderr" {
			v.Kind = "stderr"
		}
	case "error":
		tb := cleanText(o.Traceback.s, maxTextBytes)
		if strings.TrimSpace(tb) == "" {
			tb = o.EName + ": " + o.EValue
		}
		v = r.text("error", tb)
	case "display_data", "execute_result", "update_display_data":
		views := r.bundle(o.Data)
		if o.bad {
			views = append(views, note("(part of this output is not in the notebook format)"))
		}
		return views
	default:
		v = note("(an output of type %q, not shown)", oneLine(o.OutputType, 80))
	}
	if o.bad {
		return []outView{v, note("(part of this output is not in the notebook format)")}
	}
	return []outView{v}
}

// text is a text view of s, cleaned and cut to maxTextBytes.
func (r *nbRenderer) text(kind, s string) outView {
	s = cleanText(s, maxTextBytes)
	if !r.take(len(s)) {
		return fullNote()
	}
	return outView{Kind: kind, Text: s}
}

// shownTypes are the MIME types an output may be shown as, best first.
var shownTypes = []string{"text/html", "text/markdown", "image/png", "image/jpeg", "text/plain"}

// bundle shows the best form of a display's MIME bundle that is safe and
// within the bounds, after a note on each richer form that is not; a quiz
// widget of this project shows its text form.
func (r *nbRenderer) bundle(data map[string]json.RawMessage) []outView {
	if html, ok := bundleText(data, "text/html"); ok && strings.Contains(html, "gq-quiz") {
		if plain, ok := bundleText(data, "text/plain"); ok {
			v := r.text("text", plain)
			v.Text = "A quiz question (shown as text; its answers are in the class view):\n" + v.Text
			return []outView{v}
		}
	}
	var views []outView
	for _, mime := range shownTypes {
		if _, ok := data[mime]; !ok {
			continue
		}
		v, why := r.form(mime, data[mime])
		if why == "" {
			return append(views, v)
		}
		views = append(views, note("%s", why))
	}
	if len(views) > 0 {
		return views
	}
	types := make([]string, 0, len(data))
	for t := range data {
		types = append(types, oneLine(t, 80))
	}
	sort.Strings(types)
	if len(types) > 5 {
		types = append(types[:5], "…")
	}
	if len(types) == 0 {
		return []outView{note("(an empty output)")}
	}
	return []outView{note("(an output of type %s, not shown)", strings.Join(types, ", "))}
}

// form shows one MIME type's data, or says why it is not shown.
func (r *nbRenderer) form(mime string, raw json.RawMessage) (outView, string) {
	var t nbText
	_ = t.UnmarshalJSON(raw)
	if t.bad {
		return outView{}, fmt.Sprintf("(an output of type %s that is not text, not shown)", mime)
	}
	switch mime {
	case "text/plain":
		return r.text("text", t.s), ""
	case "image/png", "image/jpeg":
		img, why := dataImage(mime, t.s)
		if why != "" {
			return outView{}, why
		}
		if !r.take(len(img)) {
			return fullNote(), ""
		}
		return outView{Kind: "image", Img: img, Alt: "An image output (" + mime + ")"}, ""
	}
	if len(t.s) > maxHTMLBytes {
		return outView{}, fmt.Sprintf("(an output of type %s of %s, over the limit of %s, not shown)", mime, sizeText(int64(len(t.s))), sizeText(maxHTMLBytes))
	}
	var html template.HTML
	if mime == "text/markdown" {
		html = sanitizeMarkdown(t.s)
	} else {
		html = sanitizeHTML(t.s)
	}
	if strings.TrimSpace(string(html)) == "" {
		return outView{}, fmt.Sprintf("(an output of type %s with nothing to show once its scripts, styles and forms are removed)", mime)
	}
	if !r.take(len(html)) {
		return fullNote(), ""
	}
	return outView{Kind: "html", HTML: html}, ""
}

// bundleText returns the text of a MIME type in a bundle.
func bundleText(data map[string]json.RawMessage, mime string) (string, bool) {
	raw, ok := data[mime]
	if !ok {
		return "", false
	}
	var t nbText
	_ = t.UnmarshalJSON(raw)
	return t.s, !t.bad
}

// ansiEscape matches terminal escape sequences: CSI (colours, cursor
// moves), OSC (titles, links) and the two-byte ones.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x{9b}[0-?]*[ -/]*[@-~]`)

// cleanText makes a program's text fit to read: terminal escapes removed,
// line ends made "\n", other control characters dropped, and the
// direction controls that could make code read differently than it runs
// shown as \u escapes. It is cut to max bytes, saying how much is left out.
func cleanText(s string, max int) string {
	rest := 0
	if len(s) > 2*max {
		rest, s = len(s)-2*max, s[:2*max]
	}
	s = ansiEscape.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	s = bidiControl.ReplaceAllStringFunc(s, func(c string) string {
		r, _ := utf8.DecodeRuneInString(c)
		return fmt.Sprintf(`\u%04x`, r)
	})
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		rest += len(s) - cut
		s = s[:cut]
	}
	if rest > 0 {
		s += fmt.Sprintf("\n… (%s more, not shown)", sizeText(int64(rest)))
	}
	return s
}

// bidiControl matches the explicit direction embeddings, overrides and
// isolates ("Trojan Source").
var bidiControl = regexp.MustCompile("[\u202a-\u202e\u2066-\u2069]")

// oneLine is s cleaned and cut to max bytes, on one line.
func oneLine(s string, max int) string {
	s = strings.ReplaceAll(cleanText(s, max), "\n", " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
