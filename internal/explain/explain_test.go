package explain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/sashabaranov/go-openai"
)

// testKey is a fake API key that no message may show.
const testKey = "fake-or-v1-0123456789abcdef0123456789abcdef"

// newExplainer returns an Explainer for a connection to OpenRouter with
// testKey.
func newExplainer() *Explainer {
	secrets := &connect.Secrets{}
	secrets.Remember(testKey)
	conn := connect.Connection{BaseURL: "https://openrouter.ai/api/v1", HasKey: true}
	return &Explainer{Conn: func() connect.Connection { return conn }, Secrets: secrets}
}

func TestExplain(t *testing.T) {
	e := newExplainer()
	cases := []struct {
		err  error
		want []string
	}{
		{nil, nil},
		{context.Canceled, []string{"Stopped."}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: context.Canceled}, []string{"Stopped."}},
		{context.DeadlineExceeded, []string{"https://openrouter.ai/api/v1", "in time"}},
		{fmt.Errorf("%w: unexpected EOF", sse.ErrEndedEarly), []string{"connection ended early", "kept"}},
		{&openai.APIError{HTTPStatusCode: 401, Message: "Invalid key " + testKey}, []string{"API key was refused", "[hidden]"}},
		{&openai.APIError{HTTPStatusCode: 418, Message: "I'm a teapot"}, []string{"418", "teapot", "https://openrouter.ai/api/v1"}},
		{&openai.RequestError{HTTPStatusCode: 502, Body: []byte("<html><head><title>Bad Gateway</title></head></html>")}, []string{"web page", "Bad Gateway"}},
		{&openai.RequestError{HTTPStatusCode: 500, Body: []byte("upstream crashed")}, []string{"problem on its side", "upstream crashed"}},
		{openai.ErrTooManyEmptyStreamMessages, []string{"keep-alive"}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: syscall.ECONNRESET}, []string{"reset"}},
		{&url.Error{Op: "Post", URL: "https://openrouter.ai/api/v1/chat/completions", Err: io.ErrUnexpectedEOF}, []string{"ended before"}},
		{errors.New("error, status code: 0, something odd with " + testKey), []string{"Something went wrong", "something odd", "[hidden]"}},
	}
	for _, c := range cases {
		msg := e.Explain(c.err)
		if c.err == nil && msg != "" {
			t.Errorf("Explain(nil) = %q", msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Explain(%v) = %q, want %q", c.err, msg, w)
			}
		}
		for _, w := range []string{testKey, testKey[10:], "goroutine ", ".go:", "panic:"} {
			if strings.Contains(msg, w) {
				t.Errorf("Explain(%v) = %q shows %q", c.err, msg, w)
			}
		}
		if strings.Contains(msg, "error, ") {
			t.Errorf("Explain(%v) = %q keeps go-openai's prefix", c.err, msg)
		}
	}
}

func TestInDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Millisecond:       "in 1 s",
		16100 * time.Millisecond:     "in 17 s",
		90 * time.Second:             "in 2 min",
		5*time.Hour + 10*time.Minute: "in 5 h 10 min",
		3 * time.Hour:                "in 3 h",
	} {
		if got := inDuration(d); got != want {
			t.Errorf("inDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseReset(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Time{
		"1740830400000": time.UnixMilli(1740830400000),
		"1740830400":    time.Unix(1740830400, 0),
		"30":            base.Add(30 * time.Second),
		"6m0s":          base.Add(6 * time.Minute),
		"soon":          {},
	} {
		if got := parseReset(v, base); !got.Equal(want) {
			t.Errorf("parseReset(%q) = %v, want %v", v, got, want)
		}
	}
}

// What the transport recorded of an error response (its Retry-After header)
// and of an error event (the upstream provider's own reason) shows in the
// message for the matching go-openai error.
func TestExplainUsesRecords(t *testing.T) {
	e := newExplainer()
	h := http.Header{}
	h.Set("Retry-After", "42")
	e.Record(connect.ErrorResponse{Status: 429, Header: h, ContentType: "application/json",
		Body: []byte(`{"error":{"message":"Rate limit exceeded: free-models-per-min","code":429}}`)})
	msg := e.Explain(&openai.APIError{HTTPStatusCode: 429, Message: "Rate limit exceeded: free-models-per-min"})
	if !strings.Contains(msg, "wait 42 s") {
		t.Errorf("rate limit: %q", msg)
	}
	e.RecordEvent([]byte(`{"error":{"message":"Provider returned error","code":502,"metadata":{"raw":"upstream overloaded","provider_name":"Chutes"}}}`))
	msg = e.Explain(&openai.APIError{Message: "Provider returned error"})
	if !strings.Contains(msg, "while answering") || !strings.Contains(msg, "upstream overloaded") {
		t.Errorf("mid-stream error: %q", msg)
	}
}

// classExplainer returns an Explainer for a class relay.
func classExplainer() *Explainer {
	conn := connect.Connection{BaseURL: "http://hub.school/services/class-relay/v1", HasKey: true, Relay: true}
	return &Explainer{Conn: func() connect.Connection { return conn }, Secrets: &connect.Secrets{}}
}

// OpenRouter's daily limit for free models, as the class relay passes it on.
const dailyLimitBody = `{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1741305600000"},"provider_name":null}},"user_id":"user_2abc"}`

// In a class the upstream's daily limit is the teacher's account's: the
// student is told to wait for the reset or tell the teacher, not to add
// credits, whether the 429 came as a response or (after waiting in the
// relay's queue) as an event in the stream. Outside a class the advice
// stays.
func TestDailyLimitInClassWords(t *testing.T) {
	const msg = "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day"
	class := classExplainer()
	class.Record(connect.ErrorResponse{Status: 429, ContentType: "application/json", Body: []byte(dailyLimitBody)})
	asResponse := class.Explain(&openai.APIError{HTTPStatusCode: 429, Message: msg})
	class.RecordEvent([]byte("data: " + dailyLimitBody))
	asEvent := class.Explain(&openai.APIError{Message: msg})
	for name, got := range map[string]string{"response": asResponse, "event": asEvent} {
		for _, want := range []string{"Your class has used up today's free requests", "tell your teacher", "resets at 00:00 UTC", "not your code"} {
			if !strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
				t.Errorf("%s: %q does not say %q", name, got, want)
			}
		}
		if strings.Contains(got, "your OpenRouter account") || strings.Contains(got, "offline sample") {
			t.Errorf("%s: %q tells a student to use their own account", name, got)
		}
	}
	own := newExplainer()
	own.Record(connect.ErrorResponse{Status: 429, ContentType: "application/json", Body: []byte(dailyLimitBody)})
	if got := own.Explain(&openai.APIError{HTTPStatusCode: 429, Message: msg}); !strings.Contains(got, "add credits to your OpenRouter account") {
		t.Errorf("own key: %q", got)
	}
}

// In a class, no credits (402) is the class's account's problem too.
func TestNoCreditsInClassWords(t *testing.T) {
	got := classExplainer().Explain(&openai.APIError{HTTPStatusCode: 402, Message: "This request requires more credits, or fewer max_tokens."})
	if !strings.Contains(got, "class's AI account") || !strings.Contains(got, "tell your teacher") || strings.Contains(got, "openrouter.ai/settings") {
		t.Errorf("402 in a class: %q", got)
	}
}

// The class relay's refusal of a field says that the request was not sent
// and to change it as the relay's message says.
func TestFieldNotAllowedInClassWords(t *testing.T) {
	e := classExplainer()
	body := `{"error":{"message":"The class relay does not send the field \"models\": it would let a request use other models than the class's. Remove it from your request.","type":"field_not_allowed","code":400}}`
	e.Record(connect.ErrorResponse{Status: 400, ContentType: "application/json", Body: []byte(body)})
	got := e.Explain(&openai.APIError{HTTPStatusCode: 400, Message: `The class relay does not send the field "models": it would let a request use other models than the class's. Remove it from your request.`})
	if !strings.Contains(got, "did not send this request") || !strings.Contains(got, `"models"`) || !strings.Contains(got, "Remove it") {
		t.Errorf("field_not_allowed: %q", got)
	}
}

// The teacher's pause says so in plain words, at once (a 403 response) and
// when "stop now" ends a stream (an error event); a blocked message gets a
// kind word and no blame.
func TestTeacherPauseAndBlockInPlainWords(t *testing.T) {
	paused := `{"error":{"message":"Your teacher has paused the AI for now, so this request was not sent.","type":"paused_by_teacher","code":403}}`
	stopped := `{"error":{"message":"Your teacher stopped the AI, so this answer was stopped here.","type":"paused_by_teacher","code":403}}`
	blocked := `{"error":{"message":"The class relay did not send this message to the AI.","type":"blocked_by_class","code":403}}`
	e := classExplainer()
	e.Record(connect.ErrorResponse{Status: 403, ContentType: "application/json", Body: []byte(paused)})
	got := e.Explain(&openai.APIError{HTTPStatusCode: 403, Message: "Your teacher has paused the AI for now, so this request was not sent."})
	if !strings.Contains(got, "Your teacher has paused the AI") || !strings.Contains(got, "not your code") || strings.Contains(got, "moderation") {
		t.Errorf("paused: %q", got)
	}
	e.RecordEvent([]byte("data: " + stopped))
	got = e.Explain(&openai.APIError{Message: "Your teacher stopped the AI, so this answer was stopped here."})
	if !strings.Contains(got, "Your teacher stopped the AI") || !strings.Contains(got, "text received so far is kept") {
		t.Errorf("stopped: %q", got)
	}
	e.Record(connect.ErrorResponse{Status: 403, ContentType: "application/json", Body: []byte(blocked)})
	got = e.Explain(&openai.APIError{HTTPStatusCode: 403, Message: "The class relay did not send this message to the AI."})
	if !strings.Contains(got, "not sent to the AI") || !strings.Contains(got, "adult you trust") || strings.Contains(got, "403") {
		t.Errorf("blocked: %q", got)
	}
}
