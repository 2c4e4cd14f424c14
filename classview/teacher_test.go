package classview

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/hub"
	"github.com/k12notebooks/golessons/internal/lessontest"
)

// fakeRelay answers the relay's teacher endpoints from a state the test
// changes, and records what the class view posts.
type fakeRelay struct {
	mu      sync.Mutex
	state   classapi.TeacherState
	full    map[string]classapi.Exchange
	posts   []string // "path body"
	changed chan struct{}
}

func newFakeRelay(t *testing.T) (*fakeRelay, string) {
	f := &fakeRelay{full: map[string]classapi.Exchange{}, changed: make(chan struct{}),
		state: classapi.TeacherState{Version: 1, Kept: true, RetentionDays: 30, Settings: classapi.DefaultSettings()}}
	u := newTestServer(t, http.HandlerFunc(f.serve))
	return f, u + "/services/class-relay/"
}

// set changes the state and wakes the long polls.
func (f *fakeRelay) set(change func(*classapi.TeacherState)) {
	f.mu.Lock()
	change(&f.state)
	f.state.Version++
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

func (f *fakeRelay) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "token "+serviceToken {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/services/class-relay/")
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.posts = append(f.posts, path+" "+string(b))
		f.mu.Unlock()
		io.WriteString(w, `{"status":"ok"}`)
		return
	}
	switch path {
	case classapi.TeacherPath:
		f.mu.Lock()
		v, ch := f.state.Version, f.changed
		f.mu.Unlock()
		if r.URL.Query().Get("version") == jsonOf(v) {
			select {
			case <-ch:
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}
		f.mu.Lock()
		json.NewEncoder(w).Encode(f.state)
		f.mu.Unlock()
	case classapi.ExchangePath:
		f.mu.Lock()
		e, ok := f.full[r.URL.Query().Get("id")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"message":"No kept exchange has this id","type":"not_found","code":404}}`)
			return
		}
		json.NewEncoder(w).Encode(e)
	case classapi.HealthPath:
		json.NewEncoder(w).Encode(classapi.Health{Status: "ok"})
	case classapi.UsagePath:
		json.NewEncoder(w).Encode(classapi.UsageDoc{Version: 1, Students: map[string]*classapi.StudentUsage{}})
	default:
		http.NotFound(w, r)
	}
}

// postsNow returns what the class view posted so far.
func (f *fakeRelay) postsNow() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.posts...)
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// post sends a form from the browser, with the browser's cookies.
func (b *browser) post(u string, form url.Values, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// csrfOf returns the CSRF token of a page's forms.
func csrfOf(t *testing.T, page string) string {
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no CSRF token")
	}
	return m[1]
}

// A flagged exchange reaches the open page live, at the top, with its
// category; hostile text in it stays text; the teacher opens it in full.
func TestAlertsAndConversationsLive(t *testing.T) {
	fr, relayURL := newFakeRelay(t)
	c := newClass(t, func(cfg *Config) { cfg.Relay = RelayConfig{URL: relayURL} })
	c.hub.addUser(hub.User{Name: "alice"})
	c.run()
	b := c.signedIn()
	ev := c.events(b)
	// The first event may come before the relay's state was read.
	first := ev.next(t)
	for strings.Contains(first, "have not been read yet") {
		first = ev.next(t)
	}
	if !strings.Contains(first, "No alerts.") || !strings.Contains(first, "Conversations") {
		t.Fatalf("before any exchange: %s", first)
	}
	hostile := `<script>alert(1)</script>I want to kill myself`
	id := "2026-03-01~alice~1"
	fr.mu.Lock()
	fr.full[id] = classapi.Exchange{ID: id, Student: "alice", Model: "m", Time: time.Now(), Status: 200, Done: true,
		Messages: json.RawMessage(`[{"role":"user","content":` + jsonOf(hostile) + `}]`), Answer: `<img src=x onerror=alert(2)>Please talk to someone.`,
		Alerts: []classapi.Alert{{Category: classapi.CategorySelfHarm, Part: classapi.PartPrompt, Source: classapi.SourceWords, Match: "kill myself"}}}
	fr.mu.Unlock()
	fr.set(func(s *classapi.TeacherState) {
		s.Exchanges = []classapi.ExchangeSummary{{ID: id, Student: "alice", Time: time.Now(), Prompt: hostile, Status: 200, Done: true,
			Answer: "<img src=x onerror=alert(2)>Please talk to someone.", Alerts: fr.full[id].Alerts}}
	})
	var html string
	for html = ev.next(t); !strings.Contains(html, "self-harm"); html = ev.next(t) {
	}
	alerts := html[strings.Index(html, `id="alerts-h"`):strings.Index(html, `id="ai-h"`)]
	if !strings.Contains(alerts, `<strong class="category">self-harm</strong>`) || !strings.Contains(alerts, "&lt;script&gt;alert(1)&lt;/script&gt;I want to kill myself") ||
		!strings.Contains(alerts, `href="exchange/`+id+`"`) || !strings.Contains(alerts, `form="f-seen" name="id" value="`+id+`"`) {
		t.Errorf("the alerts section: %s", alerts)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<img src=x") {
		t.Errorf("hostile text became markup: %s", html)
	}
	resp, page := b.get(c.url + prefix + "exchange/" + url.PathEscape(id))
	if resp.StatusCode != 200 || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;I want to kill myself") ||
		!strings.Contains(page, "&lt;img src=x onerror=alert(2)&gt;Please talk to someone.") || strings.Contains(page, "<script>") ||
		!strings.Contains(page, "self-harm in the prompt, found by the word list") {
		t.Errorf("the exchange page: %d %s", resp.StatusCode, page)
	}
	if resp, _ := b.get(c.url + prefix + "exchange/2026-03-01~bob~9"); resp.StatusCode != 404 {
		t.Errorf("an unknown exchange: %d", resp.StatusCode)
	}
}

// The forms need a signed-in admin, the session's CSRF token and a
// same-origin request; then they reach the relay.
func TestControlsNeedAdminAndCSRF(t *testing.T) {
	fr, relayURL := newFakeRelay(t)
	c := newClass(t, func(cfg *Config) { cfg.Relay = RelayConfig{URL: relayURL} })
	c.hub.addUser(hub.User{Name: "alice"})
	c.run()
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	token := csrfOf(t, page)
	for _, id := range []string{"f-pause", "f-stop", "f-resume", "f-seen", "settings"} {
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the page has no %s", id)
		}
	}
	pause := url.Values{"do": {"stop"}, "student": {"alice"}}
	if resp, _ := b.post(c.url+prefix+"ai", pause, nil); resp.StatusCode != 403 {
		t.Errorf("without the CSRF token: %d", resp.StatusCode)
	}
	pause.Set("csrf", "forged")
	if resp, _ := b.post(c.url+prefix+"ai", pause, nil); resp.StatusCode != 403 {
		t.Errorf("with a wrong CSRF token: %d", resp.StatusCode)
	}
	pause.Set("csrf", token)
	if resp, _ := b.post(c.url+prefix+"ai", pause, map[string]string{"Sec-Fetch-Site": "cross-site"}); resp.StatusCode != 403 {
		t.Errorf("from another site: %d", resp.StatusCode)
	}
	if len(fr.postsNow()) != 0 {
		t.Fatalf("refused forms reached the relay: %v", fr.postsNow())
	}
	student := c.browser("alice")
	c.page(student)
	if resp, _ := student.post(c.url+prefix+"ai", pause, nil); resp.StatusCode != 403 {
		t.Errorf("a student's POST: %d", resp.StatusCode)
	}
	if resp, _ := student.get(c.url + prefix + "exchange/2026-03-01~alice~1"); resp.StatusCode != 403 {
		t.Errorf("a student's GET exchange: %d", resp.StatusCode)
	}
	resp, _ := b.post(c.url+prefix+"ai", pause, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != prefix+"#ai-h" {
		t.Errorf("stop now: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{"csrf": {token}, "instructions": {"Keep it short.\r\n"}, "safety_model": {"llama-guard3"},
		"action-sexual": {"block"}, "words-abuse": {"bully\r\n\r\n/hits? me/\r\n"}}
	if resp, _ := b.post(c.url+prefix+"settings", form, nil); resp.StatusCode != 303 {
		t.Errorf("settings: %d", resp.StatusCode)
	}
	posts := fr.postsNow()
	if len(posts) != 2 || posts[0] != `pause {"student":"alice","paused":true,"stop_now":true}` {
		t.Fatalf("posted to the relay: %v", posts)
	}
	var s classapi.Settings
	json.Unmarshal([]byte(strings.TrimPrefix(posts[1], "settings ")), &s)
	if s.Instructions != "Keep it short." || s.SafetyModel != "llama-guard3" || s.Action(classapi.CategorySexual) != classapi.ActionBlock ||
		s.Action(classapi.CategoryAbuse) != classapi.ActionAlert || strings.Join(s.Words[classapi.CategoryAbuse], "|") != "bully|/hits? me/" ||
		len(s.Words[classapi.CategorySelfHarm]) != 0 {
		t.Errorf("settings sent: %+v", s)
	}
}

// The lesson's reflections are listed with what each student wrote, as
// text, never graded, and not among the questions.
func TestReflectionsShownUngraded(t *testing.T) {
	c := newClass(t, func(cfg *Config) {
		lessontest.WriteNotebook(t, filepath.Join(cfg.Lessons[0], "reflect.ipynb"),
			lessontest.Code("%%\nhelpers.Reflect(`{\"question_type\": \"reflection\", \"id\": \"reflect-1\", \"question\": \"What surprised you?\"}`)"))
	})
	hostile := "<script>alert(1)</script>That it comes\nin pieces"
	rec := map[string]any{"answer": hostile, "correct": false, "attempts": 1, "time": "2025-03-04T10:00:00Z"}
	data, _ := json.Marshal(map[string]any{"version": 1, "notebook": "reflect.ipynb", "answers": map[string]any{"reflect-1": rec}})
	lessontest.WriteFile(t, filepath.Join(c.homes, "alice", "reflect.answers.json"), string(data))
	c.hub.addUser(hub.User{Name: "alice"})
	c.hub.addUser(hub.User{Name: "bob"})
	c.run()
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	i := strings.Index(page, `id="reflections-h"`)
	if i < 0 {
		t.Fatalf("no reflections section:\n%s", page)
	}
	section := page[i : strings.Index(page[i:], "</section>")+i]
	if !strings.Contains(section, "What surprised you?") || !strings.Contains(section, "alice") ||
		!strings.Contains(section, "&lt;script&gt;alert(1)&lt;/script&gt;That it comes\nin pieces") || strings.Contains(section, "bob") {
		t.Errorf("the reflections section:\n%s", section)
	}
	questions := page[strings.Index(page, `id="questions-h"`):strings.Index(page, `id="reflections-h"`)]
	if strings.Contains(questions, "What surprised you?") || strings.Contains(page, "not scored") || strings.Contains(page, "<script>alert") {
		t.Errorf("the reflection is graded or warned about:\n%s", page)
	}
}

// A safety model that fails is said at the top of the alerts, as text.
func TestSafetyProblemShown(t *testing.T) {
	st := &classapi.TeacherState{Kept: true, Settings: classapi.DefaultSettings(), SafetyModelProblem: `it answered "<b>hi</b>"`}
	st.Settings.SafetyModel = "llama-guard3"
	var b strings.Builder
	if err := pageTemplates.ExecuteTemplate(&b, "alerts", buildPanel(st, "", nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `<li id="safety-problem">The safety model did not answer its last check, so alerts come from the word lists only: it answered &#34;&lt;b&gt;hi&lt;/b&gt;&#34;.</li>`) {
		t.Errorf("the alerts section:\n%s", b.String())
	}
	st.Settings.SafetyModel = ""
	if p := buildPanel(st, "", nil); p.SafetyProblem != "" {
		t.Errorf("a problem shown without a safety model: %q", p.SafetyProblem)
	}
}
