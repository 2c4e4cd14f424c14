package connect

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/sse"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func response(status int, contentType, body string) *http.Response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body))}
}

func TestTransportPassesOtherResponsesUnchanged(t *testing.T) {
	const body = "{\"id\":\"x\",\n\"choices\":[]}\r\n: not a comment here\n"
	tr := &Transport{Base: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(200, "application/json", body), nil
	})}
	req, _ := http.NewRequest("POST", "http://x/v1/chat/completions", strings.NewReader(`{"model":"m/x"}`))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != body || resp.ContentLength != int64(len(body)) {
		t.Errorf("body %q (length %d), want it unchanged", got, resp.ContentLength)
	}

	// Error bodies are read for the error messages but reach go-openai
	// unchanged.
	big := strings.Repeat("<p>oops</p>", MaxErrorBody/5)
	var seen ErrorResponse
	tr = &Transport{Base: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(502, "text/html", big), nil
	}), Hooks: Hooks{ErrorResponse: func(e ErrorResponse) { seen = e }}}
	resp, _ = tr.RoundTrip(req)
	got, _ = io.ReadAll(resp.Body)
	if string(got) != big {
		t.Errorf("error body changed: %d bytes, want %d", len(got), len(big))
	}
	if seen.Status != 502 || seen.Model != "m/x" || seen.ContentType != "text/html" || string(seen.Body) != big[:MaxErrorBody] {
		t.Errorf("hook saw status %d, model %q, type %q, %d bytes", seen.Status, seen.Model, seen.ContentType, len(seen.Body))
	}
}

// OfflineChat is called for the chat requests of an offline connection
// only, and the hooks hear an event stream's queue and errors.
func TestTransportHooks(t *testing.T) {
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return response(200, "text/event-stream", ": waiting for a free turn, 0 ahead\n\ndata: {\"error\":\"busy\"}\n\n"), nil
	})
	chats, waits := 0, 0
	var events []string
	hooks := Hooks{
		OfflineChat: func() { chats++ },
		Wait:        func() sse.Listener { waits++; return nil },
		StreamError: func(e []byte) { events = append(events, string(e)) },
	}
	tr := &Transport{Base: base, Conn: Connection{Offline: true}, Hooks: hooks}
	for _, path := range []string{"/v1/chat/completions", "/v1/models", "/v1/chat/completions"} {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:1"+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
	}
	if chats != 2 || waits != 3 || len(events) != 3 {
		t.Errorf("OfflineChat %d times for 2 chat requests, Wait %d times and %d error events for 3 streams", chats, waits, len(events))
	}
	tr = &Transport{Base: base, Hooks: hooks}
	req, _ := http.NewRequest("POST", "http://x/v1/chat/completions", nil)
	tr.RoundTrip(req)
	if chats != 2 {
		t.Errorf("OfflineChat called for a live connection")
	}
}

// The transport learns the key it sends, so Redact hides it even when the
// key did not come from APIKey.
func TestTransportRemembersKey(t *testing.T) {
	const key = "fake-or-v1-only-seen-in-a-header-7c1d"
	tr := &Transport{Base: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(200, "application/json", "{}"), nil
	}), Secrets: &Secrets{}}
	req, _ := http.NewRequest("POST", "http://x/v1/chat/completions", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	tr.RoundTrip(req)
	if got := tr.Secrets.Redact("key=" + key); strings.Contains(got, key) {
		t.Errorf("Redact = %q", got)
	}
}
