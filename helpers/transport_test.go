package helpers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rewrite runs in through sseBody and returns the output and the final error.
func rewrite(t *testing.T, in string) (string, error) {
	t.Helper()
	body := newSSEBody(context.Background(), io.NopCloser(strings.NewReader(in)))
	var out bytes.Buffer
	buf := make([]byte, 7) // small reads exercise the pending-output path
	for {
		n, err := body.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			return out.String(), err
		}
	}
}

func TestSSEBodyRewrites(t *testing.T) {
	cases := []struct {
		name, in, want string
		err            error // nil means io.EOF
	}{
		{"comments and blank lines dropped",
			": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n",
			"data: {\"a\":1}\n\ndata: [DONE]\n\n", nil},
		{"CRLF, CR and data: without a space",
			"data:{\"a\":1}\r\n\r\ndata:{\"b\":2}\r\rdata:[DONE]\r\n\r\n",
			"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n", nil},
		{"id, retry and event fields dropped",
			"id: 7\nretry: 100\nevent: message\ndata: {\"a\":1}\n\ndata: [DONE]\n\n",
			"data: {\"a\":1}\n\ndata: [DONE]\n\n", nil},
		{"multi-line data joined",
			"data: {\"a\":\ndata: 1}\n\ndata: [DONE]\n\n",
			"data: {\"a\": 1}\n\ndata: [DONE]\n\n", nil},
		{"OpenRouter error chunk rewritten",
			"data: {\"id\":\"x\",\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n",
			"data: {\"error\":{\"code\":\"server_error\",\"message\":\"Provider disconnected\"}}\n\n", ErrEndedEarly},
		{"string error made an object",
			"data: {\"error\":\"overloaded\"}\n\n",
			"data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrEndedEarly},
		{"error without a message gets one",
			"data: {\"error\":{\"type\":\"overloaded_error\"}}\n\n",
			"data: {\"error\":{\"message\":\"the provider reported an error (overloaded_error)\",\"type\":\"overloaded_error\"}}\n\n", ErrEndedEarly},
		{"SSE error event",
			"event: error\ndata: {\"message\":\"overloaded\"}\n\n",
			"data: {\"error\":{\"message\":\"overloaded\"}}\n\n", ErrEndedEarly},
		{"null error is no error",
			"data: {\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n",
			"data: {\"error\":null,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n", nil},
		{"escaped \"error\" in text is text",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"say \\\"error\\\"\"}}]}\n\ndata: [DONE]\n\n",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"say \\\"error\\\"\"}}]}\n\ndata: [DONE]\n\n", nil},
		{"no [DONE] and no finish: ended early",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n",
			"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n", ErrEndedEarly},
		{"finish but no [DONE]: complete",
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\": \"stop\"}]}",
			"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\": \"stop\"}]}\n\n", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := rewrite(t, c.in)
			if got != c.want {
				t.Errorf("output\n got %q\nwant %q", got, c.want)
			}
			want := c.err
			if want == nil {
				want = io.EOF
			}
			if !errors.Is(err, want) {
				t.Errorf("error = %v, want %v", err, want)
			}
		})
	}
}

// The rewriting streams: an event comes out as soon as it is complete,
// before the server sends anything more.
func TestSSEBodyStreams(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	body := newSSEBody(context.Background(), pr)
	go io.WriteString(pw, ": keep-alive\n\ndata: {\"a\":1}\n")
	got := make(chan string)
	go func() {
		buf := make([]byte, 100)
		n, _ := body.Read(buf)
		got <- string(buf[:n])
	}()
	select {
	case s := <-got:
		if s != "data: {\"a\":1}\n\n" {
			t.Errorf("read %q", s)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the event was held back")
	}
}

// A cancelled request ends the body with the context's error, not as a
// connection that ended early.
func TestSSEBodyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	body := newSSEBody(ctx, pr)
	cancel()
	pw.CloseWithError(errors.New("read on closed body"))
	if _, err := io.ReadAll(body); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

// Memory stays bounded: a line longer than maxSSELine stops the stream.
func TestSSEBodyLineLimit(t *testing.T) {
	in := "data: {\"a\":\"" + strings.Repeat("x", maxSSELine+10) + "\"}\n\n"
	_, err := rewrite(t, in)
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("error = %v", err)
	}
}

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
	tr := newTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(200, "application/json", body), nil
	}), Connection{})
	req, _ := http.NewRequest("POST", "http://x/v1/chat/completions", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if string(got) != body || resp.ContentLength != int64(len(body)) {
		t.Errorf("body %q (length %d), want it unchanged", got, resp.ContentLength)
	}

	// Error bodies are read for Explain but reach go-openai unchanged.
	big := strings.Repeat("<p>oops</p>", maxErrorBody/5)
	tr = newTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(502, "text/html", big), nil
	}), Connection{})
	resp, _ = tr.RoundTrip(req)
	got, _ = io.ReadAll(resp.Body)
	if string(got) != big {
		t.Errorf("error body changed: %d bytes, want %d", len(got), len(big))
	}
}

func TestTransportOfflineLabelOncePerProgram(t *testing.T) {
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return response(200, "text/event-stream", "data: [DONE]\n\n"), nil
	})
	labelMu.Lock()
	labelShown = false
	labelMu.Unlock()
	var out bytes.Buffer
	tr := newTransport(base, Connection{Offline: true}).(*transport)
	tr.stdout = &out
	for _, path := range []string{"/v1/chat/completions", "/v1/models", "/v1/chat/completions"} {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:1"+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
	}
	if n := strings.Count(out.String(), OfflineLabel); n != 1 {
		t.Errorf("label printed %d times for 2 chat requests: %q", n, out.String())
	}
	// A second client in the same program (cell) does not repeat it.
	out.Reset()
	tr = newTransport(base, Connection{Offline: true}).(*transport)
	tr.stdout = &out
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/v1/chat/completions", nil)
	tr.RoundTrip(req)
	if out.Len() != 0 {
		t.Errorf("label repeated by a second client: %q", out.String())
	}

	out.Reset()
	labelMu.Lock()
	labelShown = false
	labelMu.Unlock()
	tr = newTransport(base, Connection{}).(*transport)
	tr.stdout = &out
	req, _ = http.NewRequest("POST", "http://x/v1/chat/completions", nil)
	tr.RoundTrip(req)
	if out.Len() != 0 {
		t.Errorf("label printed for a live connection: %q", out.String())
	}
}

// The transport learns the key it sends, so Redact hides it even when the
// key did not come from APIKey.
func TestTransportRemembersKey(t *testing.T) {
	const key = "fake-or-v1-only-seen-in-a-header-7c1d"
	tr := newTransport(roundTripFunc(func(*http.Request) (*http.Response, error) {
		return response(200, "application/json", "{}"), nil
	}), Connection{})
	req, _ := http.NewRequest("POST", "http://x/v1/chat/completions", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	tr.RoundTrip(req)
	if got := Redact("key=" + key); strings.Contains(got, key) {
		t.Errorf("Redact = %q", got)
	}
}
