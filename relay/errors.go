package relay

import (
	"net/http"
	"strconv"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// apiError is an error the relay answers itself, in OpenAI's error shape.
type apiError struct {
	status  int
	typ     string
	message string
	header  map[string]string // extra response headers, e.g. Retry-After
}

// newError returns an apiError.
func newError(status int, typ, message string) *apiError {
	return &apiError{status: status, typ: typ, message: message}
}

// limitError turns a limitRefusal into a 429 with Retry-After (whole seconds,
// rounded up) and, for the daily limit, X-RateLimit-Reset (Unix ms).
func limitError(e *limitRefusal) *apiError {
	secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
	h := map[string]string{"Retry-After": strconv.FormatInt(max(secs, 1), 10)}
	if e.Limit > 0 {
		h["X-RateLimit-Limit"] = strconv.Itoa(e.Limit)
		h["X-RateLimit-Remaining"] = "0"
	}
	if !e.ResetAt.IsZero() {
		h["X-RateLimit-Reset"] = strconv.FormatInt(e.ResetAt.UnixMilli(), 10)
	}
	return &apiError{status: http.StatusTooManyRequests, typ: e.Type, message: e.Message, header: h}
}

// body returns the JSON error body, without a trailing newline.
func (e *apiError) body() []byte {
	return classapi.ErrorJSON(e.status, e.typ, e.message)
}

// write sends e as an HTTP error response.
func (e *apiError) write(w http.ResponseWriter) {
	b := e.body()
	h := w.Header()
	for k, v := range e.header {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	w.Write(b)
}

// event returns e as one server-sent event, for a stream whose 200 headers
// were already sent: "data: {"error":{…}}" and a blank line.
func (e *apiError) event() []byte {
	return append(append([]byte("data: "), e.body()...), "\n\n"...)
}
