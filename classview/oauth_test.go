package classview

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"
)

// The login, step by step, as JupyterHub's HubOAuth does it.
func TestOAuthFlowAdminGetsThePage(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	b := c.browser("teacher")

	// 1. No cookie: off to the hub's authorize page, with a state cookie.
	resp, _ := b.get(c.url + prefix + "?tab=1")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("no cookie: %d, want 302", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != c.hubURL+"/hub/api/oauth2/authorize" {
		t.Errorf("redirect to %s, want the hub's /hub/api/oauth2/authorize", got)
	}
	want := map[string]string{"client_id": clientID, "redirect_uri": c.url + prefix + "oauth_callback",
		"response_type": "code", "code_challenge_method": "S256"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("authorize %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("state")) < 20 || len(q.Get("code_challenge")) != 43 {
		t.Errorf("state %q, code_challenge %q", q.Get("state"), q.Get("code_challenge"))
	}
	sc := cookie(resp, clientID+"-oauth-state")
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != prefix || sc.MaxAge != 600 {
		t.Fatalf("state cookie %+v, want HttpOnly, SameSite=Lax, Path=%s, Max-Age=600", sc, prefix)
	}
	if strings.Contains(sc.Value, q.Get("code_challenge")) {
		t.Errorf("the state cookie carries the PKCE challenge")
	}

	// 2. The hub sends the browser back with a code.
	resp, _ = b.get(loc.String())
	back := resp.Header.Get("Location")
	if !strings.HasPrefix(back, c.url+prefix+"oauth_callback?") {
		t.Fatalf("the fake hub sent the browser to %q", back)
	}
	// 3. The callback exchanges the code and sets the session cookie.
	resp, _ = b.get(back)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix+"?tab=1" {
		t.Fatalf("callback: %d to %q, want 302 back to %s?tab=1", resp.StatusCode, resp.Header.Get("Location"), prefix)
	}
	sess := cookie(resp, clientID)
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != prefix || sess.Secure {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Lax, Path=%s, not Secure over http", sess, prefix)
	}
	if strings.Contains(sess.Value, "oauth-") {
		t.Errorf("the session cookie holds the hub's access token: %q", sess.Value)
	}
	if gone := cookie(resp, clientID+"-oauth-state"); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("the state cookie is not cleared: %+v", gone)
	}
	// 4. The page.
	resp, body := b.get(c.url + prefix)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Class view</h1>") || !strings.Contains(body, "Signed in as <strong>teacher</strong>") {
		t.Fatalf("page: %d\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q", csp)
	}
	if c.hub.tokenCalls != 1 {
		t.Errorf("%d token exchanges, want 1", c.hub.tokenCalls)
	}
}

func TestOAuthStudentGets403(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "alice"})
	b := c.browser("alice")
	resp, body := c.page(b)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "is not a hub admin") {
		t.Fatalf("student: %d, want 403 saying why\n%s", resp.StatusCode, body)
	}
	for _, p := range []string{"events", "gradebook.csv", "gradebook.zip"} {
		if resp, _ := b.get(c.url + prefix + p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("student: %s: %d, want 403", p, resp.StatusCode)
		}
	}
}

func TestOAuthAdminByScope(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "ta", Scopes: []string{"access:services", "admin:users"}})
	c.hub.addUser(hub.User{Name: "ta-group", Scopes: []string{"access:services", "admin:users!group=class"}})
	if resp, _ := c.page(c.browser("ta")); resp.StatusCode != http.StatusOK {
		t.Errorf("admin:users: %d, want 200", resp.StatusCode)
	}
	if resp, _ := c.page(c.browser("ta-group")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin:users filtered to a group: %d, want 403", resp.StatusCode)
	}
}

func TestOAuthNeedsTheAccessScope(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "other-admin", Admin: true, Scopes: []string{"access:services!service=another"}})
	if resp, body := c.page(c.browser("other-admin")); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "access to this service") {
		t.Errorf("without the access scope: %d\n%s", resp.StatusCode, body)
	}
}

// A callback whose state is not the one in this browser's state cookie is
// refused before any code is exchanged: login CSRF.
func TestOAuthCallbackStateMismatch(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	c.hub.addUser(hub.User{Name: "mallory", Admin: true})
	victim := c.browser("teacher")
	resp, _ := victim.get(c.url + prefix)
	authorize := resp.Header.Get("Location")

	// mallory's own code and state, sent to the victim's browser.
	mallory := c.browser("mallory")
	r2, _ := mallory.get(c.url + prefix)
	r3, _ := mallory.get(r2.Header.Get("Location"))
	forged := r3.Header.Get("Location")
	resp, body := victim.get(forged)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "oauth state does not match") {
		t.Errorf("forged callback: %d %q, want 403", resp.StatusCode, body)
	}
	// The victim's state with another value.
	u, _ := url.Parse(authorize)
	resp, _ = victim.get(c.url + prefix + "oauth_callback?code=x&state=" + url.QueryEscape(u.Query().Get("state")+"x"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("changed state: %d, want 403", resp.StatusCode)
	}
	// A browser with no state cookie at all.
	resp, _ = c.browser("teacher").get(forged)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no state cookie: %d, want 403", resp.StatusCode)
	}
	for q, want := range map[string]int{"state=abc": 400, "code=abc": 400, "error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E": 400} {
		resp, body := victim.get(c.url + prefix + "oauth_callback?" + q)
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("callback?%s: %d %s, want %d as plain text", q, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
		_ = body
	}
	if c.hub.tokenCalls != 0 {
		t.Errorf("%d codes were exchanged, want none", c.hub.tokenCalls)
	}
	// The refused callbacks cleared the victim's state cookie (as HubOAuth
	// does); logging in again works, as the victim.
	if resp, body := c.page(victim); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<strong>teacher</strong>") {
		t.Errorf("the victim's login: %d", resp.StatusCode)
	}
}

func TestOAuthNoCookieRedirectsAndAPIGets401(t *testing.T) {
	c := newClass(t, nil)
	b := c.browser("nobody")
	for _, p := range []string{"", "gradebook.csv", "gradebook.html", "gradebook.zip"} {
		resp, _ := b.get(c.url + prefix + p)
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), c.hubURL+"/hub/api/oauth2/authorize?") {
			t.Errorf("%q without a cookie: %d to %q, want 302 to the hub", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, _ := b.get(c.url + prefix + "events"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("events without a cookie: %d, want 401", resp.StatusCode)
	}
	if resp, _ := b.get(c.url + strings.TrimSuffix(prefix, "/")); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != prefix {
		t.Errorf("the prefix without its slash: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := b.get(c.url + prefix + "health"); resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("health: %d %q", resp.StatusCode, body)
	}
}

func TestOAuthForgedSessionCookie(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	b := c.browser("teacher")
	if resp, _ := c.page(b); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	u, _ := url.Parse(c.url + prefix)
	var value string
	for _, ck := range b.client.Jar.Cookies(u) {
		if ck.Name == clientID {
			value = ck.Value
		}
	}
	id, sig, _ := strings.Cut(value, ".")
	// flip returns c as another base64url character, so a forged value
	// never equals the real one by chance.
	flip := func(c byte) string {
		if c == 'A' {
			return "B"
		}
		return "A"
	}
	for _, bad := range []string{id, id + ".", id + "." + flip(sig[0]) + sig[1:], flip(id[0]) + id[1:] + "." + sig} {
		other := c.browser("teacher")
		other.client.Jar.SetCookies(u, []*http.Cookie{{Name: clientID, Value: bad, Path: prefix}})
		if resp, _ := other.get(c.url + prefix); resp.StatusCode != http.StatusFound {
			t.Errorf("forged cookie %q: %d, want 302 to the login", bad, resp.StatusCode)
		}
	}
}

// A token the hub no longer accepts ends the session at the next check.
func TestOAuthRevokedTokenEndsTheSession(t *testing.T) {
	c := newClass(t, func(cfg *Config) { cfg.SessionRecheck = 1 })
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	b := c.browser("teacher")
	if resp, _ := c.page(b); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	time.Sleep(time.Millisecond)
	c.hub.RevokeTokens()
	if resp, _ := b.get(c.url + prefix); resp.StatusCode != http.StatusFound {
		t.Errorf("revoked token: %d, want 302 to the login", resp.StatusCode)
	}
}

func TestSignOut(t *testing.T) {
	c := newClass(t, nil)
	c.hub.addUser(hub.User{Name: "teacher", Admin: true})
	b := c.browser("teacher")
	c.page(b)
	resp, err := b.client.Post(c.url+prefix+"logout", "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.get(c.url + prefix); resp.StatusCode != http.StatusFound {
		t.Errorf("after sign-out: %d, want 302 to the login", resp.StatusCode)
	}
}

func TestHTTPSCookiesAreSecure(t *testing.T) {
	c := newClass(t, nil)
	req, _ := http.NewRequest(http.MethodGet, c.url+prefix, nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sc := cookie(resp, clientID+"-oauth-state"); sc == nil || !sc.Secure {
		t.Errorf("state cookie over https: %+v, want Secure", sc)
	}
}
