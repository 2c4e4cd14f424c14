package classview

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/k12notebooks/golessons/internal/lessontest"
)

// signedIn returns a teacher's browser, signed in.
func (c *class) signedIn() *browser {
	c.t.Helper()
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	b := c.browser("teacher")
	if resp, body := c.page(b); resp.StatusCode != 200 {
		c.t.Fatalf("sign-in: %d\n%s", resp.StatusCode, body)
	}
	return b
}

// questionRow returns the row of the questions table for the question text.
func questionRowOf(t *testing.T, page, text string) string {
	t.Helper()
	i := strings.Index(page, "<th scope=\"row\">"+text)
	if i < 0 {
		t.Fatalf("no row for %q in\n%s", text, page)
	}
	j := strings.Index(page[i:], "</tr>")
	return page[i : i+j]
}

// Every answer is graded by the lesson's question: a wrong answer the file
// marks correct counts as wrong, a right one marked wrong counts as right.
func TestRegradeIgnoresTheFilesCorrect(t *testing.T) {
	c := newClass(t, nil)
	free, tf, mc := lessontest.Questions(t)
	answer(t, filepath.Join(c.homes, "mallory"), "openai-streaming.answers.json",
		map[string]string{free.ID: "streaming", mc.ID: "a", tf.ID: "True"}, true)
	answer(t, filepath.Join(c.homes, "modest"), "notebooks/openai-streaming.answers.json",
		map[string]string{free.ID: "`Stream`.", mc.ID: "B"}, false)
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	if row := questionRowOf(t, page, free.Text); !strings.Contains(row, "1 of 2 (50%)</td>") || !strings.Contains(row, "<q>streaming</q> × 1") {
		t.Errorf("freeform row: %s", row)
	}
	if row := questionRowOf(t, page, mc.Text); !strings.Contains(row, "2 of 2 (100%)</td>\n<td><meter min=\"0\" max=\"1\" value=\"0.5\"></meter> 1 of 2 (50%)") ||
		!strings.Contains(row, "<q>a: The entire completed response</q> × 1") {
		t.Errorf("multiple choice row: %s", row)
	}
	if row := questionRowOf(t, page, tf.Text); !strings.Contains(row, "1 of 2 (50%)</td>\n<td><meter min=\"0\" max=\"1\" value=\"0.5\"></meter> 1 of 2 (50%)") {
		t.Errorf("true/false row: %s", row)
	}
	if !strings.Contains(page, "mallory: 1 of 3 correct, 1 of 3 points") || !strings.Contains(page, "modest: 2 of 3 correct") {
		t.Errorf("student totals wrong:\n%s", page)
	}
	// The CSV says the same.
	_, csvText := b.get(c.url + prefix + "gradebook.csv")
	rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if row[0] == "mallory" && (row[2] == free.ID || row[2] == mc.ID) && row[5] != "FALSE" {
			t.Errorf("a forged correct answer counts: %q", row)
		}
	}
}

// sseClient reads server-sent events from the class view.
type sseClient struct {
	events chan sseEvent
}

type sseEvent struct{ name, data string }

func (c *class) events(b *browser) *sseClient {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.url+prefix+"events", nil)
	resp, err := b.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		c.t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseClient{events: make(chan sseEvent, 100)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<22)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if ev.data != "" {
					c.t.Errorf("an event with two data lines: %q", ev.data)
				}
				ev.data += strings.TrimPrefix(line, "data: ")
			case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "id: "), strings.HasPrefix(line, "retry: "):
			default:
				c.t.Errorf("unexpected event line %q", line)
			}
		}
	}()
	c.t.Cleanup(func() { cancel(); <-done })
	return s
}

// next returns the html of the next "live" event, failing after a while.
func (s *sseClient) next(t *testing.T) string {
	t.Helper()
	select {
	case ev := <-s.events:
		if ev.name != "live" {
			t.Fatalf("event %q", ev.name)
		}
		var d struct {
			Version int    `json:"version"`
			HTML    string `json:"html"`
		}
		if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
			t.Fatal(err)
		}
		return d.HTML
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10 s")
	}
	return ""
}

// A page open while students work sees the share change, without a reload.
func TestLiveUpdateReachesTheEventStream(t *testing.T) {
	c := newClass(t, func(cfg *Config) { cfg.Poll = classapi.Duration(20 * time.Millisecond) })
	free, _, _ := lessontest.Questions(t)
	c.hub.addUser(hub.User{Name: "alice"})
	c.hub.addUser(hub.User{Name: "bob"})
	c.run()
	b := c.signedIn()
	ev := c.events(b)
	first := ev.next(t)
	if row := questionRowOf(t, first, free.Text); !strings.Contains(row, "0 of 2 (0%)") {
		t.Fatalf("before any answer: %s", row)
	}
	answer(t, filepath.Join(c.homes, "alice"), "openai-streaming.answers.json", map[string]string{free.ID: "stream"}, true)
	second := ev.next(t)
	if row := questionRowOf(t, second, free.Text); !strings.Contains(row, "value=\"0.5\"></meter> 1 of 2 (50%)") {
		t.Errorf("after alice's answer: %s", row)
	}
	answer(t, filepath.Join(c.homes, "bob"), "openai-streaming.answers.json", map[string]string{free.ID: "streaming"}, true)
	third := ev.next(t)
	if row := questionRowOf(t, third, free.Text); !strings.Contains(row, "2 of 2 (100%)") || !strings.Contains(row, "1 of 2 (50%)") || !strings.Contains(row, "<q>streaming</q> × 1") {
		t.Errorf("after bob's wrong answer: %s", row)
	}
	// Nothing changes: no more events (only keep-alive comments).
	select {
	case e := <-ev.events:
		t.Errorf("an event without a change: %+v", e)
	case <-time.After(200 * time.Millisecond):
	}
}

// Names and answers are hostile: they reach the page, the event stream,
// the downloads and the hub's user list as text.
func TestHostileNamesAndAnswersAreEscaped(t *testing.T) {
	c := newClass(t, func(cfg *Config) { cfg.Poll = classapi.Duration(20 * time.Millisecond) })
	free, _, mc := lessontest.Questions(t)
	names := []string{`<img src=x onerror=alert(1)>`, `"><svg onload=alert(2)>`, "evil\r\nevent: live\r\ndata: {}"}
	answers := []string{"</q><script>alert(3)</script>", "\"><iframe src=javascript:alert(4)>", "x\r\n\r\nevent: signedout\r\ndata: {}\r\n\r\n"}
	for i, n := range names {
		answer(t, filepath.Join(c.homes, n), "openai-streaming.answers.json", map[string]string{free.ID: answers[i], mc.ID: answers[i]}, true)
	}
	c.hub.addUser(hub.User{Name: "<b onmouseover=alert(5)>hub</b>"})
	c.run()
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	html := c.events(b).next(t)
	_, gb := b.get(c.url + prefix + "gradebook.html")
	for what, text := range map[string]string{"page": page, "event": html, "gradebook.html": gb} {
		low := strings.ToLower(text)
		for _, bad := range []string{"<img", "<svg onload", "<script>", "<iframe", "<b ", "onmouseover=alert(5)>hub"} {
			if strings.Contains(low, bad) {
				t.Errorf("%s holds %q unescaped", what, bad)
			}
		}
		if regexp.MustCompile(`(?i)<[^>]*\son[a-z]+=`).MatchString(text) {
			t.Errorf("%s holds an event handler attribute", what)
		}
		if !strings.Contains(text, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s does not show the name as text", what)
		}
	}
	if !strings.Contains(html, "&lt;/q&gt;&lt;script&gt;alert(3)&lt;/script&gt;") || !strings.Contains(page, "&lt;b onmouseover=alert(5)&gt;hub&lt;/b&gt;") {
		t.Errorf("the answers or the hub user are not shown as text")
	}
	_, csvText := b.get(c.url + prefix + "gradebook.csv")
	if strings.Contains(csvText, "\n=") || strings.Contains(csvText, ",=") {
		t.Errorf("a formula reached the CSV")
	}
}

// No inline script, style or handler: the page works under its CSP.
func TestPageNeedsNothingInline(t *testing.T) {
	c := newClass(t, nil)
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	for _, re := range []string{`<script>`, `<script(?:\s[^>]*)?>[^<]`, `\sstyle=`, `<style`, `\son[a-z]+=`, `javascript:`} {
		if regexp.MustCompile(`(?i)` + re).MatchString(page) {
			t.Errorf("the page has %s", re)
		}
	}
	if !strings.Contains(page, `<script src="`+prefix+`static/classview.js" defer></script>`) {
		t.Errorf("the page does not load its script")
	}
	for name, ctype := range map[string]string{"classview.js": "text/javascript", "classview.css": "text/css"} {
		resp, body := b.get(c.url + prefix + "static/" + name)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || len(body) < 100 ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if resp, _ := b.get(c.url + prefix + "static/../server.go"); resp.StatusCode != 404 {
		t.Errorf("static escape: %d", resp.StatusCode)
	}
}

func TestDownloads(t *testing.T) {
	c := newClass(t, nil)
	free, _, _ := lessontest.Questions(t)
	answer(t, filepath.Join(c.homes, "alice"), "openai-streaming.answers.json", map[string]string{free.ID: "stream"}, false)
	answer(t, filepath.Join(c.homes, "bob"), "openai-streaming.answers.json", map[string]string{free.ID: "=1+1"}, true)
	c.hub.addUser(hub.User{Name: "carol"}) // on the hub, nothing answered yet
	b := c.signedIn()
	resp, csvText := b.get(c.url + prefix + "gradebook.csv")
	if !regexp.MustCompile(`^attachment; filename="gradebook-\d{4}-\d\d-\d\d-\d{4}\.csv"$`).MatchString(resp.Header.Get("Content-Disposition")) ||
		resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Errorf("CSV headers %v", resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]string{}
	for _, row := range rows {
		if row[2] == "TOTAL" {
			totals[row[0]] = row[3]
		}
		if row[0] == "bob" && row[2] == free.ID && (row[4] != "'=1+1" || row[5] != "FALSE") {
			t.Errorf("bob's row %q", row)
		}
	}
	want := map[string]string{"alice": "1 of 3 correct", "bob": "0 of 3 correct", "carol": "0 of 3 correct"}
	if fmt.Sprint(totals) != fmt.Sprint(want) {
		t.Errorf("totals %v, want %v (the teacher is not a student)", totals, want)
	}
	resp, page := b.get(c.url + prefix + "gradebook.html")
	if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || !strings.Contains(page, "<h1>Gradebook</h1>") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("HTML download: %v", resp.Header)
	}
	resp, zipped := b.get(c.url + prefix + "gradebook.zip")
	z, err := zip.NewReader(bytes.NewReader([]byte(zipped)), int64(len(zipped)))
	if err != nil || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %v %v", err, resp.Header)
	}
	got := map[string]string{}
	for _, f := range z.File {
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		got[f.Name] = string(data)
	}
	if got["gradebook.csv"] != csvText || !strings.Contains(got["gradebook.html"], "<h1>Gradebook</h1>") {
		t.Errorf("zip holds %v", len(got))
	}
}

// Who is online comes from the hub; requests and tokens today, limits and
// the queue from the relay.
func TestOnlineUsageAndQueue(t *testing.T) {
	now := time.Now()
	day := now.Format("2006-01-02")
	doc := classapi.UsageDoc{Version: 1, Students: map[string]*classapi.StudentUsage{
		"alice": {Days: map[string]*classapi.DayUsage{day: {Counts: classapi.Counts{Requests: 4, TotalTokens: 1234}}}},
		"bob":   {Days: map[string]*classapi.DayUsage{day: {Counts: classapi.Counts{Requests: 10, TotalTokens: 99}}}},
		"carol": {Days: map[string]*classapi.DayUsage{day: {Counts: classapi.Counts{Requests: 2, Limited: 1}},
			"2000-01-01": {Counts: classapi.Counts{Requests: 50}}}},
	}}
	relayURL := newTestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/services/class-relay/health":
			json.NewEncoder(w).Encode(classapi.Health{Status: "ok", Waiting: 3, Student: classapi.Limits{RequestsPerDay: 10}})
		case "/services/class-relay/usage":
			if r.Header.Get("Authorization") != "token "+serviceToken {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			json.NewEncoder(w).Encode(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	c := newClass(t, func(cfg *Config) { cfg.Relay = RelayConfig{URL: relayURL + "/services/class-relay/"} })
	active := now.Add(-time.Minute)
	c.hub.addUser(hub.User{Name: "alice", LastActivity: &active, Servers: map[string]hub.Server{"": {Ready: true, LastActivity: &active}}})
	spawn := "spawn"
	c.hub.addUser(hub.User{Name: "bob", Servers: map[string]hub.Server{"": {Pending: &spawn}}})
	c.hub.addUser(hub.User{Name: "carol"})
	c.hub.addUser(hub.User{Name: "dave"})
	c.hub.addUser(hub.User{Name: "other-teacher", Admin: true})
	c.run()
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	for _, w := range []string{
		"4 students, 1 online, 1 starting; 3 requests waiting for a turn at the class relay.",
		"<a href=\"#" + anchor("alice") + "\">alice</a></th>\n<td><span class=\"online\">online</span></td>\n<td>" + active.Local().Format("15:04") + "</td>\n<td class=\"num\">4 of 10</td>\n<td class=\"num\">1234</td>\n<td></td>",
		"bob</a></th>\n<td>starting</td>\n<td></td>\n<td class=\"num\">10 of 10</td>\n<td class=\"num\">99</td>\n<td><strong class=\"over\">over a limit</strong></td>",
		"carol</a></th>\n<td>offline</td>\n<td></td>\n<td class=\"num\">2 of 10</td>\n<td class=\"num\">0</td>\n<td><strong class=\"over\">over a limit</strong> (1 refused)</td>",
		"dave</a></th>\n<td>offline</td>\n<td></td>\n<td class=\"num\">0 of 10</td>",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, "other-teacher") || strings.Contains(page, anchor("teacher")) {
		t.Errorf("hub admins are listed as students")
	}
	if c.hub.Calls("/hub/api/users") < 3 {
		t.Errorf("%d calls to /hub/api/users: the pages were not all read", c.hub.Calls("/hub/api/users"))
	}
}

// What cannot be read says what to do, on the page.
func TestNoticesSayWhatToDo(t *testing.T) {
	c := newClass(t, func(cfg *Config) {
		cfg.Relay = RelayConfig{URL: "http://127.0.0.1:1/services/class-relay/"}
	})
	c.hub.mu.Lock()
	c.hub.accounts["teacher"] = &hub.User{Kind: "user", Name: "teacher", Admin: true}
	c.hub.mu.Unlock()
	c.view.hub.Token = "wrong-token" // the service's token may not list users
	c.view.refreshSlow(context.Background())
	c.view.refresh()
	c.view.hub.Token = serviceToken // for the OAuth exchange
	b := c.browser("teacher")
	_, page := c.page(b)
	for _, w := range []string{"Who is online is not known", "give the service the role of classroom/class_view_service.py",
		"The class relay did not answer, so requests and the queue are not shown: GET http://127.0.0.1:1/services/class-relay/health",
		"is the relay running"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// The homes are read as carefully as the gradebook reads a class folder.
func TestHomesRefuseLinksFIFOsAndBigFiles(t *testing.T) {
	name := "openai-streaming.answers.json"
	c := newClass(t, func(cfg *Config) { cfg.AnswersPaths = []string{name, "notebooks/" + name, "*/" + name} })
	free, tf, _ := lessontest.Questions(t)
	answer(t, filepath.Join(c.homes, "alice"), name, map[string]string{free.ID: "stream"}, true)
	answer(t, filepath.Join(c.homes, "bob"), "notebooks/"+name, map[string]string{tf.ID: "True"}, true)
	// eve links to alice's answers, and to alice's folder.
	mustSymlink(t, filepath.Join(c.homes, "alice", name), filepath.Join(c.homes, "eve", name))
	mustSymlink(t, filepath.Join(c.homes, "bob", "notebooks"), filepath.Join(c.homes, "eve", "notebooks"))
	// mal's answers file is a FIFO (reading it would block) and a huge file.
	if err := os.MkdirAll(filepath.Join(c.homes, "mal", "notebooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(c.homes, "mal", name)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs:", err)
	}
	lessontest.WriteFile(t, filepath.Join(c.homes, "mal", "notebooks", name), "{"+strings.Repeat(" ", 1<<20)+"}")
	// A link a wildcard matches is skipped without a warning.
	mustSymlink(t, filepath.Join(c.homes, "bob", "notebooks"), filepath.Join(c.homes, "eve", "linked"))
	// A home that is a link.
	mustSymlink(t, filepath.Join(c.homes, "alice"), filepath.Join(c.homes, "zed"))

	done := make(chan string)
	go func() {
		b := c.signedIn()
		_, page := b.get(c.url + prefix)
		done <- page
	}()
	var page string
	select {
	case page = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("reading the homes blocked")
	}
	for _, w := range []string{
		"<td>refused file</td><td>eve</td><td><code>" + filepath.Join(c.homes, "eve", name) + "</code></td><td class=\"problem\">it is a symbolic link",
		"<td>refused file</td><td>eve</td><td><code>" + filepath.Join(c.homes, "eve", "notebooks") + "</code></td>",
		"<td>refused file</td><td>mal</td><td><code>" + fifo + "</code></td><td class=\"problem\">it is a FIFO",
		"<td>refused file</td><td>mal</td><td><code>" + filepath.Join(c.homes, "mal", "notebooks", name) + "</code></td><td class=\"problem\">it is 1048578 bytes, over the limit of 1 MiB",
		"<td>refused file</td><td>zed</td>",
		"alice: 1 of 3 correct", "bob: 1 of 3 correct", "eve: 0 of 3 correct", "mal: 0 of 3 correct",
	} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks:", err)
	}
}

// answers_paths patterns match one name per component, never a hidden one.
func TestAnswersPathPatterns(t *testing.T) {
	c := newClass(t, func(cfg *Config) { cfg.AnswersPaths = []string{"*/lesson-*/*.answers.json"} })
	free, tf, _ := lessontest.Questions(t)
	home := filepath.Join(c.homes, "alice")
	answer(t, home, "course/lesson-1/openai-streaming.answers.json", map[string]string{free.ID: "stream"}, false)
	answer(t, home, "course/lesson-2/openai-streaming.answers.json", map[string]string{tf.ID: "True"}, false)
	answer(t, home, ".hidden/lesson-3/openai-streaming.answers.json", map[string]string{tf.ID: "False"}, false)
	answer(t, home, "course/lesson-1/.openai-streaming.answers.json", map[string]string{free.ID: "no"}, false)
	answer(t, home, "openai-streaming.answers.json", map[string]string{free.ID: "no"}, false) // not a configured path
	b := c.signedIn()
	_, page := b.get(c.url + prefix)
	if !strings.Contains(page, "alice: 2 of 3 correct") {
		t.Errorf("alice's answers under the pattern are not all read, or more are:\n%s", page)
	}
}

// While nobody looks, the homes are not read; the next page reads them first.
func TestIdleWhileNobodyLooks(t *testing.T) {
	c := newClass(t, func(cfg *Config) { cfg.Poll = classapi.Duration(10 * time.Millisecond) })
	free, _, _ := lessontest.Questions(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	c.view.now = func() time.Time { return time.Unix(0, clock.Load()) }
	b := c.signedIn()
	c.run()
	clock.Add(int64(2 * idleAfter)) // the teacher went away
	answer(t, filepath.Join(c.homes, "alice"), "openai-streaming.answers.json", map[string]string{free.ID: "stream"}, false)
	time.Sleep(100 * time.Millisecond)
	if v := c.view.live.current().view; len(v.Students) != 0 {
		t.Errorf("the homes were read while nobody looked: %d students", len(v.Students))
	}
	_, page := b.get(c.url + prefix)
	if !strings.Contains(page, "alice: 1 of 3 correct") {
		t.Errorf("the page did not read the class first")
	}
}
