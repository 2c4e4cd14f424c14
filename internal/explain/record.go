package explain

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// now returns the time; tests replace it.
var now = time.Now

// errorRecord keeps what go-openai's error types drop from an error response
// (headers, error.metadata) or from a mid-stream error event, so that Explain
// can say when to retry and why a provider failed.
type errorRecord struct {
	when      time.Time
	status    int  // HTTP status; 0 for a mid-stream error
	midStream bool // the error arrived inside a 200 event stream

	message  string // error.message
	code     string // error.code, as text
	typ      string // error.type, e.g. the class relay's "requests_per_day"
	raw      string // error.metadata.raw: the upstream provider's own reason
	provider string // error.metadata.provider_name
	model    string // the request's model

	retryAfter time.Duration // from Retry-After, when sent
	resetAt    time.Time     // from X-RateLimit-Reset, when sent

	contentType string
	html        bool   // the body is a web page
	title       string // the page's <title>
	body        []byte // the first bytes of the body (connect.MaxErrorBody)
}

// logSize is how many error records an errorLog keeps.
const logSize = 16

// errorLog is a small ring of the latest error records. It is made on first
// use, so that a program that sees no error (or holds an Explainer in a
// package variable) carries none.
type errorLog struct {
	mu   sync.Mutex
	recs []errorRecord // a ring of logSize, made on first use
	n    int           // records added so far
}

// add stores r, stamping its time.
func (l *errorLog) add(r errorRecord) {
	if r.when.IsZero() {
		r.when = now()
	}
	l.mu.Lock()
	if l.recs == nil {
		l.recs = make([]errorRecord, logSize)
	}
	l.recs[l.n%len(l.recs)] = r
	l.n++
	l.mu.Unlock()
}

// find returns the newest record for which match is true.
func (l *errorLog) find(match func(*errorRecord) bool) (errorRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := l.n - 1; i >= 0 && i >= l.n-len(l.recs); i-- {
		r := &l.recs[i%len(l.recs)]
		if match(r) {
			return *r, true
		}
	}
	return errorRecord{}, false
}

// setWait reads Retry-After and X-RateLimit-Reset.
func (r *errorRecord) setWait(h http.Header, t time.Time) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			r.retryAfter = time.Duration(s * float64(time.Second))
		} else if at, err := http.ParseTime(v); err == nil {
			r.retryAfter = max(at.Sub(t), 0)
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		r.resetAt = parseReset(v, t)
	}
}

// parseReset reads a rate-limit reset value: Unix time in milliseconds (as
// OpenRouter sends) or seconds, or a duration such as "6m0s" (as OpenAI sends).
func parseReset(v string, t time.Time) time.Time {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
		switch {
		case n > 1e12: // milliseconds since 1970
			return time.UnixMilli(int64(n))
		case n > 1e9: // seconds since 1970
			return time.Unix(int64(n), 0)
		default: // seconds from now
			return t.Add(time.Duration(n * float64(time.Second)))
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return t.Add(d)
	}
	return time.Time{}
}

// wait returns how long to wait before retrying, or 0 when unknown.
func (r *errorRecord) wait(t time.Time) time.Duration {
	if r.retryAfter > 0 {
		return r.retryAfter - t.Sub(r.when)
	}
	if !r.resetAt.IsZero() {
		return r.resetAt.Sub(t)
	}
	return 0
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// parseBody reads an error body: OpenAI's and OpenRouter's
// {"error": {"message", "code", "type", "metadata": {"raw", "provider_name",
// "headers"}}}, a string error, {"message"} or {"detail"}, or an HTML page.
func (r *errorRecord) parseBody(body []byte) {
	trimmed := bytes.TrimSpace(body)
	if rest, ok := bytes.CutPrefix(trimmed, []byte("data:")); ok {
		trimmed = bytes.TrimSpace(rest) // an error sent as an event
	}
	if len(trimmed) > 0 && trimmed[0] == '<' || strings.Contains(r.contentType, "html") {
		r.html = true
		if m := titleRE.FindSubmatch(body); m != nil {
			r.title = strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " ")
		}
		return
	}
	var top struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(trimmed, &top) != nil {
		return
	}
	if len(top.Error) == 0 || top.Error[0] != '{' {
		r.message = firstNonEmpty(jsonString(top.Error), jsonString(top.Message), jsonString(top.Detail))
		return
	}
	var e struct {
		Message  json.RawMessage `json:"message"`
		Code     json.RawMessage `json:"code"`
		Type     string          `json:"type"`
		Metadata struct {
			Raw          json.RawMessage   `json:"raw"`
			ProviderName string            `json:"provider_name"`
			Headers      map[string]string `json:"headers"`
		} `json:"metadata"`
	}
	if json.Unmarshal(top.Error, &e) != nil {
		return
	}
	r.message = jsonString(e.Message)
	r.typ = e.Type
	r.code = strings.Trim(string(e.Code), `"`)
	if r.code == "null" {
		r.code = ""
	}
	r.raw = jsonString(e.Metadata.Raw)
	r.provider = e.Metadata.ProviderName
	for k, v := range e.Metadata.Headers {
		if strings.EqualFold(k, "X-RateLimit-Reset") && r.resetAt.IsZero() {
			r.resetAt = parseReset(v, r.whenOrNow())
		}
	}
}

func (r *errorRecord) whenOrNow() time.Time {
	if r.when.IsZero() {
		return now()
	}
	return r.when
}

// jsonString returns a JSON value as text: a string as is, a list of strings
// joined, anything else (an object) compacted; null and absent give "".
func jsonString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var l []string
	if json.Unmarshal(raw, &l) == nil {
		return strings.Join(l, ", ")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
