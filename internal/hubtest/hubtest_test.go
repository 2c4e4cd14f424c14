package hubtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// get requests path of the hub with token and returns the status and body.
func get(t *testing.T, h *Hub, path, token string, paged bool) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	if paged {
		req.Header.Set("Accept", "application/jupyterhub-pagination+json")
	}
	return send(t, req)
}

func TestTokensAndUsers(t *testing.T) {
	h := NewHub(t)
	h.Student("alice-token", "alice")
	h.Token("svc-token", `{"kind":"service","name":"announcer"}`)
	h.ServiceToken("svc-token")
	h.User(map[string]any{"kind": "user", "name": "teacher", "admin": true})
	if code, body := get(t, h, "/hub/api/user", "alice-token", false); code != 200 || !strings.Contains(body, `"name":"alice"`) {
		t.Errorf("alice: %d %s", code, body)
	}
	if code, body := get(t, h, "/hub/api/user", "svc-token", false); code != 200 || !strings.Contains(body, `"kind":"service"`) {
		t.Errorf("service: %d %s", code, body)
	}
	for _, tok := range []string{"", "wrong"} {
		if code, body := get(t, h, "/hub/api/user", tok, false); code != 403 || !strings.Contains(body, "Forbidden") {
			t.Errorf("token %q: %d %s", tok, code, body)
		}
	}
	if code, body := get(t, h, "/hub/api/users/teacher", "svc-token", false); code != 200 || !strings.Contains(body, `"admin":true`) {
		t.Errorf("teacher: %d %s", code, body)
	}
	if code, _ := get(t, h, "/hub/api/users/teacher", "alice-token", false); code != 403 {
		t.Errorf("a student read a user: %d", code)
	}
	if code, _ := get(t, h, "/hub/api/users/nobody", "svc-token", false); code != 404 {
		t.Errorf("no such user: %d", code)
	}
	if code, _ := get(t, h, "/elsewhere", "svc-token", false); code != 404 {
		t.Errorf("outside the API: %d", code)
	}
	h.RevokeTokens()
	if code, _ := get(t, h, "/hub/api/user", "alice-token", false); code != 403 {
		t.Errorf("revoked: %d", code)
	}
	h.SetDown(true)
	if code, _ := get(t, h, "/hub/api/users/teacher", "svc-token", false); code != 502 {
		t.Errorf("down: %d", code)
	}
	if n, all := h.Calls("/hub/api/user"), h.Calls(""); n != 5 || all != 10 {
		t.Errorf("calls: %d to /user, %d in all", n, all)
	}
}

func TestUsersInPages(t *testing.T) {
	h := NewHub(t)
	h.ServiceToken("svc")
	h.PageSize(2)
	for _, n := range []string{"carol", "alice", "bob"} {
		h.Student(n+"-token", n)
	}
	var page struct {
		Items      []struct{ Name string }
		Pagination struct {
			Total int
			Next  *struct{ Offset int }
		} `json:"_pagination"`
	}
	_, body := get(t, h, "/hub/api/users", "svc", true)
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) != 2 || page.Items[0].Name != "alice" ||
		page.Pagination.Total != 3 || page.Pagination.Next == nil || page.Pagination.Next.Offset != 2 {
		t.Fatalf("first page %s (%v)", body, err)
	}
	page.Pagination.Next = nil
	_, body = get(t, h, "/hub/api/users?offset=2", "svc", true)
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page.Items) != 1 || page.Items[0].Name != "carol" || page.Pagination.Next != nil {
		t.Errorf("last page %s (%v)", body, err)
	}
	if _, body := get(t, h, "/hub/api/users", "svc", false); !strings.HasPrefix(body, `[{"kind":"user","name":"alice"`) {
		t.Errorf("without pages: %s", body)
	}
}

func TestHandleAndSyncBuffer(t *testing.T) {
	h := NewHub(t)
	h.Handle("/hub/api/oauth2/token", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "oauth") }))
	if code, body := get(t, h, "/hub/api/oauth2/token", "", false); code != 200 || body != "oauth" {
		t.Errorf("added route: %d %s", code, body)
	}
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Logf("line %d", i) }()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 10 {
		t.Errorf("%d lines: %q", n, b.String())
	}
}

// A command started in the background is waited for and interrupted as its
// main would be; its interrupt variable is restored after the test.
func TestStartCommand(t *testing.T) {
	interrupt := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
	run := func(args []string, stdout, stderr io.Writer) int {
		ctx, stop := interrupt()
		defer stop()
		fmt.Fprintf(stdout, "Listening on %s\n", args[0])
		<-ctx.Done()
		fmt.Fprintln(stderr, "stopped")
		return 3
	}
	var restored bool
	t.Run("command", func(t *testing.T) {
		c := StartCommand(t, &interrupt, run, "127.0.0.1:99")
		if got := c.WaitFor(t, regexp.MustCompile(`Listening on (\S+)`)); got != "127.0.0.1:99" {
			t.Errorf("WaitFor = %q", got)
		}
		if code := c.Stop(t); code != 3 || c.Stderr.String() != "stopped\n" {
			t.Errorf("exit %d, stderr %q", code, c.Stderr.String())
		}
	})
	ctx, cancel := interrupt()
	defer cancel()
	restored = ctx.Err() == nil
	if !restored {
		t.Error("the interrupt variable was not restored")
	}
}

// A cut stream reaches the client whole up to the cut, then fails.
func TestWriteCut(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := WriteCut(w, time.Millisecond, "data: 1\n\n", "data: 2\n\n"); err != nil {
			t.Error(err)
		}
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if string(body) != "data: 1\n\ndata: 2\n\n" || !errors.Is(err, io.ErrUnexpectedEOF) || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("body %q, err %v, header %v", body, err, resp.Header)
	}
}
