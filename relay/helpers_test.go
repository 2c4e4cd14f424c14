package relay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/internal/wire"
)

// Secrets of the tests; none may appear in a log, a response or upstream
// (the student tokens).
const (
	teacherKey   = "fake-or-v1-TEACHERKEY-0123456789abcdef"
	relayToken   = "relay-own-hub-token-5555"
	aliceToken   = "alice-hub-token-0000000001"
	bobToken     = "bob-hub-token-0000000002"
	carolToken   = "carol-hub-token-0000000003"
	adminToken   = "teacher-hub-token-0000000004"
	serviceToken = "service-hub-token-0000000005"
	noAdminToken = "dave-hub-token-0000000006"       // a model without the admin field
	viewToken    = "class-view-hub-token-0000000007" // a service with read:users
)

// allSecrets lists every secret of the tests.
var allSecrets = []string{teacherKey, relayToken, aliceToken, bobToken, carolToken, adminToken, serviceToken, noAdminToken, viewToken}

// newFakeHub starts a fake hub knowing the test tokens; the relay's own
// token may read users (dave's model, unlike his token's, says he is an
// admin).
func newFakeHub(t testing.TB) *hubtest.Hub {
	h := hubtest.NewHub(t)
	for token, model := range map[string]string{
		aliceToken:   `{"kind":"user","name":"alice","admin":false,"groups":[],"scopes":["access:servers!server=alice/","users:activity!user=alice"]}`,
		bobToken:     `{"kind":"user","name":"bob","admin":false,"scopes":[]}`,
		carolToken:   `{"kind":"user","name":"carol","admin":false,"scopes":["access:services"]}`,
		adminToken:   `{"kind":"user","name":"teacher","admin":true,"scopes":["admin:users"]}`,
		serviceToken: `{"kind":"service","name":"announcer","scopes":[]}`,
		noAdminToken: `{"kind":"user","name":"dave"}`,
		viewToken:    `{"kind":"service","name":"class-view","scopes":["list:users","read:servers","read:users","read:users:name"]}`,
	} {
		h.Token(token, model)
	}
	h.ServiceToken(relayToken)
	h.User(`{"kind":"user","name":"dave","admin":true}`)
	return h
}

// recorded is one request the fake upstream received.
type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

// fakeUpstream records requests and answers them with handler.
type fakeUpstream struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	handler http.HandlerFunc
}

// newUpstream starts a fake upstream answering with handler.
func newUpstream(t testing.TB, handler http.HandlerFunc) *fakeUpstream {
	u := &fakeUpstream{handler: handler}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{r.Method, r.URL.Path, r.Header.Clone(), body})
		u.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		u.handler(w, r)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// requests returns the requests received so far.
func (u *fakeUpstream) requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.reqs...)
}

// fakeWire is what the fake upstream sends: a status, headers, and body parts,
// each written and flushed on its own; cut drops the connection after them.
type fakeWire struct {
	status int
	header map[string]string
	parts  []string
	cut    bool
}

// play answers with w.
func play(w fakeWire) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if w.cut {
			hubtest.WriteCut(rw, 0, w.parts...)
			return
		}
		h := rw.Header()
		h.Set("Content-Type", "text/event-stream")
		for k, v := range w.header {
			h.Set(k, v)
		}
		rw.WriteHeader(cmpOr(w.status, http.StatusOK))
		for _, p := range w.parts {
			io.WriteString(rw, p)
			rw.(http.Flusher).Flush()
		}
	}
}

// cmpOr returns a unless it is 0, else b.
func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.Local)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// manualGate grants a turn only when the test frees one.
type manualGate struct {
	free     int
	released int
}

func (g *manualGate) Take(time.Time) (bool, time.Duration) {
	if g.free > 0 {
		g.free--
		return true, 0
	}
	return false, 0
}

func (g *manualGate) Release() { g.released++ }

// allow frees n turns of the queue's manual gate.
func allow(q *fairQueue, n int) {
	q.mu.Lock()
	q.gate.(*manualGate).free += n
	q.mu.Unlock()
	q.Pump()
}

// testRelay is a relay between a fake hub and a fake upstream.
type testRelay struct {
	*Relay
	srv  *httptest.Server
	hub  *hubtest.Hub
	up   *fakeUpstream
	log  *hubtest.SyncBuffer
	base string // the students' OPENAI_BASE_URL
}

// startRelay starts a relay in front of up (nil: the offline provider) with
// the teacher's key, the default config changed by edit, and opts.
func startRelay(t testing.TB, up *fakeUpstream, edit func(*Config), opts Options) *testRelay {
	t.Helper()
	hub := newFakeHub(t)
	cfg := DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	cfg.StateDir = t.TempDir()
	cfg.Prefix = "/services/class-relay/"
	if up != nil {
		cfg.Upstream.BaseURL = up.srv.URL + "/api/v1"
		if opts.UpstreamKey == "" {
			opts.UpstreamKey = teacherKey
		}
	}
	if edit != nil {
		edit(&cfg)
	}
	log := &hubtest.SyncBuffer{}
	opts.Logf = log.Logf
	if opts.HubToken == "" {
		opts.HubToken = relayToken
	}
	r, err := New(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() {
		srv.Close()
		r.Close()
	})
	return &testRelay{Relay: r, srv: srv, hub: hub, up: up, log: log, base: srv.URL + "/services/class-relay/v1"}
}

// chatBody is a lesson request body.
func chatBody(stream bool, extra string) string {
	return fmt.Sprintf(`{"model":"openai/gpt-oss-120b:free","stream":%v,"messages":[{"role":"user","content":"How often?"}]%s}`, stream, extra)
}

// do sends a request to the relay with the student's token.
func (tr *testRelay) do(t *testing.T, method, path, token, body string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, tr.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// chat posts a chat request and returns the response with its whole body.
func (tr *testRelay) chat(t *testing.T, token, body string) (*http.Response, string) {
	t.Helper()
	resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", token, body)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// errorOf decodes an OpenAI-style error body, failing the test when it is
// not one.
func errorOf(t *testing.T, body string) wire.ErrorDetail {
	t.Helper()
	var e wire.ErrorBody
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an OpenAI error body: %q", body)
	}
	return e.Error
}

// noSecrets fails when any test secret is in text.
func noSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds the secret %q: %q", what, s, text)
		}
	}
}

// readStream reads a go-openai stream to its end and returns the answer's
// text and the usage chunk's counts (nil without one).
func readStream(t testing.TB, stream *openai.ChatCompletionStream) (string, *openai.Usage) {
	t.Helper()
	var text strings.Builder
	var usage *openai.Usage
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return text.String(), usage
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk.Choices) > 0 {
			text.WriteString(chunk.Choices[0].Delta.Content)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
	}
}
