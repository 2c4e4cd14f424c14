package relay

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

func newTestLimiter(t *testing.T, cfg classapi.Limits, clock *testClock) *studentLimiter {
	u, err := openUsage("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return newStudentLimiter(cfg, u, clock.now)
}

func TestPerMinute(t *testing.T) {
	clock := newClock()
	l := newTestLimiter(t, classapi.Limits{RequestsPerMinute: 3}, clock)
	for i := 0; i < 3; i++ {
		release, err := l.Admit("alice")
		if err != nil {
			t.Fatalf("request %d refused: %v", i, err)
		}
		release()
	}
	_, err := l.Admit("alice")
	if err == nil || err.Type != classapi.TypePerMinute || err.RetryAfter != 20*time.Second {
		t.Fatalf("4th request: %+v, want per-minute refusal with a 20 s wait", err)
	}
	if !strings.Contains(err.Message, "3 requests per minute") || !strings.Contains(err.Message, "Wait 20 s") {
		t.Errorf("message %q", err.Message)
	}
	if _, err := l.Admit("bob"); err != nil {
		t.Errorf("bob is limited by alice's requests: %v", err)
	}
	clock.add(20 * time.Second)
	if _, err := l.Admit("alice"); err != nil {
		t.Errorf("after the wait: %v", err)
	}
	if got := l.usage.Snapshot().Students["alice"].Limited; got != 1 {
		t.Errorf("limited = %d, want 1", got)
	}
}

func TestPerDay(t *testing.T) {
	clock := newClock() // 10:00 local
	l := newTestLimiter(t, classapi.Limits{RequestsPerDay: 2}, clock)
	for i := 0; i < 2; i++ {
		release, err := l.Admit("alice")
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	_, err := l.Admit("alice")
	if err == nil || err.Type != classapi.TypePerDay || err.RetryAfter != 14*time.Hour {
		t.Fatalf("3rd request: %+v, want per-day refusal until midnight", err)
	}
	if want := nextMidnight(clock.now()); !err.ResetAt.Equal(want) || !strings.Contains(err.Message, "per day") ||
		!strings.Contains(err.Message, "in 14 h") {
		t.Errorf("reset %v message %q", err.ResetAt, err.Message)
	}
	clock.add(14 * time.Hour)
	if _, err := l.Admit("alice"); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

func TestConcurrent(t *testing.T) {
	l := newTestLimiter(t, classapi.Limits{ConcurrentStreams: 2}, newClock())
	r1, _ := l.Admit("alice")
	_, err := l.Admit("alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Admit("alice"); err == nil || err.Type != classapi.TypeConcurrent || !strings.Contains(err.Message, "2 answers") {
		t.Fatalf("3rd at once: %+v", err)
	}
	r1()
	r1() // a second call changes nothing
	if _, err := l.Admit("alice"); err != nil {
		t.Errorf("after one ended: %v", err)
	}
	if _, err := l.Admit("alice"); err == nil {
		t.Error("release counted twice")
	}
}

func TestLimitHTTPAnswer(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	clock := newClock()
	tr := startRelay(t, up, func(c *Config) { c.Student.RequestsPerMinute = 1; c.Student.RequestsPerDay = 0 }, Options{Now: clock.now})
	if resp, _ := tr.chat(t, aliceToken, chatBody(true, "")); resp.StatusCode != 200 {
		t.Fatalf("first: %d", resp.StatusCode)
	}
	resp, body := tr.chat(t, aliceToken, chatBody(true, ""))
	e := errorOf(t, body)
	if resp.StatusCode != 429 || e.Code != 429 || e.Type != classapi.TypePerMinute || resp.Header.Get("Retry-After") != "60" ||
		resp.Header.Get("X-RateLimit-Limit") != "1" {
		t.Errorf("second: %d %+v headers %v", resp.StatusCode, e, resp.Header)
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("%d requests reached the upstream, want 1", n)
	}
}

func TestDayLimitHeaders(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	clock := newClock()
	tr := startRelay(t, up, func(c *Config) { c.Student.RequestsPerDay = 1 }, Options{Now: clock.now})
	tr.chat(t, aliceToken, chatBody(false, ""))
	resp, body := tr.chat(t, aliceToken, chatBody(false, ""))
	reset, _ := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if resp.StatusCode != 429 || errorOf(t, body).Type != classapi.TypePerDay || reset != nextMidnight(clock.now()).UnixMilli() ||
		resp.Header.Get("Retry-After") != strconv.Itoa(14*3600) {
		t.Errorf("day limit: %d %s %v", resp.StatusCode, body, resp.Header)
	}
}

func TestMaxTokensCap(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	tr := startRelay(t, up, func(c *Config) { c.Student.MaxTokens = 500; c.Student.RequestsPerMinute = 0 }, Options{})
	for _, c := range []struct {
		extra      string
		max, maxCT any // want; nil: absent
	}{
		{"", 500.0, nil},
		{`,"max_tokens":9000`, 500.0, nil},
		{`,"max_tokens":100`, 100.0, nil},
		{`,"max_completion_tokens":9000`, nil, 500.0},
		{`,"max_completion_tokens":200`, nil, 200.0},
		{`,"max_tokens":null`, 500.0, nil},
	} {
		if resp, _ := tr.chat(t, aliceToken, chatBody(true, c.extra)); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", c.extra, resp.StatusCode)
		}
		reqs := up.requests()
		var sent map[string]any
		json.Unmarshal(reqs[len(reqs)-1].body, &sent)
		if sent["max_tokens"] != c.max || sent["max_completion_tokens"] != c.maxCT {
			t.Errorf("%q: sent max_tokens=%v max_completion_tokens=%v, want %v %v", c.extra, sent["max_tokens"], sent["max_completion_tokens"], c.max, c.maxCT)
		}
		if sent["stream"] != true || sent["model"] != "openai/gpt-oss-120b:free" {
			t.Errorf("other fields changed: %v", sent)
		}
	}
	resp, body := tr.chat(t, aliceToken, chatBody(true, `,"max_tokens":"many"`))
	if resp.StatusCode != 400 || !strings.Contains(errorOf(t, body).Message, "max_tokens") {
		t.Errorf("bad max_tokens: %d %s", resp.StatusCode, body)
	}
}

func TestAllowedModelsAndBadBodies(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	tr := startRelay(t, up, func(c *Config) { c.Upstream.AllowedModels = []string{"*:free"} }, Options{})
	if resp, _ := tr.chat(t, aliceToken, chatBody(true, "")); resp.StatusCode != 200 {
		t.Errorf("free model refused: %d", resp.StatusCode)
	}
	resp, body := tr.chat(t, aliceToken, `{"model":"openai/gpt-5","stream":true,"messages":[]}`)
	if e := errorOf(t, body); resp.StatusCode != 400 || e.Type != classapi.TypeModelNotAllowed || !strings.Contains(e.Message, "not available") {
		t.Errorf("paid model: %d %+v", resp.StatusCode, e)
	}
	for _, b := range []string{`not json`, `[1,2]`, `{"stream":"yes"}`, `{"model":7}`} {
		if resp, body := tr.chat(t, aliceToken, b); resp.StatusCode != 400 || errorOf(t, body).Type != classapi.TypeInvalidRequest {
			t.Errorf("body %s: %d %s", b, resp.StatusCode, body)
		}
	}
	resp, body = tr.chat(t, aliceToken, chatBody(true, `,"user":"`+aliceToken+`"`))
	if resp.StatusCode != 400 || !strings.Contains(body, "contains your JupyterHub token") {
		t.Errorf("token in the body: %d %s", resp.StatusCode, body)
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("%d requests reached the upstream, want 1", n)
	}
}

func TestDurationWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "1 s", 8*time.Second + time.Millisecond: "9 s", 3 * time.Minute: "3 min",
		5*time.Hour + 10*time.Minute: "5 h 10 min", 14 * time.Hour: "14 h", 2*time.Hour + 59*time.Minute + 30*time.Second: "3 h",
	} {
		if got := durationWords(d); got != want {
			t.Errorf("durationWords(%v) = %q, want %q", d, got, want)
		}
	}
}
