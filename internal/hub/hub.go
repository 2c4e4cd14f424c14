// Package hub is the one JupyterHub REST API client of the class's
// services, the class relay (package relay) and the class view (package
// classview): whose a token is (GET /user), a user (GET /users/{name}),
// every user page by page (GET /users), and the OAuth token exchange, with
// one User type for JupyterHub's user model.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// The environment JupyterHub gives a managed service (an entry of
// c.JupyterHub.services with a command), as jupyterhub.services.auth reads
// it; the relay and the class view read it too.
const (
	// EnvAPIURL is the hub's REST API, e.g. http://127.0.0.1:8081/hub/api.
	EnvAPIURL = "JUPYTERHUB_API_URL"
	// EnvAPIToken is the service's own hub API token.
	EnvAPIToken = "JUPYTERHUB_API_TOKEN"
	// EnvServicePrefix is the URL path prefix the hub's proxy routes to the
	// service, e.g. /services/class-relay/.
	EnvServicePrefix = "JUPYTERHUB_SERVICE_PREFIX"
	// EnvServiceURL is the address the hub expects the service at, e.g.
	// http://127.0.0.1:10101.
	EnvServiceURL = "JUPYTERHUB_SERVICE_URL"
)

// User is JupyterHub's model of a user or, for kind "service", of a
// service: from GET /user (a token's owner, with the token's scopes), GET
// /users/{name} or GET /users. Fields the token may not read are left out.
type User struct {
	// Kind is "user" or "service"; UserForToken fills in "user" when an
	// older hub leaves it out.
	Kind string `json:"kind"`
	// Name is the user name (a service's name for kind "service").
	Name string `json:"name"`
	// Admin is the user's admin flag; false when the hub did not say.
	Admin bool `json:"admin"`
	// Groups are the user's groups, when the hub lists them.
	Groups []string `json:"groups"`
	// Scopes are the token's scopes (GET /user, JupyterHub 2 and newer).
	Scopes []string `json:"scopes"`
	// LastActivity is the user's last activity, when the hub says.
	LastActivity *time.Time `json:"last_activity"`
	// Server is the URL path of the default server, when it runs.
	Server *string `json:"server"`
	// Pending is "spawn" or "stop" while the default server changes.
	Pending *string `json:"pending"`
	// Servers are the user's servers by name ("" the default), with the
	// read:servers scope.
	Servers map[string]Server `json:"servers"`
}

// Server is one of a user's servers.
type Server struct {
	// Name is the server's name, "" for the default one.
	Name string `json:"name"`
	// Ready is true when the server answers.
	Ready bool `json:"ready"`
	// Pending is "spawn" or "stop" while the server changes.
	Pending *string `json:"pending"`
	// Started is when the server started.
	Started *time.Time `json:"started"`
	// LastActivity is the server's last activity.
	LastActivity *time.Time `json:"last_activity"`
}

// ErrTokenRefused is the hub refusing a token (401 or 403). Any other error
// of a Client means the hub could not be asked, or answered oddly.
var ErrTokenRefused = errors.New("the hub refused the token")

// ErrNotFound is the hub answering 404, e.g. for a user it does not have.
var ErrNotFound = errors.New("the hub has no such thing")

// Client asks a hub's REST API. Its fields are set once, before use.
type Client struct {
	// API is the hub's REST API without a trailing slash, e.g.
	// http://127.0.0.1:8081/hub/api.
	API string
	// Token is the service's own API token (JUPYTERHUB_API_TOKEN).
	Token Secret
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// maxBody bounds what is read of one hub answer.
const maxBody = 16 << 20

// Do sends method to the API path (e.g. "/user"; a query may follow) with
// "Authorization: token <token>" and the form, when not nil, and decodes
// the JSON answer into out. A 401 or 403 is ErrTokenRefused (wrapped).
func (c *Client) Do(ctx context.Context, method, path, token string, form url.Values, accept string, out any) error {
	u := c.API + path
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("the hub API URL %q is not a URL: %v; check hub_api_url (e.g. http://127.0.0.1:8081/hub/api)", c.API, err)
	}
	req.Header.Set("Authorization", "token "+token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once
		}
		return fmt.Errorf("the hub did not answer %s %s: %w (is JupyterHub running, and hub_api_url right?)", method, u, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%s %s: %d %s)", ErrTokenRefused, method, u, resp.StatusCode, message(data))
	case resp.StatusCode == http.StatusNotFound && path == "/user":
		return fmt.Errorf("the hub has no %s (404): check hub_api_url or JUPYTERHUB_API_URL (it ends in /hub/api)", u)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: the hub answered %s %s with 404 %s", ErrNotFound, method, u, message(data))
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("the hub answered %s %s with %d %s", method, u, resp.StatusCode, message(data))
	case err != nil:
		return fmt.Errorf("reading the hub's answer to %s %s: %w", method, u, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the hub's answer to %s %s is not the JSON expected: %v", method, u, err)
	}
	return nil
}

// message returns the message of a hub error body, shortened, in
// parentheses; "" when it has none.
func message(data []byte) string {
	var e struct {
		Message     string `json:"message"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(data, &e)
	msg := e.Description
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = e.Error
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		return ""
	}
	return "(" + msg + ")"
}

// UserForToken asks the hub whose token this is: GET /user with the token
// itself. The answer holds the token's scopes.
func (c *Client) UserForToken(ctx context.Context, token string) (*User, error) {
	var u User
	if err := c.Do(ctx, http.MethodGet, "/user", token, nil, "", &u); err != nil {
		return nil, err
	}
	if u.Kind == "" {
		u.Kind = "user"
	}
	return &u, nil
}

// User returns the user name, GET /users/{name} with the service's token
// (which needs the read:users scope).
func (c *Client) User(ctx context.Context, name string) (*User, error) {
	var u User
	if err := c.Do(ctx, http.MethodGet, "/users/"+url.PathEscape(name), c.Token.Reveal(), nil, "", &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// ListUsers returns every hub user, page by page (JupyterHub's pagination:
// Accept: application/jupyterhub-pagination+json), with the service's
// token, which needs the scopes list:users, read:users and read:servers.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	var all []User
	offset := 0
	for range 1000 {
		var raw json.RawMessage
		p := fmt.Sprintf("/users?offset=%d&limit=200", offset)
		if err := c.Do(ctx, http.MethodGet, p, c.Token.Reveal(), nil, "application/jupyterhub-pagination+json", &raw); err != nil {
			return nil, err
		}
		if len(raw) > 0 && raw[0] == '[' { // a hub without pagination
			var list []User
			err := json.Unmarshal(raw, &list)
			return append(all, list...), err
		}
		var page struct {
			Items      []User `json:"items"`
			Pagination struct {
				Next *struct {
					Offset int `json:"offset"`
				} `json:"next"`
			} `json:"_pagination"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, fmt.Errorf("the hub's list of users is not the JSON expected: %v", err)
		}
		all = append(all, page.Items...)
		if page.Pagination.Next == nil || page.Pagination.Next.Offset <= offset {
			return all, nil
		}
		offset = page.Pagination.Next.Offset
	}
	return all, nil
}

// HasScope reports whether scopes grant need: the same scope, or its
// unfiltered form ("access:services" grants "access:services!service=x").
func HasScope(scopes []string, need string) bool {
	base, _, _ := strings.Cut(need, "!")
	for _, s := range scopes {
		if s == need || s == base {
			return true
		}
	}
	return false
}

// NormalizePrefix returns a service's URL path prefix (JupyterHub's
// JUPYTERHUB_SERVICE_PREFIX, its base_url) as a path that starts and ends
// with "/".
func NormalizePrefix(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return "/"
	}
	p = path.Clean("/" + p)
	if p != "/" {
		p += "/"
	}
	return p
}

// Secret is a key or token. It prints as "[hidden]" with fmt and JSON, so it
// cannot reach a log by accident; Reveal returns the value.
type Secret string

// String returns "[hidden]", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[hidden]"
}

// GoString returns the same as String.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON writes "[hidden]".
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the secret's value, for the one header that needs it.
func (s Secret) Reveal() string { return string(s) }

// Online reports whether the user has a running server, and whether one is
// starting.
func (u *User) Online() (running, starting bool) {
	for _, s := range u.Servers {
		if s.Ready {
			running = true
		}
		if s.Pending != nil && *s.Pending == "spawn" {
			starting = true
		}
	}
	return running, starting
}

// LastActive is the latest activity of the user or any of its servers.
func (u *User) LastActive() time.Time {
	var t time.Time
	if u.LastActivity != nil {
		t = *u.LastActivity
	}
	for _, s := range u.Servers {
		if s.LastActivity != nil && s.LastActivity.After(t) {
			t = *s.LastActivity
		}
	}
	return t
}
