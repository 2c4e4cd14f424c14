package classview

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/gradebook"
)

// ContentSecurityPolicy is sent with every page: scripts and styles only
// from the service's own files, no inline script, style or event handler,
// nothing framed, nothing loaded from elsewhere.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// downloadPolicy is the policy of the downloaded gradebook.html, which
// carries its own inline styles and no script.
const downloadPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// Options are what a Server needs besides its config.
type Options struct {
	// HubToken is the service's JUPYTERHUB_API_TOKEN: the OAuth client
	// secret, and the token for GET /hub/api/users.
	HubToken hub.Secret
	// Logf logs; nil discards.
	Logf func(format string, args ...any)
	// HTTPClient talks to the hub and the relay; nil: one with hub_timeout.
	HTTPClient *http.Client
}

// Server is the teacher's live view, an http.Handler; Run keeps it up to date.
type Server struct {
	cfg     Config
	hub     *hub.Client
	auth    *hubOAuth
	homes   *homes
	live    *live
	exclude map[string]bool
	logf    func(string, ...any)
	now     func() time.Time

	refreshMu sync.Mutex // one refresh at a time; guards lessons
	lessons   *gradebook.Lessons
	lessonSig string

	mu       sync.Mutex // guards users, relay, hubErr, teach, teachErr
	users    map[string]*hub.User
	relay    relayInfo
	hubErr   string
	teach    *classapi.TeacherState // the relay's teacher state, nil until read
	teachErr string
}

// New checks that the lessons hold questions and returns the server.
func New(cfg Config, opt Options) (*Server, error) {
	if opt.HubToken == "" {
		return nil, fmt.Errorf("%s is not set: JupyterHub sets it for a managed service; for an external one, set api_token in the service's entry of c.JupyterHub.services and export it", EnvAPIToken)
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: cfg.HubTimeout.D()}
	}
	lessons := gradebook.LoadLessons(cfg.Lessons...)
	if len(lessons.Questions) == 0 {
		var probs []string
		for _, w := range lessons.Warnings {
			probs = append(probs, w.String())
		}
		return nil, fmt.Errorf("no quiz question found in the lessons %s; \"lessons\" must name the lesson notebooks (files or folders). %s", strings.Join(cfg.Lessons, ", "), strings.Join(probs, "; "))
	}
	s := &Server{cfg: cfg, live: newLive(), exclude: map[string]bool{}, logf: opt.Logf, now: time.Now,
		lessons: lessons, relay: relayInfo{waiting: -1}}
	s.hub = &hub.Client{API: cfg.HubAPIURL, Token: opt.HubToken, HTTP: opt.HTTPClient}
	s.auth = newHubOAuth(&s.cfg, s.hub, opt.Logf)
	paths := cfg.AnswersPaths
	if len(paths) == 0 {
		paths = defaultAnswersPaths(lessons.Paths)
	}
	s.homes = &homes{glob: cfg.Homes, patterns: paths}
	for _, u := range cfg.ExcludeUsers {
		s.exclude[u] = true
	}
	return s, nil
}

// Describe says what the server reads, for its log.
func (s *Server) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Class view at %s (hub OAuth client %s, callback %s)\n", s.cfg.Prefix, s.cfg.ClientID, s.cfg.CallbackURL)
	fmt.Fprintf(&b, "Lessons: %d questions in %s\n", len(s.lessons.Questions), strings.Join(s.lessons.Paths, ", "))
	fmt.Fprintf(&b, "Answers: %s, in each home: %s\n", s.cfg.Homes, strings.Join(s.homes.patterns, ", "))
	if s.cfg.Relay.URL != "" {
		fmt.Fprintf(&b, "Relay: %s (its usage and queue)\n", s.cfg.Relay.URL)
	}
	return strings.TrimRight(b.String(), "\n")
}

// maxWarningsListed is how many warnings Summary lists.
const maxWarningsListed = 20

// Summary says what the latest reading of the class found, with the
// problems that need the teacher's attention.
func (s *Server) Summary() string {
	cur := s.live.current()
	if cur.view == nil {
		return "The class has not been read yet."
	}
	v := cur.view
	var b strings.Builder
	fmt.Fprintf(&b, "Read the class: %d students (%d online), %d questions, %d answers files, %d warnings",
		len(v.Students), v.Online, len(v.Questions), cur.book.FilesRead, len(v.Warnings))
	for _, n := range v.Notices {
		fmt.Fprintf(&b, "\nProblem: %s", gradebook.TerminalSafe(n))
	}
	for i, w := range v.Warnings {
		if i == maxWarningsListed {
			fmt.Fprintf(&b, "\n… and %d more warnings, listed on the page", len(v.Warnings)-i)
			break
		}
		fmt.Fprintf(&b, "\nWarning: %s", gradebook.TerminalSafe(w.String()))
	}
	return b.String()
}

// ServeHTTP routes a request under the prefix P:
//
//	GET  P                 the page (hub admins)
//	GET  P oauth_callback  the end of the hub's OAuth login
//	GET  P events          the page's live updates, server-sent events
//	GET  P gradebook.csv, gradebook.html, gradebook.zip   the class's gradebook
//	GET  P notebooks/<student>/        the student's notebooks (hub admins)
//	GET  P notebooks/<student>/<path>  one notebook, read only (hub admins)
//	GET  P static/...      the page's script and style sheet
//	GET  P exchange/<id>   one kept exchange in full (hub admins)
//	POST P ai              pause, resume or stop the AI for a student or the class (hub admins, CSRF token)
//	POST P seen            mark an alert seen (hub admins, CSRF token)
//	POST P settings        the teacher's settings at the relay (hub admins, CSRF token)
//	POST P logout          sign out
//	GET  P health          {"status":"ok"}
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	p := r.URL.Path
	if p+"/" == s.cfg.Prefix {
		http.Redirect(w, r, s.cfg.Prefix, http.StatusFound)
		return
	}
	if p == s.cfg.callbackPath() {
		s.auth.callback(w, r)
		return
	}
	rest, ok := strings.CutPrefix(p, s.cfg.Prefix)
	if !ok {
		textError(w, http.StatusNotFound, "Not found: the class view is at "+s.cfg.Prefix)
		return
	}
	if r.Method == http.MethodPost && rest == "logout" {
		s.auth.signOut(w, r)
		s.render(w, http.StatusOK, "signedout", s.pageData(nil))
		return
	}
	if r.Method == http.MethodPost && (rest == "ai" || rest == "seen" || rest == "settings") {
		s.control(w, r, rest)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		textError(w, http.StatusMethodNotAllowed, "Only GET is served here.")
		return
	}
	switch {
	case rest == "":
		s.page(w, r)
	case rest == "events":
		s.events(w, r)
	case rest == "gradebook.csv" || rest == "gradebook.html" || rest == "gradebook.zip":
		s.download(w, r, rest)
	case strings.HasPrefix(rest, notebooksPrefix):
		s.notebooks(w, r)
	case strings.HasPrefix(rest, exchangePrefix):
		s.exchange(w, r, strings.TrimPrefix(rest, exchangePrefix))
	case strings.HasPrefix(rest, "static/"):
		s.static(w, r, strings.TrimPrefix(rest, "static/"))
	case rest == "health":
		h.Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	default:
		textError(w, http.StatusNotFound, "Not found: the class view is at "+s.cfg.Prefix)
	}
}

// guard returns the signed-in admin's session. Without a session, a page
// request goes to the hub's login and an API request (api) gets 401; a
// signed-in user who is not a hub admin gets 403.
func (s *Server) guard(w http.ResponseWriter, r *http.Request, api bool) (*session, bool) {
	sess, _ := s.auth.current(r)
	if sess == nil {
		if api {
			textError(w, http.StatusUnauthorized, "Signed out: reload the class view to sign in through the hub.")
		} else {
			s.auth.startLogin(w, r)
		}
		return nil, false
	}
	if why := s.auth.allowed(sess.user); why != "" {
		s.logf("class-view: refused %s %q: %s", sess.user.Kind, sess.user.Name, why)
		if api {
			textError(w, http.StatusForbidden, "Not allowed: "+why+".")
		} else {
			d := s.pageData(sess)
			d["Why"] = why
			s.render(w, http.StatusForbidden, "forbidden", d)
		}
		return nil, false
	}
	return sess, true
}

// pageData is what the page templates get besides the view.
func (s *Server) pageData(sess *session) map[string]any {
	d := map[string]any{"Prefix": s.cfg.Prefix, "Hub": s.cfg.HubHost + s.cfg.HubBaseURL + "hub/"}
	if sess != nil {
		d["User"], d["CSRF"] = sess.user.Name, sess.csrf
	}
	return d
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.guard(w, r, false)
	if !ok {
		return
	}
	cur := s.fresh(r.Context())
	d := s.pageData(sess)
	d["View"], d["At"] = cur.view, cur.at
	s.render(w, http.StatusOK, "page", d)
}

// fresh returns the latest snapshot, reading the class first when it has
// not been read for a while (nobody was looking) or not yet at all.
func (s *Server) fresh(ctx context.Context) *snapshot {
	now := s.now()
	idle := s.live.idle(now, idleAfter)
	s.live.want(now)
	if cur := s.live.current(); cur.view == nil || (idle && now.Sub(cur.at) > s.cfg.Poll.D()) {
		s.Refresh(ctx)
	}
	return s.live.current()
}

// render executes a page template into a buffer, so that an error is a
// clean 500.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		s.logf("class-view: rendering %s: %v", name, err)
		textError(w, http.StatusInternalServerError, "The page could not be made; the service's log says why.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// download sends the class's gradebook, as cmd/gradebook writes it, made
// from the latest reading of the homes.
func (s *Server) download(w http.ResponseWriter, r *http.Request, name string) {
	if _, ok := s.guard(w, r, false); !ok {
		return
	}
	b := s.fresh(r.Context()).book
	var buf bytes.Buffer
	var err error
	ctype := "text/csv; charset=utf-8"
	switch name {
	case "gradebook.csv":
		err = b.WriteCSV(&buf)
	case "gradebook.html":
		ctype = "text/html; charset=utf-8"
		w.Header().Set("Content-Security-Policy", downloadPolicy)
		err = b.WriteHTML(&buf)
	default:
		ctype = "application/zip"
		err = writeZip(&buf, b)
	}
	if err != nil {
		s.logf("class-view: writing %s: %v", name, err)
		textError(w, http.StatusInternalServerError, "The gradebook could not be written; the service's log says why.")
		return
	}
	stamp := b.Generated.Local().Format("2006-01-02-1504")
	file := strings.Replace(name, "gradebook.", "gradebook-"+stamp+".", 1)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	_, _ = w.Write(buf.Bytes())
}

// writeZip writes gradebook.csv and gradebook.html into one zip archive.
func writeZip(w io.Writer, b *gradebook.Book) error {
	z := zip.NewWriter(w)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{"gradebook.csv", b.WriteCSV}, {"gradebook.html", b.WriteHTML}} {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: b.Generated})
		if err != nil {
			return err
		}
		if err := f.write(fw); err != nil {
			return err
		}
	}
	return z.Close()
}

//go:embed static
var staticFiles embed.FS

// static serves the page's script and style sheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request, name string) {
	data, err := fs.ReadFile(staticFiles, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		textError(w, http.StatusNotFound, "Not found.")
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-cache")
	// The sandboxed notebook pages (NotebookPolicy) have an opaque origin:
	// their style sheet is a cross-origin load.
	w.Header().Del("Cross-Origin-Resource-Policy")
	_, _ = w.Write(data)
}

// textError writes a plain-text error (never HTML, so nothing in it is markup).
func textError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

//go:embed templates
var templateFiles embed.FS

// pageTemplates are the page, its live part and the error pages.
// html/template escapes every name and answer for where it lands.
var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"clock": clock,
	"size":  func(n int64) string { return sizeText(n) },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"label":      classapi.CategoryLabel,
	"categories": classapi.Categories,
	"lines":      func(l []string) string { return strings.Join(l, "\n") },
	"num":        func(f float64) string { return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".") },
}).ParseFS(templateFiles, "templates/*.tmpl"))

// clock writes a time the way a teacher reads it: "10:15" today, "3 Mar
// 10:15" before, "" for none; in the server's time zone.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return t.Format("15:04")
	}
	return t.Format("2 Jan 15:04")
}
