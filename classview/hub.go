package classview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/relay"
)

// HubUser is the part of a JupyterHub user model the class view reads, from
// GET /hub/api/user (the signed-in teacher) or GET /hub/api/users (the class).
type HubUser struct {
	Kind         string               `json:"kind"`
	Name         string               `json:"name"`
	Admin        bool                 `json:"admin"`
	Groups       []string             `json:"groups"`
	Scopes       []string             `json:"scopes"`
	LastActivity *time.Time           `json:"last_activity"`
	Server       *string              `json:"server"`
	Pending      *string              `json:"pending"`
	Servers      map[string]HubServer `json:"servers"`
}

// HubServer is one of a user's servers.
type HubServer struct {
	Name         string     `json:"name"`
	Ready        bool       `json:"ready"`
	Pending      *string    `json:"pending"`
	Started      *time.Time `json:"started"`
	LastActivity *time.Time `json:"last_activity"`
}

// errTokenRefused is the hub refusing a token (401 or 403).
var errTokenRefused = errors.New("the hub refused the token")

// hubClient talks to the hub's REST API.
type hubClient struct {
	api   string // e.g. http://127.0.0.1:8081/hub/api
	token relay.Secret
	http  *http.Client
}

// maxHubBody bounds what is read of one hub answer.
const maxHubBody = 16 << 20

// do sends a request to the hub with "Authorization: token <token>" and
// decodes its JSON answer into out. A 401 or 403 is errTokenRefused.
func (h *hubClient) do(ctx context.Context, method, u, token string, form url.Values, accept string, out any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "token "+token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		return fmt.Errorf("the hub did not answer at %s: %w (is JupyterHub running, and hub_api_url right?)", h.api, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHubBody))
	if err != nil {
		return fmt.Errorf("reading the hub's answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%s %s: %d %s)", errTokenRefused, method, u, resp.StatusCode, hubMessage(data))
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("the hub answered %s %s with %d %s", method, u, resp.StatusCode, hubMessage(data))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the hub's answer to %s %s is not the JSON expected: %v", method, u, err)
	}
	return nil
}

// hubMessage returns the message of a hub error body, shortened.
func hubMessage(data []byte) string {
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

// userForToken asks the hub whose token this is: GET {api}/user.
func (h *hubClient) userForToken(ctx context.Context, token string) (*HubUser, error) {
	var u HubUser
	if err := h.do(ctx, http.MethodGet, h.api+"/user", token, nil, "", &u); err != nil {
		return nil, err
	}
	if u.Kind == "" {
		u.Kind = "user"
	}
	return &u, nil
}

// listUsers returns every hub user, page by page (JupyterHub's pagination:
// Accept: application/jupyterhub-pagination+json), with the service's own
// token, which needs the scopes list:users, read:users and read:servers.
func (h *hubClient) listUsers(ctx context.Context) ([]HubUser, error) {
	var all []HubUser
	offset := 0
	for range 1000 {
		var raw json.RawMessage
		u := fmt.Sprintf("%s/users?offset=%d&limit=200", h.api, offset)
		err := h.do(ctx, http.MethodGet, u, h.token.Reveal(), nil, "application/jupyterhub-pagination+json", &raw)
		if errors.Is(err, errTokenRefused) {
			return nil, fmt.Errorf("%v: the class view's token may not list the users; give the service the role of classroom/class_view_service.py (scopes list:users, read:users, read:servers)", err)
		}
		if err != nil {
			return nil, err
		}
		if len(raw) > 0 && raw[0] == '[' { // a hub without pagination
			var list []HubUser
			err := json.Unmarshal(raw, &list)
			return append(all, list...), err
		}
		var page struct {
			Items      []HubUser `json:"items"`
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

// online reports whether a user has a running server, and whether one is
// starting.
func (u *HubUser) online() (running, starting bool) {
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

// lastActivity is the latest activity of the user or any server.
func (u *HubUser) lastActivity() time.Time {
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
