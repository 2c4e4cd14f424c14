// Package hubtest provides a fake JupyterHub API for tests, as
// net/http/httptest provides servers: tokens that identify users and
// services at GET /hub/api/user, users listed at GET /hub/api/users (in
// pages, as the hub pages them) and read at GET /hub/api/users/{name} with a
// service's token, and a hub that can be taken down. It also provides
// SyncBuffer, a buffer for a server's log that a test reads while the server
// writes, Command, a service command run in the background until the test
// interrupts it, and WriteCut, an upstream's event stream cut short.
//
// A test of a JupyterHub service starts a hub, tells it who is who, and
// points the service at its API:
//
//	hub := hubtest.NewHub(t)
//	hub.Student("alice-token", "alice")
//	cfg.HubAPIURL = hub.APIURL()
package hubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// SyncBuffer is a bytes.Buffer safe for concurrent use: a server's log or
// output, written by its goroutines and read by the test.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logf writes one line formatted as fmt.Printf does, for a Logf option.
func (b *SyncBuffer) Logf(format string, args ...any) {
	fmt.Fprintf(b, format+"\n", args...)
}

// Hub is a fake JupyterHub API. Its zero value is not usable: start one
// with NewHub. Its methods may be called while requests are served.
type Hub struct {
	// URL is the hub's address, such as http://127.0.0.1:40123; its API is
	// at URL + "/hub/api" (APIURL).
	URL string

	mux      *http.ServeMux
	mu       sync.Mutex
	tokens   map[string]json.RawMessage // token -> what /hub/api/user answers
	users    map[string]json.RawMessage // name -> the user's model
	services map[string]bool            // tokens that may read the users
	pageSize int
	down     bool
	calls    map[string]int // requests by path
}

// NewHub starts a fake hub that knows no token yet; it stops when the test
// ends.
func NewHub(t testing.TB) *Hub {
	h := &Hub{mux: http.NewServeMux(), tokens: map[string]json.RawMessage{}, users: map[string]json.RawMessage{},
		services: map[string]bool{}, pageSize: 200, calls: map[string]int{}}
	h.mux.HandleFunc("/", h.api)
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	h.URL = srv.URL
	return h
}

// APIURL returns the hub's API URL, what JUPYTERHUB_API_URL holds.
func (h *Hub) APIURL() string { return h.URL + "/hub/api" }

// raw returns model as JSON: a string or []byte of JSON as it is, any
// other value as encoding/json writes it.
func raw(model any) json.RawMessage {
	switch m := model.(type) {
	case string:
		return json.RawMessage(m)
	case []byte:
		return json.RawMessage(m)
	}
	b, err := json.Marshal(model)
	if err != nil {
		panic("hubtest: the model cannot be written as JSON: " + err.Error())
	}
	return b
}

// Token makes GET /hub/api/user with token answer model: the JSON of the
// token's owner (a user or a service) with the token's scopes, as JupyterHub
// answers it. model is JSON (a string or []byte) or a value encoding/json
// writes.
func (h *Hub) Token(token string, model any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokens[token] = raw(model)
}

// User adds or replaces a user, by the "name" of model (as for Token): the
// hub lists it at GET /hub/api/users and answers it at
// GET /hub/api/users/{name}, both to a ServiceToken only.
func (h *Hub) User(model any) {
	m := raw(model)
	var u struct{ Name string }
	if err := json.Unmarshal(m, &u); err != nil || u.Name == "" {
		panic(fmt.Sprintf("hubtest: a user model needs a name: %s", m))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.users[u.Name] = m
}

// Student adds a user name who is no admin, with token as theirs.
func (h *Hub) Student(token, name string) {
	model := fmt.Sprintf(`{"kind":"user","name":%q,"admin":false,"groups":[],"scopes":[]}`, name)
	h.User(model)
	h.Token(token, model)
}

// ServiceToken lets token read the users (a service with the list:users
// and read:users scopes).
func (h *Hub) ServiceToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.services[token] = true
}

// PageSize sets how many users a page of GET /hub/api/users holds
// (default 200, as JupyterHub's).
func (h *Hub) PageSize(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pageSize = n
}

// RevokeTokens forgets every token given with Token, as when the hub
// revokes them; service tokens stay.
func (h *Hub) RevokeTokens() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tokens = map[string]json.RawMessage{}
}

// SetDown makes every request fail with 502 Bad Gateway, as a hub behind a
// proxy that cannot reach it (false: the hub is back).
func (h *Hub) SetDown(down bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down = down
}

// Calls returns how many requests were made to path ("/hub/api/user"), or
// to any path when path is "".
func (h *Hub) Calls(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if path != "" {
		return h.calls[path]
	}
	n := 0
	for _, c := range h.calls {
		n += c
	}
	return n
}

// Handle adds a route to the hub, such as its OAuth endpoints, with the
// patterns of http.ServeMux.
func (h *Hub) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.calls[r.URL.Path]++
	down := h.down
	h.mu.Unlock()
	if down {
		http.Error(w, "<html>502 Bad Gateway</html>", http.StatusBadGateway)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// forbidden answers as the hub does to a token that may not do something.
func forbidden(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, `{"status": 403, "message": "Forbidden"}`)
}

// api answers the hub's API.
func (h *Hub) api(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "token ")
	h.mu.Lock()
	defer h.mu.Unlock()
	name, isUser := strings.CutPrefix(r.URL.Path, "/hub/api/users/")
	switch {
	case r.URL.Path == "/hub/api/user" && h.tokens[token] != nil:
		writeJSON(w, h.tokens[token])
	case r.URL.Path == "/hub/api/users" && h.services[token]:
		h.list(w, r)
	case isUser && h.services[token] && h.users[name] != nil:
		writeJSON(w, h.users[name])
	case isUser && h.services[token]:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"status": 404, "message": "No such user"}`)
	case strings.HasPrefix(r.URL.Path, "/hub/api/"):
		forbidden(w)
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, body json.RawMessage) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// list answers GET /hub/api/users from ?offset=, a page at a time when the
// client asks for pages (Accept: application/jupyterhub-pagination+json),
// as JupyterHub 2 and later do; h.mu is held.
func (h *Hub) list(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(h.users))
	for n := range h.users {
		names = append(names, n)
	}
	sort.Strings(names)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = min(max(offset, 0), len(names))
	end := min(offset+h.pageSize, len(names))
	items := make([]json.RawMessage, 0, end-offset)
	for _, n := range names[offset:end] {
		items = append(items, h.users[n])
	}
	if !strings.Contains(r.Header.Get("Accept"), "jupyterhub-pagination") {
		b, _ := json.Marshal(items)
		writeJSON(w, b)
		return
	}
	var next any
	if end < len(names) {
		next = map[string]int{"offset": end, "limit": h.pageSize}
	}
	b, _ := json.Marshal(map[string]any{"items": items,
		"_pagination": map[string]any{"offset": offset, "limit": h.pageSize, "total": len(names), "next": next}})
	writeJSON(w, b)
}
