package classview

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/internal/lessontest"
)

const (
	serviceToken = "svc-token-for-tests"
	prefix       = "/services/class-view/"
	clientID     = "service-class-view"
)

// answer writes a student's answers file by hand, as a student with an
// editor could: every field, "correct" included, is the student's choice.
func answer(t *testing.T, home, rel string, answers map[string]string, claimCorrect bool) {
	t.Helper()
	recs := map[string]any{}
	for id, a := range answers {
		recs[id] = map[string]any{"answer": a, "correct": claimCorrect, "attempts": 1, "time": "2025-03-04T10:00:00Z",
			"history": []any{map[string]any{"answer": a, "correct": claimCorrect, "time": "2025-03-04T10:00:00Z"}}}
	}
	data, _ := json.Marshal(map[string]any{"version": 1, "notebook": "openai-streaming.ipynb", "answers": recs})
	lessontest.WriteFile(t, filepath.Join(home, rel), string(data))
}

// fakeHub plays JupyterHub's part: the OAuth provider (authorize, token)
// here, and GET /hub/api/user and GET /hub/api/users (two users a page)
// from hubtest.Hub.
type fakeHub struct {
	*hubtest.Hub
	t *testing.T

	mu         sync.Mutex
	accounts   map[string]*hub.User // name -> model
	codes      map[string]fakeCode
	tokenCalls int
}

type fakeCode struct{ user, challenge, redirect string }

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{Hub: hubtest.NewHub(t), t: t, accounts: map[string]*hub.User{}, codes: map[string]fakeCode{}}
	h.ServiceToken(serviceToken)
	h.PageSize(2)
	h.Handle("/hub/api/oauth2/authorize", http.HandlerFunc(h.authorize))
	h.Handle("/hub/api/oauth2/token", http.HandlerFunc(h.token))
	return h
}

func (h *fakeHub) addUser(u hub.User) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u.Kind == "" {
		u.Kind = "user"
	}
	h.accounts[u.Name] = &u
	h.User(u)
}

// authorize logs in the user named by the X-Fake-User header (the real hub
// would use its own login) and sends the browser back with a code.
func (h *fakeHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("redirect_uri") == "" {
		h.t.Errorf("authorize: bad parameters %v", q)
		http.Error(w, "bad request", 400)
		return
	}
	code := "code-" + randomID(8)
	h.mu.Lock()
	h.codes[code] = fakeCode{user: r.Header.Get("X-Fake-User"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	h.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token checks the exchange as JupyterHub does: the client's id and secret
// (the service's token), the code, its redirect_uri and its PKCE verifier.
func (h *fakeHub) token(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokenCalls++
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, `{"error":"invalid_request"}`, 400)
		return
	}
	f := r.PostForm
	c, ok := h.codes[f.Get("code")]
	delete(h.codes, f.Get("code"))
	sum := sha256.Sum256([]byte(f.Get("code_verifier")))
	switch {
	case f.Get("client_id") != clientID || f.Get("client_secret") != serviceToken:
		http.Error(w, `{"error":"invalid_client"}`, 401)
	case !ok || f.Get("grant_type") != "authorization_code" || f.Get("redirect_uri") != c.redirect:
		http.Error(w, `{"error":"invalid_grant"}`, 400)
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		http.Error(w, `{"error":"invalid_grant","error_description":"PKCE verification failed"}`, 400)
	default:
		tok := "oauth-" + randomID(12)
		if u := h.accounts[c.user]; u != nil {
			h.Token(tok, withTokenScopes(*u))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","scope":"access:services!service=class-view"}`, tok)
	}
}

// withTokenScopes returns u as GET /hub/api/user answers it for an OAuth
// token: with the scopes such a token has (the service's access scope and
// the identify scopes) unless u names its own.
func withTokenScopes(u hub.User) hub.User {
	if u.Scopes == nil {
		u.Scopes = []string{"access:services!service=class-view", "read:users:name!user=" + u.Name, "read:users:groups!user=" + u.Name}
	}
	return u
}

func newTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// class is a fake hub, a class view in front of it, lessons and homes.
type class struct {
	t       *testing.T
	hub     *fakeHub
	hubURL  string
	view    *Server
	url     string // the class view's origin
	homes   string // the folder of home folders
	lessons string
}

// newClass starts a fake hub and a class view reading homes in a temporary
// folder; change edits the config before the view is made.
func newClass(t *testing.T, change func(*Config)) *class {
	t.Helper()
	dir := t.TempDir()
	c := &class{t: t, hub: newFakeHub(t), homes: filepath.Join(dir, "home"), lessons: filepath.Join(dir, "notebooks")}
	lessontest.WriteLesson(t, filepath.Join(c.lessons, "openai-streaming.ipynb"))
	if err := os.MkdirAll(c.homes, 0o755); err != nil {
		t.Fatal(err)
	}
	c.hubURL = c.hub.URL
	var handler http.Handler
	c.url = newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	env := map[string]string{
		EnvAPIURL: c.hubURL + "/hub/api", EnvHost: c.hubURL, EnvBaseURL: "/", EnvClientID: clientID,
		EnvServicePrefix: prefix, EnvCallbackURL: c.url + prefix + "oauth_callback", EnvServiceName: "class-view",
		EnvAccessScopes: `["access:services!service=class-view"]`,
	}
	cfg := DefaultConfig()
	cfg.Lessons = []string{c.lessons}
	cfg.Homes = filepath.Join(c.homes, "*")
	if err := cfg.applyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&cfg)
	}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	view, err := New(cfg, Options{HubToken: hub.Secret(serviceToken), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	c.view, handler = view, view
	return c
}

// run starts the class view's polling until the test ends.
func (c *class) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.view.Refresh(ctx) // the first reading, before the test looks
	go func() { c.view.Run(ctx); close(done) }()
	c.t.Cleanup(func() { cancel(); <-done })
}

// browser is a cookie-keeping client that does not follow redirects, so
// that each step of the login can be checked.
type browser struct {
	t      *testing.T
	client *http.Client
	user   string // who the fake hub logs in
}

func (c *class) browser(user string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: c.t, user: user, client: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches u and returns the response with its body read.
func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("X-Fake-User", b.user)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// follow gets u and follows redirects by hand, returning the last response.
func (b *browser) follow(u string) (*http.Response, string) {
	b.t.Helper()
	for range 10 {
		resp, body := b.get(u)
		if resp.StatusCode != http.StatusFound {
			return resp, body
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		u = next.String()
	}
	b.t.Fatal("too many redirects")
	return nil, ""
}

// page signs in (through the fake hub) and returns the class view's page.
func (c *class) page(b *browser) (*http.Response, string) {
	return b.follow(c.url + prefix)
}

// cookie returns the Set-Cookie of resp named name, or nil.
func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
