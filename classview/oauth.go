package classview

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"
)

const (
	// stateMaxAge is how long a login may take, as HubOAuth's
	// oauth_state_max_age: the state cookie's Max-Age and the state's life.
	stateMaxAge = 10 * time.Minute
	// maxPending bounds the logins and sessions kept in memory.
	maxPending = 1000
)

// oauthState is one login in progress, kept here; only its id travels (in
// the state parameter and the state cookie), as in HubOAuth.
type oauthState struct {
	next     string // where to go after the login
	verifier string // the PKCE code_verifier
	cookie   string // the state cookie's name
	expires  time.Time
}

// session is a signed-in browser. The hub's access token stays here; the
// browser holds only the session id, in a signed cookie.
type session struct {
	// csrf is the session's token for its POST forms.
	csrf    string
	token   hub.Secret
	user    *hub.User
	checked time.Time // when the hub last confirmed the token
	expires time.Time
}

// hubOAuth signs browsers in with the hub, as JupyterHub's own
// jupyterhub.services.auth.HubOAuth does for a service: the authorization
// code flow with a state parameter matched against a state cookie, PKCE
// (S256), the code exchanged with the service's API token as the client
// secret, and the user identified by GET /hub/api/user with the access
// token.
type hubOAuth struct {
	cfg  *Config
	hub  *hub.Client
	jar  *cookieJar
	now  func() time.Time
	logf func(string, ...any)

	mu       sync.Mutex
	states   map[string]*oauthState
	sessions map[string]*session
}

func newHubOAuth(cfg *Config, hub *hub.Client, logf func(string, ...any)) *hubOAuth {
	return &hubOAuth{cfg: cfg, hub: hub, jar: newCookieJar(cfg), now: time.Now, logf: logf,
		states: map[string]*oauthState{}, sessions: map[string]*session{}}
}

// cookieName is the session cookie: the OAuth client id, as HubOAuth names it.
func (o *hubOAuth) cookieName() string { return o.jar.name(o.cfg.ClientID) }

// stateCookieName is the state cookie's name (a suffix is added when a
// second login starts before the first one ended).
func (o *hubOAuth) stateCookieName() string { return o.cookieName() + "-oauth-state" }

// purge drops expired states and sessions, and some at random when there
// are too many; the caller holds o.mu.
func (o *hubOAuth) purge() {
	now := o.now()
	for id, s := range o.states {
		if now.After(s.expires) || len(o.states) > maxPending {
			delete(o.states, id)
		}
	}
	for id, s := range o.sessions {
		if now.After(s.expires) || len(o.sessions) > maxPending {
			delete(o.sessions, id)
		}
	}
}

// pkce returns a PKCE code_verifier and its S256 code_challenge.
func pkce() (verifier, challenge string) {
	verifier = randomID(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// startLogin sends the browser to the hub's authorize page, remembering the
// state (with where to come back to) and setting the state cookie.
func (o *hubOAuth) startLogin(w http.ResponseWriter, r *http.Request) {
	verifier, challenge := pkce()
	id := randomID(16)
	cookie := o.stateCookieName()
	if _, err := r.Cookie(cookie); err == nil {
		cookie += "-" + randomID(6) // another login is under way in this browser
	}
	next := r.URL.RequestURI()
	if !strings.HasPrefix(r.URL.Path, o.cfg.Prefix) || r.Method != http.MethodGet {
		next = o.cfg.Prefix
	}
	o.mu.Lock()
	o.purge()
	o.states[id] = &oauthState{next: next, verifier: verifier, cookie: cookie, expires: o.now().Add(stateMaxAge)}
	o.mu.Unlock()
	o.jar.set(w, r, cookie, id, stateMaxAge)
	q := url.Values{
		"client_id":             {o.cfg.ClientID},
		"redirect_uri":          {o.cfg.CallbackURL},
		"response_type":         {"code"},
		"state":                 {id},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, o.cfg.authorizeURL()+"?"+q.Encode(), http.StatusFound)
}

// takeState removes and returns the state id's login, nil when unknown or
// expired.
func (o *hubOAuth) takeState(id string) *oauthState {
	o.mu.Lock()
	defer o.mu.Unlock()
	st := o.states[id]
	delete(o.states, id)
	if st == nil || o.now().After(st.expires) {
		return nil
	}
	return st
}

// clearStateCookies removes every state cookie of this service.
func (o *hubOAuth) clearStateCookies(w http.ResponseWriter, r *http.Request) {
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, o.stateCookieName()) {
			o.jar.clear(w, r, c.Name)
		}
	}
}

// callback finishes a login, as HubOAuthCallbackHandler: an error from the
// hub, a missing code or state is 400; a state that does not match the
// state cookie is 403; else the code is exchanged for a token, the hub says
// whose it is, and the browser gets a session cookie and goes back where it
// was.
func (o *hubOAuth) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		msg := q.Get("error_description")
		if msg == "" {
			msg = e
		}
		textError(w, http.StatusBadRequest, "The hub refused the login: "+msg+". Go back to the hub and open the class view again.")
		return
	}
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		textError(w, http.StatusBadRequest, "The login is missing its code or state. Open the class view again from the hub to log in.")
		return
	}
	st := o.takeState(state)
	cookieName := o.stateCookieName()
	if st != nil {
		cookieName = st.cookie
	}
	fromCookie := o.jar.get(r, cookieName)
	o.clearStateCookies(w, r)
	if fromCookie == "" {
		if s, _ := o.current(r); s != nil { // a stale login, but already signed in
			next := o.cfg.Prefix
			if st != nil {
				next = st.next
			}
			http.Redirect(w, r, next, http.StatusFound)
			return
		}
	}
	if st == nil || fromCookie != state {
		o.logf("class-view: refused a login whose state does not match its cookie (a forged or stale callback)")
		textError(w, http.StatusForbidden, "The login's state does not match this browser's (oauth state does not match). Try logging in again: open the class view from the hub.")
		return
	}
	o.finishLogin(w, r, code, st)
}

// finishLogin exchanges the code, identifies the user and starts a session.
func (o *hubOAuth) finishLogin(w http.ResponseWriter, r *http.Request, code string, st *oauthState) {
	token, err := o.tokenForCode(r.Context(), code, st.verifier)
	if err != nil {
		o.logf("class-view: login failed: %v", err)
		textError(w, http.StatusBadGateway, "The hub did not complete the login ("+err.Error()+"). Try again; if it keeps failing, check the service's oauth settings in jupyterhub_config.py.")
		return
	}
	user, err := o.hub.UserForToken(r.Context(), token)
	if err != nil {
		o.logf("class-view: login failed: %v", err)
		textError(w, http.StatusBadGateway, "The hub did not say who you are ("+err.Error()+"). Try again.")
		return
	}
	id := randomID(32)
	now := o.now()
	o.mu.Lock()
	o.purge()
	o.sessions[id] = &session{csrf: randomID(32), token: hub.Secret(token), user: user, checked: now, expires: now.Add(o.cfg.SessionTTL.D())}
	o.mu.Unlock()
	o.logf("class-view: %s %q signed in (admin: %v)", user.Kind, user.Name, o.allowed(user) == "")
	o.jar.set(w, r, o.cookieName(), id, o.cfg.SessionTTL.D())
	http.Redirect(w, r, st.next, http.StatusFound)
}

// tokenForCode exchanges an authorization code at {api}/oauth2/token, with
// the service's API token as the client secret and the PKCE verifier.
func (o *hubOAuth) tokenForCode(ctx context.Context, code, verifier string) (string, error) {
	form := url.Values{
		"client_id":     {o.cfg.ClientID},
		"client_secret": {o.hub.Token.Reveal()},
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {o.cfg.CallbackURL},
		"code_verifier": {verifier},
	}
	var reply struct {
		AccessToken string `json:"access_token"`
	}
	if err := o.hub.Do(ctx, http.MethodPost, "/oauth2/token", o.hub.Token.Reveal(), form, "", &reply); err != nil {
		return "", err
	}
	if reply.AccessToken == "" {
		return "", errors.New("the hub's token answer holds no access_token")
	}
	return reply.AccessToken, nil
}

// current returns the browser's session, nil when it has none (no cookie, a
// bad signature, expired, or a token the hub no longer accepts). The hub is
// asked again about the token every session_recheck; when it cannot be
// reached, the last answer stands.
func (o *hubOAuth) current(r *http.Request) (*session, error) {
	id := o.jar.get(r, o.cookieName())
	if id == "" {
		return nil, nil
	}
	o.mu.Lock()
	s := o.sessions[id]
	now := o.now()
	if s != nil && now.After(s.expires) {
		delete(o.sessions, id)
		s = nil
	}
	o.mu.Unlock()
	if s == nil || now.Sub(s.checked) < o.cfg.SessionRecheck.D() {
		return s, nil
	}
	user, err := o.hub.UserForToken(r.Context(), s.token.Reveal())
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case errors.Is(err, hub.ErrTokenRefused):
		delete(o.sessions, id)
		return nil, nil
	case err != nil:
		o.logf("class-view: cannot check a session with the hub, keeping its last answer: %v", err)
		return s, nil
	}
	s2 := *s
	s2.user, s2.checked = user, now
	o.sessions[id] = &s2
	return &s2, nil
}

// signOut ends the browser's session.
func (o *hubOAuth) signOut(w http.ResponseWriter, r *http.Request) {
	if id := o.jar.get(r, o.cookieName()); id != "" {
		o.mu.Lock()
		delete(o.sessions, id)
		o.mu.Unlock()
	}
	o.jar.clear(w, r, o.cookieName())
}

// allowed returns "" when u may see the class view: a hub user (not a
// service) whose token holds one of the service's access scopes and who is
// a hub admin ("admin": true, or the unfiltered admin:users scope).
// Otherwise it says why not.
func (o *hubOAuth) allowed(u *hub.User) string {
	if u.Kind != "user" {
		return fmt.Sprintf("the %s %q is not a hub user", u.Kind, u.Name)
	}
	if len(o.cfg.AccessScopes) > 0 && !holdsAny(u.Scopes, o.cfg.AccessScopes) {
		return fmt.Sprintf("%q was not given access to this service", u.Name)
	}
	if !u.Admin && !slices.Contains(u.Scopes, "admin:users") {
		return fmt.Sprintf("%q is not a hub admin; only teachers (hub admins) may see the class view", u.Name)
	}
	return ""
}

// holdsAny reports whether have holds one of want, counting an unfiltered
// scope ("access:services") as holding its filtered forms
// ("access:services!service=class-view").
func holdsAny(have, want []string) bool {
	for _, w := range want {
		base, _, _ := strings.Cut(w, "!")
		if slices.Contains(have, w) || slices.Contains(have, base) {
			return true
		}
	}
	return false
}
