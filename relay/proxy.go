package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/k12notebooks/golessons/classapi"
)

// hopHeaders are the hop-by-hop headers of RFC 9110, never forwarded.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// dropRequestHeaders are student request headers never sent upstream, besides
// hopHeaders: credentials, cookies (the hub's session cookies reach a hub
// service), the client's address and origin, and headers the relay sets.
var dropRequestHeaders = []string{
	"Authorization", "Cookie", "Cookie2", "Host", "Content-Length", "Accept-Encoding",
	"Forwarded", "Via", "X-Real-Ip", "Origin", "Referer", "X-Xsrftoken", "X-Csrftoken",
}

// dropRequestPrefixes are header name prefixes never sent upstream.
var dropRequestPrefixes = []string{"X-Forwarded-", "X-Jupyterhub-", "Sec-"}

// dropResponseHeaders are upstream response headers never sent to a student.
var dropResponseHeaders = []string{"Set-Cookie", "Set-Cookie2"}

// upstreamHeader returns the headers to send upstream for a student request
// with header in: in without hop-by-hop, credential, cookie and address
// headers, without any header holding the student's token, with the
// teacher's key and the configured extra headers.
func upstreamHeader(in http.Header, studentToken string, key hub.Secret, extra map[string]string) http.Header {
	out := in.Clone()
	removeHop(out)
	for _, h := range dropRequestHeaders {
		out.Del(h)
	}
	for name, vals := range out {
		drop := false
		for _, p := range dropRequestPrefixes {
			drop = drop || strings.HasPrefix(name, p)
		}
		for _, v := range vals {
			drop = drop || (studentToken != "" && strings.Contains(v, studentToken))
		}
		if drop {
			delete(out, name)
		}
	}
	for k, v := range extra {
		out.Set(k, v)
	}
	if key != "" {
		out.Set("Authorization", "Bearer "+key.Reveal())
	}
	return out
}

// removeHop deletes the hop-by-hop headers of h, including those named in
// its Connection header.
func removeHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// copyResponseHeader copies the upstream's response headers to dst, without
// hop-by-hop headers and cookies.
func copyResponseHeader(dst, src http.Header) {
	src = src.Clone()
	removeHop(src)
	for _, h := range dropResponseHeaders {
		src.Del(h)
	}
	for k, v := range src {
		dst[k] = v
	}
}

// chatRequest is a student's chat-completions request, checked against
// the allow-list (chatFields): fields holds only checked values, and is all
// that is sent upstream.
type chatRequest struct {
	fields   map[string]any
	model    string
	stream   bool
	messages json.RawMessage // the checked messages, re-encoded
	sent     json.RawMessage // the messages sent upstream: the class instructions first
	capped   bool            // a token field was added or lowered
}

// parseChat reads a chat request body strictly (readObject), checks every
// field against the allow-list, and applies the model list and the
// max_tokens cap.
func parseChat(body []byte, cfg *Config) (*chatRequest, *apiError) {
	in, aerr := readObject(body)
	if aerr != nil {
		return nil, aerr
	}
	fields, aerr := checkObject("", in, chatFields)
	if aerr != nil {
		return nil, aerr
	}
	c := &chatRequest{fields: fields}
	c.model, _ = fields["model"].(string)
	c.stream, _ = fields["stream"].(bool)
	if c.model == "" {
		return nil, invalid("model", "must name a model, such as \"openai/gpt-oss-120b:free\"")
	}
	if !modelAllowed(c.model, cfg.Upstream.AllowedModels) {
		return nil, newError(http.StatusBadRequest, classapi.TypeModelNotAllowed, fmt.Sprintf(
			"The model %q is not available in this class. Use one of: %s.", c.model, strings.Join(cfg.Upstream.AllowedModels, ", ")))
	}
	msgs, err := marshalJSON(fields["messages"])
	if err != nil {
		return nil, newError(http.StatusBadRequest, classapi.TypeInvalidRequest, "The messages could not be re-encoded: "+err.Error())
	}
	c.messages = msgs
	c.capTokens(cfg.Student.MaxTokens)
	return c, nil
}

// modelAllowed reports whether model matches one of the patterns (all
// models when there are none).
func modelAllowed(model string, patterns []string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if wildcard(p, model) {
			return true
		}
	}
	return false
}

// wildcard reports whether s matches pattern, where each * stands for any
// text, "/" included.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// capTokens lowers max_tokens and max_completion_tokens to limit, and sets
// max_tokens to limit when neither is given. limit 0 changes nothing. The
// values were checked: whole numbers, 0 or more.
func (c *chatRequest) capTokens(limit int) {
	if limit <= 0 {
		return
	}
	found := false
	for _, name := range []string{"max_tokens", "max_completion_tokens"} {
		n, ok := c.fields[name].(int64)
		if !ok {
			continue
		}
		found = true
		if n > int64(limit) {
			c.fields[name] = int64(limit)
			c.capped = true
		}
	}
	if !found {
		c.fields["max_tokens"] = int64(limit)
		c.capped = true
	}
}

// instruct puts the class instructions first, as a system message ("" adds
// nothing).
func (c *chatRequest) instruct(instructions string) {
	if strings.TrimSpace(instructions) == "" {
		return
	}
	msgs, _ := c.fields["messages"].([]any)
	c.fields["messages"] = append([]any{map[string]any{"role": "system", "content": instructions}}, msgs...)
}

// encode returns the request body to send upstream: the checked fields,
// keys sorted.
func (c *chatRequest) encode() ([]byte, error) { return marshalJSON(c.fields) }

// marshalJSON encodes v without HTML escaping and without a trailing
// newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// promptEstimate guesses the prompt's tokens: four bytes of the messages
// per token.
func (c *chatRequest) promptEstimate() int64 { return int64(len(c.messages)+3) / 4 }

// upstreamCall sends one request to the upstream and returns its response.
func (r *Relay) upstreamCall(ctx context.Context, method, endpoint string, body []byte, in http.Header, studentToken string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+endpoint, rd)
	if err != nil {
		return nil, err
	}
	req.Header = upstreamHeader(in, studentToken, r.key, r.cfg.Upstream.Headers)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return r.client.Do(req)
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), or 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// unreachable is the error for an upstream that could not be reached.
func (r *Relay) unreachable(err error) *apiError {
	return newError(http.StatusBadGateway, classapi.TypeUpstream, fmt.Sprintf(
		"The class relay could not reach the AI provider (%s): %s. Try again in a minute; if it keeps happening, tell your teacher.",
		r.upstreamName(), cleanErr(err)))
}

// keyRefused is the error for an upstream 401 to the teacher's key: it is
// not the student's fault, so it is a 502 that says to tell the teacher.
func (r *Relay) keyRefused(status int) *apiError {
	return newError(http.StatusBadGateway, classapi.TypeUpstreamKey, fmt.Sprintf(
		"The AI provider (%s) refused the class's key (%d). It is not your code: tell your teacher, who should check the relay's key file.",
		r.upstreamName(), status))
}

// cleanErr shortens a transport error for a message.
func cleanErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && (strings.HasPrefix(s, "Post ") || strings.HasPrefix(s, "Get ")) {
		s = s[i+2:]
	}
	return s
}
