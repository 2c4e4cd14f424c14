package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// HubUser is the owner of a hub token, as JupyterHub's GET /user returns it.
type HubUser struct {
	// Name is the user name (a service's name for kind "service").
	Name string `json:"name"`
	// Kind is "user" or "service"; older hubs leave it out (meaning "user").
	Kind string `json:"kind"`
	// Admin is the user's admin flag; nil when the hub did not say.
	Admin *bool `json:"admin"`
	// Groups are the user's groups, when the hub lists them.
	Groups []string `json:"groups"`
	// Scopes are the token's scopes (JupyterHub 2 and newer).
	Scopes []string `json:"scopes"`
}

// ErrInvalidToken means the hub does not know the token (or none was sent).
var ErrInvalidToken = errors.New("the token is not a valid JupyterHub token")

// ErrNotAllowed means the token is valid but its owner may not use the relay.
var ErrNotAllowed = errors.New("the token's owner may not use the class relay")

// HubDownError means the hub could not be asked; the relay answers 503, not
// 401, so that a student is not told their token is wrong.
type HubDownError struct {
	// Err says what went wrong, without any token.
	Err error
}

// Error implements error.
func (e *HubDownError) Error() string { return "cannot reach JupyterHub: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *HubDownError) Unwrap() error { return e.Err }

// HubAuth identifies students through the hub API and caches the answers
// briefly, keyed by a hash of the token (never the token itself).
type HubAuth struct {
	apiURL     string
	token      Secret // the relay's own hub token
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	invalidTTL time.Duration
	entries    int
	scopes     []string

	mu    sync.Mutex
	cache map[[32]byte]cacheEntry
}

// cacheEntry is one cached answer of the hub.
type cacheEntry struct {
	user    *HubUser
	err     error // ErrInvalidToken or ErrNotAllowed
	expires time.Time
}

// NewHubAuth returns a HubAuth asking the hub API at cfg.HubAPIURL, with the
// relay's own token hubToken (may be empty). client nil means a client with
// cfg.HubTimeout; now nil means time.Now.
func NewHubAuth(cfg Config, hubToken Secret, client *http.Client, now func() time.Time) *HubAuth {
	if client == nil {
		client = &http.Client{Timeout: max(cfg.HubTimeout.D(), time.Second)}
	}
	if now == nil {
		now = time.Now
	}
	return &HubAuth{
		apiURL: strings.TrimRight(cfg.HubAPIURL, "/"), token: hubToken, client: client, now: now,
		ttl: cfg.Identity.TTL.D(), invalidTTL: cfg.Identity.InvalidTTL.D(), entries: cfg.Identity.Entries,
		scopes: cfg.RequiredScopes, cache: map[[32]byte]cacheEntry{},
	}
}

// BearerToken returns the token of an "Authorization: Bearer <token>" (as
// go-openai sends the API key) or "Authorization: token <token>" header.
func BearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		return ""
	}
	return strings.TrimSpace(tok)
}

// TokenTag returns a short, non-reversible tag for a token, for logs:
// "sha256:" and the first 8 hex digits of its hash.
func TokenTag(token string) string {
	h := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(h[:4])
}

// Identify returns the owner of token. Errors: ErrInvalidToken,
// ErrNotAllowed (a service, or a token lacking a required scope), or a
// *HubDownError when the hub could not be asked.
func (a *HubAuth) Identify(ctx context.Context, token string) (*HubUser, error) {
	if token == "" {
		return nil, ErrInvalidToken
	}
	key := sha256.Sum256([]byte(token))
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[key]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.user, e.err
	}
	u, err := a.askHub(ctx, "/user", token)
	if err == nil {
		err = a.allowed(u)
	}
	var down *HubDownError
	if errors.As(err, &down) {
		return nil, err // not cached: ask again next time
	}
	ttl := a.ttl
	if err != nil {
		ttl, u = a.invalidTTL, nil
	}
	a.store(key, cacheEntry{user: u, err: err, expires: now.Add(ttl)}, now)
	return u, err
}

// allowed checks that u is a user (not a service) with the required scopes.
func (a *HubAuth) allowed(u *HubUser) error {
	if u.Kind != "" && u.Kind != "user" {
		return fmt.Errorf("%w: it belongs to a %s, not a user", ErrNotAllowed, u.Kind)
	}
	if u.Name == "" {
		return fmt.Errorf("%w: the hub gave no user name", ErrNotAllowed)
	}
	for _, need := range a.scopes {
		if !hasScope(u.Scopes, need) {
			return fmt.Errorf("%w: the token lacks the scope %s", ErrNotAllowed, need)
		}
	}
	return nil
}

// hasScope reports whether scopes grant need: the same scope, or its
// unfiltered form ("access:services" grants "access:services!service=x").
func hasScope(scopes []string, need string) bool {
	base, _, _ := strings.Cut(need, "!")
	for _, s := range scopes {
		if s == need || s == base {
			return true
		}
	}
	return false
}

// store caches e, keeping the cache within its size.
func (a *HubAuth) store(key [32]byte, e cacheEntry, now time.Time) {
	if a.entries <= 0 || e.expires.Sub(now) <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.cache) >= a.entries {
		for k, old := range a.cache {
			if !now.Before(old.expires) {
				delete(a.cache, k)
			}
		}
		for k := range a.cache { // still full: drop arbitrary entries
			if len(a.cache) < a.entries {
				break
			}
			delete(a.cache, k)
		}
	}
	a.cache[key] = e
}

// IsAdmin reports whether u is a hub admin. When the hub's /user answer had
// no admin flag, it asks GET /users/{name} with the relay's own token.
func (a *HubAuth) IsAdmin(ctx context.Context, u *HubUser) (bool, error) {
	if u.Admin != nil {
		return *u.Admin, nil
	}
	if a.token == "" {
		return false, nil
	}
	full, err := a.askHub(ctx, "/users/"+url.PathEscape(u.Name), a.token.Reveal())
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			return false, &HubDownError{Err: errors.New("the hub refused the relay's own token when looking up a user; give the service the read:users scope")}
		}
		return false, err
	}
	return full.Admin != nil && *full.Admin, nil
}

// askHub GETs a user model from the hub API with token.
func (a *HubAuth) askHub(ctx context.Context, path, token string) (*HubUser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.apiURL+path, nil)
	if err != nil {
		return nil, &HubDownError{Err: fmt.Errorf("bad hub_api_url: %v", err)}
	}
	req.Header.Set("Authorization", "token "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is not secret, but keep the message short
		}
		return nil, &HubDownError{Err: fmt.Errorf("GET %s: %v", a.apiURL+path, err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, ErrInvalidToken
	case resp.StatusCode == http.StatusNotFound && path == "/user":
		return nil, &HubDownError{Err: fmt.Errorf("%s/user is not found (404): check hub_api_url or %s", a.apiURL, EnvHubAPIURL)}
	case resp.StatusCode != http.StatusOK:
		return nil, &HubDownError{Err: fmt.Errorf("GET %s answered %s", a.apiURL+path, resp.Status)}
	case err != nil:
		return nil, &HubDownError{Err: fmt.Errorf("GET %s: %v", a.apiURL+path, err)}
	}
	var u HubUser
	if err := json.Unmarshal(body, &u); err != nil {
		return nil, &HubDownError{Err: fmt.Errorf("GET %s did not return a user model: %v", a.apiURL+path, err)}
	}
	return &u, nil
}
