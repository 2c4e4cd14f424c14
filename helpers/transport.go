package helpers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/janpfeifer/gonb/gonbui"
)

// OfflineLabel is shown above the answers of the offline sample provider,
// once per program: a cell runs as one program, so once per cell.
const OfflineLabel = "📴 Offline sample answer: prepared text from a practice server on this computer, " +
	"not a real AI model.\n   To go live, set OPENROUTER_API_KEY (see the README) and run the cell again."

// maxErrorBody is how much of an error response the transport keeps for
// Explain. Error bodies are small; an HTML error page is cut here.
const maxErrorBody = 64 << 10

// transport is the RoundTripper Connect installs. It
//
//   - shows OfflineLabel before the first chat request to the offline provider;
//   - remembers the API key it sends, so Redact can hide it;
//   - records the details of error responses that go-openai's error types
//     drop (Retry-After and rate-limit headers, error.metadata), for Explain;
//   - rewrites server-sent event streams into the plain form go-openai reads
//     best (see sseBody).
type transport struct {
	base http.RoundTripper
	conn Connection

	keyOnce sync.Once
	// stdout receives OfflineLabel; nil means the cell's output.
	stdout io.Writer
}

// newTransport returns the RoundTripper Connect installs in a client.
func newTransport(base http.RoundTripper, c Connection) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, conn: c}
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.rememberKey(req)
	chat := strings.HasSuffix(req.URL.Path, "/chat/completions")
	if t.conn.Offline && chat {
		showOfflineLabel(t.stdout)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= http.StatusBadRequest {
		recordErrorResponse(req, resp)
		return resp, nil
	}
	if isEventStream(req, resp) {
		body := newSSEBody(req.Context(), resp.Body)
		body.wait = newWaitNotice(t.stdout) // the class relay's queue, if it sends one
		resp.Body = body
		// The length changes with the rewriting.
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	}
	return resp, nil
}

// rememberKey adds the bearer token of the first request to the texts Redact
// hides, in case the key reached the client some other way than APIKey.
func (t *transport) rememberKey(req *http.Request) {
	t.keyOnce.Do(func() {
		key := strings.TrimSpace(strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
		if key == "" {
			key = strings.TrimSpace(req.Header.Get("Api-Key"))
		}
		if key == "" {
			return
		}
		connMu.Lock()
		rememberSecret(key)
		connMu.Unlock()
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

// recordErrorResponse reads up to maxErrorBody bytes of an error response,
// records what Explain needs, and puts the bytes back in front of the rest of
// the body so go-openai reads the response unchanged.
func recordErrorResponse(req *http.Request, resp *http.Response) {
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), rest}
	if err != nil && len(head) == 0 {
		return
	}
	rec := errorRecord{
		when:        now(),
		status:      resp.StatusCode,
		model:       requestModel(req),
		contentType: resp.Header.Get("Content-Type"),
		body:        head,
	}
	rec.setWait(resp.Header, rec.when)
	rec.parseBody(head)
	records.add(rec)
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

// labelShown records that this program has shown OfflineLabel.
var (
	labelMu    sync.Mutex
	labelShown bool
)

// showOfflineLabel shows OfflineLabel, once per program, to w or, when w is
// nil, to the cell's output. In a notebook it goes out as a display, on the
// same channel as ShowStream's and CompareStreaming's outputs, so it stays
// above them.
func showOfflineLabel(w io.Writer) {
	labelMu.Lock()
	defer labelMu.Unlock()
	if labelShown {
		return
	}
	labelShown = true
	flushPrinters()
	if w == nil && gonbui.IsNotebook {
		gonbui.DisplayMarkdown(strings.Replace(OfflineLabel, "Offline sample answer", "**Offline sample answer**", 1))
		return
	}
	if w == nil {
		w = os.Stdout
	}
	fmt.Fprintln(w, OfflineLabel)
}
