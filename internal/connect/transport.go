package connect

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/k12notebooks/golessons/internal/sse"
)

// MaxErrorBody is how much of an error response the transport keeps for
// ErrorResponse. Error bodies are small; an HTML error page is cut here.
const MaxErrorBody = 64 << 10

// Hooks let the lesson's display and error messages hear what a transport
// sees. Each may be nil.
type Hooks struct {
	// OfflineChat is called before each chat request to the offline
	// provider (to label its answers).
	OfflineChat func()
	// Wait returns the listener for one event stream's queue comments
	// (a school's class relay sends them).
	Wait func() sse.Listener
	// ErrorResponse receives the start of each error response.
	ErrorResponse func(ErrorResponse)
	// StreamError receives each error event inside an event stream, as
	// sse.Body rewrote it.
	StreamError func(event []byte)
}

// ErrorResponse is what a transport read of an HTTP error response: the
// details go-openai's error types drop (headers, error.metadata).
type ErrorResponse struct {
	Status      int
	Model       string // the request's "model", "" when unknown
	ContentType string
	Header      http.Header
	Body        []byte // the first MaxErrorBody bytes
}

// Transport is the RoundTripper Connect installs. It
//
//   - calls Hooks.OfflineChat before each chat request to the offline provider;
//   - remembers the API key it sends, so Secrets.Redact can hide it;
//   - passes error responses to Hooks.ErrorResponse, with their body put
//     back for go-openai;
//   - rewrites server-sent event streams into the plain form go-openai reads
//     best (see sse.Body), with Hooks.Wait and Hooks.StreamError listening.
type Transport struct {
	Base    http.RoundTripper // nil means http.DefaultTransport
	Conn    Connection
	Hooks   Hooks
	Secrets *Secrets

	keyOnce sync.Once
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.rememberKey(req)
	chat := strings.HasSuffix(req.URL.Path, "/chat/completions")
	if t.Conn.Offline && chat && t.Hooks.OfflineChat != nil {
		t.Hooks.OfflineChat()
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= http.StatusBadRequest {
		t.readErrorResponse(req, resp)
		return resp, nil
	}
	if isEventStream(req, resp) {
		body := sse.NewBody(req.Context(), resp.Body)
		if t.Hooks.Wait != nil {
			body.Wait = t.Hooks.Wait() // the class relay's queue, if it sends one
		}
		body.OnError = t.Hooks.StreamError
		resp.Body = body
		// The length changes with the rewriting.
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	return resp, nil
}

// rememberKey adds the bearer token of the first request to the texts Redact
// hides, in case the key reached the client some other way than APIKey.
func (t *Transport) rememberKey(req *http.Request) {
	t.keyOnce.Do(func() {
		key := strings.TrimSpace(strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
		if key == "" {
			key = strings.TrimSpace(req.Header.Get("Api-Key"))
		}
		if key == "" {
			return
		}
		if t.Secrets != nil {
			t.Secrets.Remember(key)
		}
	})
}

// isEventStream reports whether resp is a server-sent event stream: its
// content type says so, or a streaming request got an untyped 200 answer.
func isEventStream(req *http.Request, resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		return resp.StatusCode == http.StatusOK && strings.Contains(req.Header.Get("Accept"), "text/event-stream")
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/event-stream"
}

// readErrorResponse reads up to MaxErrorBody bytes of an error response,
// passes them to Hooks.ErrorResponse, and puts them back in front of the rest
// of the body so go-openai reads the response unchanged.
func (t *Transport) readErrorResponse(req *http.Request, resp *http.Response) {
	if t.Hooks.ErrorResponse == nil {
		return
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), rest}
	if err != nil && len(head) == 0 {
		return
	}
	t.Hooks.ErrorResponse(ErrorResponse{
		Status:      resp.StatusCode,
		Model:       requestModel(req),
		ContentType: resp.Header.Get("Content-Type"),
		Header:      resp.Header,
		Body:        head,
	})
}

// requestModel returns the "model" field of a JSON request body, or "".
func requestModel(req *http.Request) string {
	if req.GetBody == nil || req.ContentLength > 1<<20 {
		return ""
	}
	body, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var v struct {
		Model string `json:"model"`
	}
	if json.NewDecoder(io.LimitReader(body, 1<<20)).Decode(&v) != nil {
		return ""
	}
	return v.Model
}
