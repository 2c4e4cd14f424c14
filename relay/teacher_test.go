package relay

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/offline"
)

const prefix = "/services/class-relay/"

// guardOrStream answers a safety model's request as the offline provider
// would, and any other request with a short stream.
func guardOrStream(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	json.Unmarshal(b, &req)
	if offline.IsSafetyModel(req.Model) {
		verdict, _ := json.Marshal(offline.GuardVerdict(req.Messages[len(req.Messages)-1].Content))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":`+string(verdict)+`}}]}`)
		return
	}
	play(fakeWire{parts: []string{orContent1, orContent2, orFinish, orDone}})(w, r)
}

// ask posts a chat request whose user message is prompt.
func (tr *testRelay) ask(t *testing.T, token, prompt string, stream bool) (*http.Response, string) {
	t.Helper()
	p, _ := json.Marshal(prompt)
	return tr.chat(t, token, `{"model":"openai/gpt-oss-120b:free","stream":`+map[bool]string{true: "true", false: "false"}[stream]+
		`,"messages":[{"role":"user","content":`+string(p)+`}]}`)
}

// teacherGet GETs a teacher endpoint into out and returns the status.
func (tr *testRelay) teacherGet(t *testing.T, token, path string, out any) int {
	t.Helper()
	resp := tr.do(t, http.MethodGet, prefix+path, token, "")
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// teacherPost POSTs v as JSON to a teacher endpoint, failing unless 200.
func (tr *testRelay) teacherPost(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp := tr.do(t, http.MethodPost, prefix+path, viewToken, string(b))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, body)
	}
}

// state returns the teacher's state.
func (tr *testRelay) state(t *testing.T) classapi.TeacherState {
	t.Helper()
	var st classapi.TeacherState
	if code := tr.teacherGet(t, adminToken, classapi.TeacherPath, &st); code != http.StatusOK {
		t.Fatalf("GET teacher: %d", code)
	}
	return st
}

func TestExchangesKeptForTheTeacherOnly(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orContent2, orFinish, orDone}}))
	tr := startRelay(t, up, nil, Options{})
	tr.ask(t, aliceToken, "How often <b>should</b> I feed it?", true)
	waitFor(t, func() bool { st := tr.state(t); return len(st.Exchanges) == 1 && st.Exchanges[0].Done }, "the exchange kept")
	st := tr.state(t)
	e := st.Exchanges[0]
	if e.Student != "alice" || e.Prompt != "How often <b>should</b> I feed it?" || e.Answer != "Feed your **Bankhar** twice a day." ||
		e.Status != 200 || len(e.Alerts) != 0 || !st.Kept || st.RetentionDays != DefaultRetentionDays {
		t.Errorf("summary %+v of state %+v", e, st)
	}
	var full classapi.Exchange
	if code := tr.teacherGet(t, viewToken, classapi.ExchangePath+"?id="+e.ID, &full); code != 200 ||
		!strings.Contains(messagesOf(full.Messages), "How often <b>should</b>") || full.Answer != e.Answer {
		t.Errorf("GET exchange: %d %+v", code, full)
	}
	files, _ := filepath.Glob(filepath.Join(tr.cfg.StateDir, ConversationsDir, "*", "alice.jsonl"))
	if len(files) != 1 {
		t.Fatalf("conversation files: %v", files)
	}
	if info, _ := os.Stat(files[0]); info.Mode().Perm() != 0o600 {
		t.Errorf("conversation file mode %v", info.Mode().Perm())
	}
	for _, path := range []string{classapi.TeacherPath, classapi.ExchangePath + "?id=" + e.ID} {
		for token, want := range map[string]int{aliceToken: 403, bobToken: 403, noAdminToken: 200, "": 401, "nope": 401} {
			if code := tr.teacherGet(t, token, path, nil); code != want {
				t.Errorf("GET %s with %q: %d, want %d", path, token, code, want)
			}
		}
	}
	for _, path := range []string{classapi.SettingsPath, classapi.PausePath, classapi.SeenPath} {
		for _, token := range []string{aliceToken, carolToken, serviceToken} {
			resp := tr.do(t, http.MethodPost, prefix+path, token, `{}`)
			resp.Body.Close()
			if resp.StatusCode != 403 {
				t.Errorf("POST %s with a non-teacher's token: %d, want 403", path, resp.StatusCode)
			}
		}
	}
	for _, id := range []string{"../../usage.json", "2026-01-01~../x~1", e.ID[:11] + "~alice~1", ""} {
		if code := tr.teacherGet(t, adminToken, classapi.ExchangePath+"?id="+id, nil); code != 404 {
			t.Errorf("GET exchange %q: %d, want 404", id, code)
		}
	}
}

func TestClassInstructionsFirstAndNoticeForStudents(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orFinish, orDone}}))
	tr := startRelay(t, up, nil, Options{})
	s := classapi.DefaultSettings()
	s.Instructions = "The students are 12–14; keep answers short."
	tr.teacherPost(t, classapi.SettingsPath, s)
	tr.ask(t, aliceToken, "Hi", false)
	reqs := up.requests()
	var body struct {
		Messages []map[string]string `json:"messages"`
	}
	json.Unmarshal(reqs[len(reqs)-1].body, &body)
	if len(body.Messages) != 2 || body.Messages[0]["role"] != "system" || body.Messages[0]["content"] != s.Instructions ||
		body.Messages[1]["content"] != "Hi" {
		t.Errorf("sent upstream: %s", reqs[len(reqs)-1].body)
	}
	var n classapi.ClassNotice
	if code := tr.teacherGet(t, aliceToken, classapi.ClassPath, &n); code != 200 || !n.Kept || n.Instructions != s.Instructions ||
		n.Paused || n.RetentionDays != DefaultRetentionDays {
		t.Errorf("GET class: %d %+v", code, n)
	}
	if code := tr.teacherGet(t, "", classapi.ClassPath, nil); code != 401 {
		t.Errorf("GET class without a token: %d", code)
	}
	bad := classapi.DefaultSettings()
	bad.Words[classapi.CategoryAbuse] = []string{"/(unclosed/"}
	b, _ := json.Marshal(bad)
	resp := tr.do(t, http.MethodPost, prefix+classapi.SettingsPath, adminToken, string(b))
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(msg), "does not compile") {
		t.Errorf("a bad pattern: %d %s", resp.StatusCode, msg)
	}
	if got := tr.settings.Get(); got.Instructions != s.Instructions {
		t.Errorf("settings after a refused change: %+v", got)
	}
}

func TestWordAlertsAndBlocking(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orFinish, orDone}}))
	tr := startRelay(t, up, nil, Options{})
	tr.ask(t, aliceToken, "Sometimes I want to kill myself", true)
	waitFor(t, func() bool { st := tr.state(t); return len(st.Exchanges) == 1 && st.Exchanges[0].Done }, "the exchange kept")
	e := tr.state(t).Exchanges[0]
	if len(e.Alerts) < 1 || e.Alerts[0] != (classapi.Alert{Category: classapi.CategorySelfHarm, Part: classapi.PartPrompt,
		Source: classapi.SourceWords, Match: "kill myself"}) || e.Blocked || len(up.requests()) != 1 {
		t.Errorf("alert only: %+v, upstream got %d", e, len(up.requests()))
	}
	s := classapi.DefaultSettings()
	s.Actions[classapi.CategoryPersonalData] = classapi.ActionBlock
	tr.teacherPost(t, classapi.SettingsPath, s)
	resp, body := tr.ask(t, bobToken, "Call me at +1 (555) 123-4567", true)
	if resp.StatusCode != 403 || errorOf(t, body).Type != classapi.TypeBlocked {
		t.Errorf("blocked: %d %s", resp.StatusCode, body)
	}
	if len(up.requests()) != 1 {
		t.Errorf("a blocked request reached the upstream: %s", up.requests()[1].body)
	}
	e = tr.state(t).Exchanges[0]
	if !e.Blocked || e.Student != "bob" || e.Categories()[0] != classapi.CategoryPersonalData || !e.Flagged() {
		t.Errorf("blocked exchange %+v", e)
	}
	tr.teacherPost(t, classapi.SeenPath, classapi.SeenRequest{IDs: []string{e.ID}})
	var full classapi.Exchange
	tr.teacherGet(t, adminToken, classapi.ExchangePath+"?id="+e.ID, &full)
	if !full.Seen || tr.state(t).Exchanges[0].Flagged() {
		t.Errorf("marked seen: %+v", full)
	}
}

func TestSafetyModelAlertsAndBlocks(t *testing.T) {
	up := newUpstream(t, guardOrStream)
	tr := startRelay(t, up, nil, Options{})
	s := classapi.DefaultSettings()
	s.SafetyModel = "meta-llama/llama-guard-4-12b"
	tr.teacherPost(t, classapi.SettingsPath, s)
	tr.ask(t, aliceToken, "I hate that kid", true) // no default word; the safety model says S10
	waitFor(t, func() bool {
		st := tr.state(t)
		return len(st.Exchanges) == 1 && st.Exchanges[0].Done && len(st.Exchanges[0].Alerts) > 0
	}, "the safety model's alert")
	e := tr.state(t).Exchanges[0]
	if e.Alerts[0] != (classapi.Alert{Category: classapi.CategoryAbuse, Part: classapi.PartPrompt, Source: classapi.SourceSafetyModel, Match: "S10"}) {
		t.Errorf("alerts %+v", e.Alerts)
	}
	s.Actions[classapi.CategoryViolence] = classapi.ActionBlock
	tr.teacherPost(t, classapi.SettingsPath, s)
	before := len(up.requests())
	resp, body := tr.ask(t, bobToken, "How do I attack him", true)
	if resp.StatusCode != 403 || errorOf(t, body).Type != classapi.TypeBlocked {
		t.Errorf("blocked by the safety model: %d %s", resp.StatusCode, body)
	}
	reqs := up.requests()[before:]
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].body), "llama-guard") || reqs[0].header.Get("Authorization") != "Bearer "+teacherKey {
		t.Errorf("upstream got %d requests after the block, want only the safety model's", len(reqs))
	}
}

func TestOfflineProviderIsTheSafetyModelWithoutAKey(t *testing.T) {
	tr := startRelay(t, nil, nil, Options{Offline: fastOffline})
	s := classapi.DefaultSettings()
	s.SafetyModel = "llama-guard3"
	s.Actions[classapi.CategorySexual] = classapi.ActionBlock
	tr.teacherPost(t, classapi.SettingsPath, s)
	resp, body := tr.ask(t, aliceToken, "write something sexual", false)
	if resp.StatusCode != 403 || errorOf(t, body).Type != classapi.TypeBlocked {
		t.Errorf("offline safety model: %d %s", resp.StatusCode, body)
	}
	e := tr.state(t).Exchanges[0]
	if !e.Blocked || e.Alerts[len(e.Alerts)-1].Source != classapi.SourceSafetyModel || e.Alerts[len(e.Alerts)-1].Match != "S12" {
		t.Errorf("exchange %+v", e)
	}
}

func TestPauseAStudentAndTheClass(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orFinish, orDone}}))
	tr := startRelay(t, up, nil, Options{})
	tr.teacherPost(t, classapi.PausePath, classapi.PauseRequest{Student: "alice", Paused: true})
	resp, body := tr.ask(t, aliceToken, "Hi", true)
	if resp.StatusCode != 403 || errorOf(t, body).Type != classapi.TypePaused {
		t.Errorf("paused alice: %d %s", resp.StatusCode, body)
	}
	if resp, _ := tr.ask(t, bobToken, "Hi", true); resp.StatusCode != 200 {
		t.Errorf("bob while alice is paused: %d", resp.StatusCode)
	}
	var n classapi.ClassNotice
	tr.teacherGet(t, aliceToken, classapi.ClassPath, &n)
	if !n.Paused {
		t.Error("GET class does not say alice is paused")
	}
	tr.teacherPost(t, classapi.PausePath, classapi.PauseRequest{Paused: true})
	if resp, body := tr.ask(t, bobToken, "Hi", false); resp.StatusCode != 403 || errorOf(t, body).Type != classapi.TypePaused {
		t.Errorf("bob with the class paused: %d %s", resp.StatusCode, body)
	}
	tr.teacherPost(t, classapi.PausePath, classapi.PauseRequest{Paused: false})
	for _, token := range []string{aliceToken, bobToken} {
		if resp, _ := tr.ask(t, token, "Hi", true); resp.StatusCode != 200 {
			t.Errorf("after the class resumed: %d", resp.StatusCode)
		}
	}
	if st := tr.state(t).Settings.Paused; st.Class || len(st.Students) != 0 {
		t.Errorf("pause state after resuming the class: %+v", st)
	}
	b, _ := os.ReadFile(filepath.Join(tr.cfg.StateDir, SettingsFile))
	if !strings.Contains(string(b), `"paused"`) {
		t.Errorf("settings file: %s", b)
	}
}

func TestStopNowEndsAStreamInProgress(t *testing.T) {
	started := make(chan struct{}, 4)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, orContent1)
		w.(http.Flusher).Flush()
		started <- struct{}{}
		<-r.Context().Done() // an answer that never ends by itself
	})
	tr := startRelay(t, up, nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(token string) *bufio.Reader {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tr.srv.URL+prefix+"v1/chat/completions", strings.NewReader(chatBody(true, "")))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		<-started
		return bufio.NewReader(resp.Body)
	}
	alice, bob := open(aliceToken), open(bobToken)
	tr.teacherPost(t, classapi.PausePath, classapi.PauseRequest{Student: "alice", Paused: true, StopNow: true})
	rest, err := io.ReadAll(alice)
	if err != nil || !strings.HasPrefix(string(rest), orContent1) ||
		!strings.HasSuffix(string(rest), "data: "+string(pausedError(true).body())+"\n\n") {
		t.Errorf("alice's stream after stop now: %q %v", rest, err)
	}
	tr.teacherPost(t, classapi.PausePath, classapi.PauseRequest{Paused: true, StopNow: true})
	if rest, _ := io.ReadAll(bob); !strings.Contains(string(rest), classapi.TypePaused) {
		t.Errorf("bob's stream after the class stopped: %q", rest)
	}
	waitFor(t, func() bool {
		st := tr.state(t)
		return len(st.Exchanges) == 2 && st.Exchanges[0].Done && st.Exchanges[1].Done
	}, "both exchanges kept")
	for _, e := range tr.state(t).Exchanges {
		if e.Outcome != "stopped by the teacher" || e.Answer != "Feed your **Bankhar** " {
			t.Errorf("stopped exchange %+v", e)
		}
	}
}

func TestRetentionDeletesOldDays(t *testing.T) {
	now := time.Date(2026, 3, 31, 10, 0, 0, 0, time.Local)
	state := t.TempDir()
	dir := filepath.Join(state, ConversationsDir)
	for _, day := range []string{"2026-03-01", "2026-03-02", "2026-03-31"} {
		os.MkdirAll(filepath.Join(dir, day), 0o700)
		e := classapi.Exchange{ID: day + "~alice~1", Time: now, Student: "alice", Messages: json.RawMessage(`[]`), Done: true}
		b, _ := json.Marshal(e)
		os.WriteFile(filepath.Join(dir, day, "alice.jsonl"), append(b, '\n'), 0o600)
	}
	var log strings.Builder
	c, err := openConversations(state, true, 30, func() time.Time { return now }, func(f string, a ...any) { log.WriteString(f) })
	if err != nil {
		t.Fatal(err)
	}
	if got := c.days(); strings.Join(got, " ") != "2026-03-02 2026-03-31" {
		t.Errorf("after the sweep at start: %v", got)
	}
	if _, err := c.Get("2026-03-02~alice~1"); err != nil {
		t.Errorf("a day within 30 days is gone: %v", err)
	}
	now = now.AddDate(0, 0, 1)
	c.sweep()
	if got := c.days(); strings.Join(got, " ") != "2026-03-31" {
		t.Errorf("after a day: %v", got)
	}
	if st := c.State(classapi.Settings{}); len(st.Exchanges) != 1 || st.Exchanges[0].ID != "2026-03-31~alice~1" {
		t.Errorf("listed after the sweep: %+v", st.Exchanges)
	}
	if _, err := c.Get("2026-03-02~alice~1"); err == nil {
		t.Error("a deleted exchange is still served")
	}
}

func TestKeepOffKeepsNothingButStillBlocks(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orFinish, orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Conversations.Keep = false }, Options{})
	tr.ask(t, aliceToken, "I want to kill myself", true)
	s := classapi.DefaultSettings()
	s.Actions[classapi.CategorySelfHarm] = classapi.ActionBlock
	tr.teacherPost(t, classapi.SettingsPath, s)
	if resp, _ := tr.ask(t, aliceToken, "I want to kill myself", true); resp.StatusCode != 403 {
		t.Errorf("blocking with keep off: %d", resp.StatusCode)
	}
	st := tr.state(t)
	if st.Kept || len(st.Exchanges) != 0 {
		t.Errorf("keep off: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(tr.cfg.StateDir, ConversationsDir)); !os.IsNotExist(err) {
		t.Errorf("keep off made the conversations folder: %v", err)
	}
	var n classapi.ClassNotice
	tr.teacherGet(t, aliceToken, classapi.ClassPath, &n)
	if n.Kept {
		t.Error("GET class says conversations are kept")
	}
}

func TestTeacherStateWaitsForAChange(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orContent1, orFinish, orDone}}))
	tr := startRelay(t, up, nil, Options{})
	v := tr.state(t).Version
	got := make(chan classapi.TeacherState, 1)
	go func() {
		var st classapi.TeacherState
		resp := tr.do(t, http.MethodGet, prefix+classapi.TeacherPath+"?version="+jsonInt(v), viewToken, "")
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		got <- st
	}()
	tr.ask(t, aliceToken, "Hi", false)
	if st := <-got; st.Version == v || len(st.Exchanges) == 0 {
		t.Errorf("the long poll answered %+v", st)
	}
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

// messagesOf returns the text of kept messages.
func messagesOf(raw json.RawMessage) string { all, _ := promptText(raw); return all }

// The live view gets the answer so far while it streams (at most once a
// second per stream).
func TestAnswerSoFarWhileStreaming(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, orContent1)
		w.(http.Flusher).Flush()
		time.Sleep(progressEvery + 100*time.Millisecond)
		io.WriteString(w, orContent2)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	tr := startRelay(t, up, nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tr.srv.URL+prefix+"v1/chat/completions", strings.NewReader(chatBody(true, "")))
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	waitFor(t, func() bool {
		st := tr.state(t)
		return len(st.Exchanges) == 1 && st.Exchanges[0].Answer == "Feed your **Bankhar** twice a day." && !st.Exchanges[0].Done
	}, "the answer so far in the live view")
}

// A safety model that does not answer in Llama Guard's format is the
// teacher's to know: the state says so until it answers again.
func TestSafetyModelProblemShown(t *testing.T) {
	var bad atomic.Bool
	bad.Store(true)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if strings.Contains(string(b), "llama-guard") && bad.Load() {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"choices":[{"index":0,"message":{"role":"assistant","content":"I am a chat model"}}]}`)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		guardOrStream(w, r)
	})
	tr := startRelay(t, up, nil, Options{})
	s := classapi.DefaultSettings()
	s.SafetyModel = "meta-llama/llama-guard-4-12b"
	s.Actions[classapi.CategoryViolence] = classapi.ActionBlock // asked before the request goes on
	tr.teacherPost(t, classapi.SettingsPath, s)
	if resp, _ := tr.ask(t, aliceToken, "Hi", false); resp.StatusCode != 200 {
		t.Fatalf("a request with a broken safety model: %d (the word lists alone decide)", resp.StatusCode)
	}
	if p := tr.state(t).SafetyModelProblem; !strings.Contains(p, `not Llama Guard's "safe" or "unsafe"`) {
		t.Errorf("the problem: %q", p)
	}
	bad.Store(false)
	tr.ask(t, aliceToken, "Hi", false)
	if p := tr.state(t).SafetyModelProblem; p != "" {
		t.Errorf("after the safety model answered: %q", p)
	}
}
