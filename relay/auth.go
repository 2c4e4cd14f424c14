package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"
)

// errInvalidToken means the hub does not know the token (or none was sent).
var errInvalidToken = errors.New("the token is not a valid JupyterHub token")

// errNotAllowed means the token is valid but its owner may not use the relay.
var errNotAllowed = errors.New("the token's owner may not use the class relay")

// hubDownError means the hub could not be asked; the relay answers 503, not
// 401, so that a student is not told their token is wrong.
type hubDownError struct {
	// Err says what went wrong, without any token.
	Err error
}

// Error implements error.
func (e *hubDownError) Error() string { return "cannot ask JupyterHub: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *hubDownError) Unwrap() error { return e.Err }

// hubAuth identifies students through the hub API and caches the answers
// briefly, keyed by a hash of the token (never the token itself).
type hubAuth struct {
	hub        *hub.Client // with the relay's own hub token
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
	user    *hub.User
	err     error // errInvalidToken
	expires time.Time
}

// newHubAuth returns a hubAuth asking the hub API at cfg.HubAPIURL, with the
// relay's own token hubToken (may be empty). client nil means a client with
// cfg.HubTimeout; now nil means time.Now.
func newHubAuth(cfg Config, hubToken hub.Secret, client *http.Client, now func() time.Time) *hubAuth {
	if client == nil {
		client = &http.Client{Timeout: max(cfg.HubTimeout.D(), time.Second)}
	}
	if now == nil {
		now = time.Now
	}
	return &hubAuth{
		hub: &hub.Client{API: strings.TrimRight(cfg.HubAPIURL, "/"), Token: hubToken, HTTP: client}, now: now,
		ttl: cfg.Identity.TTL.D(), invalidTTL: cfg.Identity.InvalidTTL.D(), entries: cfg.Identity.Entries,
		scopes: cfg.RequiredScopes, cache: map[[32]byte]cacheEntry{},
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>" (as
// go-openai sends the API key) or "Authorization: token <token>" header.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !(strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token")) {
		return ""
	}
	return strings.TrimSpace(tok)
}

// tokenTag returns a short, non-reversible tag for a token, for logs:
// "sha256:" and the first 8 hex digits of its hash.
func tokenTag(token string) string {
	h := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(h[:4])
}

// Identify returns the owner of token when it is a student who may use the
// relay. Errors: errInvalidToken, errNotAllowed (a service, or a token
// lacking a required scope), or a *hubDownError when the hub could not be
// asked.
func (a *hubAuth) Identify(ctx context.Context, token string) (*hub.User, error) {
	u, err := a.Owner(ctx, token)
	if err == nil {
		err = a.allowed(u)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Owner returns the owner of token, a user or a service, with the token's
// scopes, as the hub says; answers are cached. Errors: errInvalidToken, or
// a *hubDownError when the hub could not be asked.
func (a *hubAuth) Owner(ctx context.Context, token string) (*hub.User, error) {
	if token == "" {
		return nil, errInvalidToken
	}
	key := sha256.Sum256([]byte(token))
	now := a.now()
	a.mu.Lock()
	e, ok := a.cache[key]
	a.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.user, e.err
	}
	u, err := a.hub.UserForToken(ctx, token)
	err = hubErr(err)
	var down *hubDownError
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
func (a *hubAuth) allowed(u *hub.User) error {
	if u.Kind != "" && u.Kind != "user" {
		return fmt.Errorf("%w: it belongs to a %s, not a user", errNotAllowed, u.Kind)
	}
	if u.Name == "" {
		return fmt.Errorf("%w: the hub gave no user name", errNotAllowed)
	}
	for _, need := range a.scopes {
		if !hub.HasScope(u.Scopes, need) {
			return fmt.Errorf("%w: the token lacks the scope %s", errNotAllowed, need)
		}
	}
	return nil
}

// store caches e, keeping the cache within its size.
func (a *hubAuth) store(key [32]byte, e cacheEntry, now time.Time) {
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

// hubErr turns an error of the hub client into errInvalidToken (the hub
// refused the token) or a *hubDownError (it could not be asked).
func hubErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hub.ErrTokenRefused):
		return errInvalidToken
	}
	return &hubDownError{Err: err}
}

// MayReadUsage reports whether u may read the class's usage: a token
// holding the unfiltered read:users scope (the class view's service), or a
// hub admin's.
func (a *hubAuth) MayReadUsage(ctx context.Context, u *hub.User) (bool, error) {
	if hub.HasScope(u.Scopes, "read:users") {
		return true, nil
	}
	return a.IsAdmin(ctx, u)
}

// IsAdmin reports whether u is a hub admin. When the hub's /user answer did
// not say so (it leaves the flag out for a token without read:users), it
// asks GET /users/{name} with the relay's own token.
func (a *hubAuth) IsAdmin(ctx context.Context, u *hub.User) (bool, error) {
	if u.Admin || u.Kind != "user" || a.hub.Token == "" {
		return u.Admin, nil
	}
	full, err := a.hub.User(ctx, u.Name)
	switch {
	case errors.Is(err, hub.ErrNotFound):
		return false, nil
	case errors.Is(err, hub.ErrTokenRefused):
		return false, &hubDownError{Err: errors.New("the hub refused the relay's own token when looking up a user; give the service the read:users scope")}
	case err != nil:
		return false, &hubDownError{Err: err}
	}
	return full.Admin, nil
}
