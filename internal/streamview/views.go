package streamview

import (
	"embed"
	"html/template"
	"strings"
)

// The HTML the helpers show around an answer is in views/views.html.tmpl;
// html/template escapes every value in it.
//
//go:embed views/*.tmpl
var viewFiles embed.FS

var views = template.Must(template.ParseFS(viewFiles, "views/*.tmpl"))

// renderView renders the named template of views.html.tmpl with data.
func renderView(name string, data any) string {
	var b strings.Builder
	if err := views.ExecuteTemplate(&b, name, data); err != nil {
		// The templates are part of the program and tested; an error here
		// is a bug, shown rather than hidden.
		return template.HTMLEscapeString("(display error: " + err.Error() + ")")
	}
	return b.String()
}
