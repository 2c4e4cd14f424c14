package relay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/k12notebooks/golessons/internal/hubtest"
)

func newAuth(t *testing.T, hub *hubtest.Hub, clock *testClock, edit func(*Config)) *hubAuth {
	cfg := DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	if edit != nil {
		edit(&cfg)
	}
	return newHubAuth(cfg, relayToken, nil, clock.now)
}

func TestIdentifyAndCache(t *testing.T) {
	hub := newFakeHub(t)
	clock := newClock()
	a := newAuth(t, hub, clock, nil)
	ctx := context.Background()

	u, err := a.Identify(ctx, aliceToken)
	if err != nil || u.Name != "alice" || u.Admin {
		t.Fatalf("Identify(alice) = %+v, %v", u, err)
	}
	a.Identify(ctx, aliceToken)
	if n := hub.Calls(""); n != 1 {
		t.Errorf("hub asked %d times for a cached token, want 1", n)
	}
	clock.add(defaultIdentityTTL + time.Second)
	a.Identify(ctx, aliceToken)
	if n := hub.Calls(""); n != 2 {
		t.Errorf("hub asked %d times after the TTL, want 2", n)
	}

	// Invalid tokens: cached for the shorter invalid TTL.
	for i := 0; i < 2; i++ {
		if _, err := a.Identify(ctx, "wrong-token"); !errors.Is(err, errInvalidToken) {
			t.Errorf("Identify(wrong) = %v, want errInvalidToken", err)
		}
	}
	if n := hub.Calls(""); n != 3 {
		t.Errorf("hub asked %d times, want 3 (the refusal is cached)", n)
	}
	if _, err := a.Identify(ctx, ""); !errors.Is(err, errInvalidToken) {
		t.Errorf("Identify(\"\") = %v", err)
	}

	// A service's token is not a student's.
	if _, err := a.Identify(ctx, serviceToken); !errors.Is(err, errNotAllowed) {
		t.Errorf("Identify(service) = %v, want errNotAllowed", err)
	}
}

func TestIdentifyHubDown(t *testing.T) {
	hub := newFakeHub(t)
	a := newAuth(t, hub, newClock(), nil)
	hub.SetDown(true)
	_, err := a.Identify(context.Background(), aliceToken)
	var down *hubDownError
	if !errors.As(err, &down) || errors.Is(err, errInvalidToken) {
		t.Fatalf("hub down: err = %v, want *hubDownError", err)
	}
	if strings.Contains(err.Error(), aliceToken) {
		t.Errorf("error holds the token: %v", err)
	}
	hub.SetDown(false)
	if u, err := a.Identify(context.Background(), aliceToken); err != nil || u.Name != "alice" {
		t.Errorf("after the hub is back: %v, %v (a failure must not be cached)", u, err)
	}

	// Nothing listening, and a wrong API URL (404).
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	for _, url := range []string{gone.URL + "/hub/api", hub.URL + "/wrong/api"} {
		cfg := DefaultConfig()
		cfg.HubAPIURL = url
		_, err := newHubAuth(cfg, "", nil, nil).Identify(context.Background(), aliceToken)
		if !errors.As(err, &down) {
			t.Errorf("%s: err = %v, want *hubDownError", url, err)
		}
	}
}

func TestRequiredScopes(t *testing.T) {
	hub := newFakeHub(t)
	a := newAuth(t, hub, newClock(), func(c *Config) {
		c.RequiredScopes = []string{"access:services!service=class-relay"}
	})
	if _, err := a.Identify(context.Background(), aliceToken); !errors.Is(err, errNotAllowed) {
		t.Errorf("alice lacks the scope: err = %v", err)
	}
	if u, err := a.Identify(context.Background(), carolToken); err != nil || u.Name != "carol" {
		t.Errorf("carol has access:services: %v, %v", u, err)
	}
}

func TestCacheBounded(t *testing.T) {
	hub := newFakeHub(t)
	a := newAuth(t, hub, newClock(), func(c *Config) { c.Identity.Entries = 3 })
	for i := 0; i < 10; i++ {
		a.Identify(context.Background(), "bad-token-"+string(rune('a'+i)))
	}
	if n := len(a.cache); n > 3 {
		t.Errorf("cache holds %d entries, want at most 3", n)
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc":   "abc",
		"bearer  abc ": "abc",
		"token abc":    "abc",
		"Basic abc":    "",
		"abc":          "",
		"":             "",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", header)
		if got := bearerToken(r); got != want {
			t.Errorf("bearerToken(%q) = %q, want %q", header, got, want)
		}
	}
	if tag := tokenTag(aliceToken); !strings.HasPrefix(tag, "sha256:") || len(tag) != 15 || strings.Contains(tag, aliceToken) {
		t.Errorf("tokenTag = %q", tag)
	}
}

func TestRelayAuthAnswers(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	tr := startRelay(t, up, nil, Options{})
	for _, c := range []struct {
		name, token string
		status      int
		want        string
	}{
		{"no token", "", 401, "No JupyterHub token was sent"},
		{"wrong token", "not-a-hub-token", 401, "not accepted"},
		{"service token", serviceToken, 401, "may not use the class relay"},
	} {
		resp, body := tr.chat(t, c.token, chatBody(true, ""))
		e := errorOf(t, body)
		if resp.StatusCode != c.status || e.Code != c.status || e.Type != classapi.TypeAuth || !strings.Contains(e.Message, c.want) {
			t.Errorf("%s: %d %+v", c.name, resp.StatusCode, e)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", c.name, ct)
		}
	}
	tr.hub.SetDown(true)
	resp, body := tr.chat(t, aliceToken, chatBody(true, ""))
	if e := errorOf(t, body); resp.StatusCode != 503 || e.Type != classapi.TypeHubDown || resp.Header.Get("Retry-After") != "30" {
		t.Errorf("hub down: %d %+v, Retry-After %q", resp.StatusCode, e, resp.Header.Get("Retry-After"))
	}
	tr.hub.SetDown(false)
	if resp, body := tr.chat(t, aliceToken, chatBody(true, "")); resp.StatusCode != 200 || body != "data: [DONE]\n\n" {
		t.Errorf("valid token: %d %q", resp.StatusCode, body)
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("%d requests reached the upstream, want 1 (only the valid one)", n)
	}
	noSecrets(t, "log", tr.log.String())
}

func TestUsageEndpointAdminOnly(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	tr := startRelay(t, up, nil, Options{})
	tr.chat(t, aliceToken, chatBody(true, ""))
	get := func(token string) (int, string) {
		resp := tr.do(t, http.MethodGet, "/services/class-relay/usage", token, "")
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := get(aliceToken); status != 403 || errorOf(t, body).Type != classapi.TypeForbidden {
		t.Errorf("student: %d %s", status, body)
	}
	if status, _ := get(""); status != 401 {
		t.Errorf("no token: %d", status)
	}
	if status, body := get(serviceToken); status != 403 || errorOf(t, body).Type != classapi.TypeForbidden {
		t.Errorf("a service without read:users: %d %s", status, body)
	}
	// dave: admin per /users/dave with the relay's token; the class view: read:users.
	for _, token := range []string{adminToken, noAdminToken, viewToken} {
		status, body := get(token)
		if status != 200 || !strings.Contains(body, `"alice"`) || !strings.Contains(body, `"requests": 1`) {
			t.Errorf("admin %s: %d %s", tokenTag(token), status, body)
		}
	}
}

// GET health tells anyone the queue and the per-student limits in force,
// which the class view shows.
func TestHealthSaysTheLimits(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{"data: [DONE]\n\n"}}))
	tr := startRelay(t, up, func(c *Config) { c.Student.RequestsPerDay = 7 }, Options{})
	resp := tr.do(t, http.MethodGet, "/services/class-relay/health", "", "")
	defer resp.Body.Close()
	var h classapi.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || h.Status != "ok" || h.Student.RequestsPerDay != 7 ||
		h.Student.MaxTokens != classapi.DefaultMaxTokens {
		t.Errorf("health = %+v, %v", h, err)
	}
}
