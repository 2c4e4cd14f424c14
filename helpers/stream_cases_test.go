package helpers

// One test per numbered case of the streaming issue: a local server sends the
// exact bytes a real provider sends, through a go-openai v1.43.0 client
// configured by Connect. Each test drives both the lesson's plain Recv loop
// and ShowStream (through a fake display sink).

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/sashabaranov/go-openai"
)

// Chunks as OpenRouter sends them for openai/gpt-oss-120b:free.
const (
	orComment    = ": OPENROUTER PROCESSING\n\n"
	orReasoning  = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user asks about feeding.","reasoning_details":[{"type":"reasoning.text","text":"The user asks about feeding.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orReasoning2 = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" Adult dogs: twice.","reasoning_details":[{"type":"reasoning.text","text":" Adult dogs: twice.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orContent1   = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"Feed your **Bankhar** "},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orContent2   = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"twice a day."},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orFinish     = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}` + "\n\n"
	orUsage      = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[],"usage":{"prompt_tokens":92,"completion_tokens":57,"total_tokens":149,"cost":0,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":12,"image_tokens":0}}}` + "\n\n"
	orDone       = "data: [DONE]\n\n"

	answer = "Feed your **Bankhar** twice a day."
)

// checkMirror runs the plain loop and checks its text and error.
func checkMirror(t *testing.T, client *openai.Client, wantText string, wantErr bool) error {
	t.Helper()
	text, err := mirrorLoop(t, client)
	if text != wantText {
		t.Errorf("plain loop printed %q, want %q", text, wantText)
	}
	if (err != nil) != wantErr {
		t.Errorf("plain loop error = %v, want error: %v", err, wantErr)
	}
	noKey(t, text, explainer.Explain(err))
	return err
}

// checkShown runs ShowStream and checks the answer it kept.
func checkShown(t *testing.T, client *openai.Client, wantText string) shown {
	t.Helper()
	sh := showStream(t, context.Background(), client)
	if sh.err != nil {
		t.Fatalf("stream request failed: %v", sh.err)
	}
	if sh.res.Text != wantText {
		t.Errorf("ShowStream kept %q, want %q", sh.res.Text, wantText)
	}
	if got := sh.sink.AnswerMarkdown(); got != wantText {
		t.Errorf("ShowStream displayed %q, want %q", got, wantText)
	}
	noKey(t, sh.sink.All())
	noStackTrace(t, sh.sink.All())
	return sh
}

// Case 1: keep-alive comments and blank lines, several hundred in a row.
func TestCase01KeepAliveComments(t *testing.T) {
	parts := []string{
		strings.Repeat(orComment, 700), // 1400 non-data lines in a row
		orContent1,
		orComment + "\n\n\n",
		orContent2, orFinish, orComment, orUsage, orDone,
	}
	srv := serve(t, wire{parts: parts})

	// go-openai alone gives up after 300 such lines.
	plain := openai.DefaultConfig(testKey)
	plain.BaseURL = srv.URL + "/api/v1"
	stream, err := openai.NewClientWithConfig(plain).CreateChatCompletionStream(context.Background(), lessonRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); !errors.Is(err, openai.ErrTooManyEmptyStreamMessages) {
		t.Errorf("without Connect: Recv error = %v, want ErrTooManyEmptyStreamMessages (the case this guards)", err)
	}
	stream.Close()

	client := connectTo(t, srv.URL+"/api/v1")
	checkMirror(t, client, answer, false)
	sh := checkShown(t, client, answer)
	if sh.res.Err != nil || sh.res.FinishReason != "stop" {
		t.Errorf("result = %+v", sh.res)
	}
}

// Case 2: reasoning deltas with empty content are shown as thinking.
func TestCase02ReasoningDeltas(t *testing.T) {
	parts := []string{orComment, orReasoning, orReasoning2, orContent1, orContent2, orFinish, orUsage, orDone}
	srv := serve(t, wire{parts: parts, gap: 5 * time.Millisecond})
	client := connectTo(t, srv.URL+"/api/v1")
	checkMirror(t, client, answer, false)
	sh := checkShown(t, client, answer)

	// Reasoning and reasoning_details carry the same text: read once.
	if want := "The user asks about feeding. Adult dogs: twice."; sh.res.Reasoning != want {
		t.Errorf("reasoning = %q, want %q", sh.res.Reasoning, want)
	}
	first := sh.sink.Updates()[0]
	if !strings.Contains(first.Content, "Thinking…") {
		t.Errorf("first update = %q, want the thinking state at once", first.Content)
	}
	sawPreview := false
	for _, u := range sh.sink.Updates() {
		if u.ID == first.ID && strings.Contains(u.Content, "The user asks about feeding.") && strings.Contains(u.Content, "Thinking…") {
			sawPreview = true
		}
	}
	if !sawPreview {
		t.Errorf("the reasoning never showed while thinking: %q", sh.sink.All())
	}
	_, last := sh.sink.Outputs()
	status := last[first.ID].Content
	if !strings.Contains(status, "<details>") || !strings.Contains(status, "Thought for") ||
		strings.Count(status, "Adult dogs: twice.") != 1 {
		t.Errorf("final status = %q, want a collapsed section with the reasoning once", status)
	}
	if sh.res.Thinking <= 0 || sh.res.FirstToken <= 0 || sh.res.FirstToken > sh.res.Thinking {
		t.Errorf("FirstToken %v, Thinking %v", sh.res.FirstToken, sh.res.Thinking)
	}
}

// Case 3: the usage chunk has an empty choices array.
func TestCase03UsageWithEmptyChoices(t *testing.T) {
	srv := serve(t, wire{parts: []string{orContent1, orContent2, orFinish, orUsage, orDone}})
	client := connectTo(t, srv.URL+"/api/v1")

	// The raw chunk really has no choices: a naive Choices[0] would panic.
	stream, err := client.CreateChatCompletionStream(context.Background(), lessonRequest())
	if err != nil {
		t.Fatal(err)
	}
	var usageChunk *openai.ChatCompletionStreamResponse
	for {
		c, err := stream.Recv()
		if err != nil {
			break
		}
		if c.Usage != nil {
			usageChunk = &c
		}
	}
	stream.Close()
	if usageChunk == nil || len(usageChunk.Choices) != 0 || usageChunk.Usage.CompletionTokens != 57 {
		t.Fatalf("usage chunk = %+v", usageChunk)
	}

	checkMirror(t, client, answer, false)
	sh := checkShown(t, client, answer)
	if sh.res.Usage == nil || sh.res.Usage.PromptTokens != 92 {
		t.Fatalf("usage = %+v", sh.res.Usage)
	}
	if !strings.Contains(sh.sink.Screen(), "92 prompt + 57 answer tokens (12 reasoning)") {
		t.Errorf("stats line missing the usage: %q", sh.sink.Screen())
	}
}

// Case 4: OpenRouter's mid-stream error: HTTP 200, a chunk with a top-level
// "error" (not the first key) and finish_reason "error".
func TestCase04OpenRouterMidStreamError(t *testing.T) {
	midErr := `data: {"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-oss-120b:free","provider":"Chutes","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}` + "\n\n"
	parts := []string{orComment, orContent1, midErr}
	srv := serve(t, wire{parts: parts})

	// go-openai alone reads it as an ordinary chunk and ends normally.
	plain := openai.DefaultConfig(testKey)
	plain.BaseURL = srv.URL + "/api/v1"
	if text, err := mirrorLoop(t, openai.NewClientWithConfig(plain)); err != nil || text != "Feed your **Bankhar** " {
		t.Errorf("without Connect: %q, %v (expected the error to be lost)", text, err)
	}

	client := connectTo(t, srv.URL+"/api/v1")
	err := checkMirror(t, client, "Feed your **Bankhar** ", true)
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.Message != "Provider disconnected unexpectedly" {
		t.Errorf("error = %#v, want an APIError with the provider's message", err)
	}
	if msg := explainer.Explain(err); !strings.Contains(msg, "Provider disconnected unexpectedly") || !strings.Contains(msg, "kept") {
		t.Errorf("Explain = %q", msg)
	}

	sh := checkShown(t, client, "Feed your **Bankhar** ")
	if sh.res.Err == nil || !strings.Contains(sh.sink.Screen(), "Provider disconnected unexpectedly") {
		t.Errorf("error not shown: %q", sh.sink.Screen())
	}
}

// Case 4, variant: the error chunk also carries the last piece of text, and
// OpenRouter's upstream reason in metadata.raw.
func TestCase04ErrorChunkWithTextAndRaw(t *testing.T) {
	midErr := `data: {"id":"gen-1","object":"chat.completion.chunk","created":1740000000,"model":"openai/gpt-oss-120b:free","provider":"Chutes","choices":[{"index":0,"delta":{"role":"assistant","content":"twice"},"finish_reason":"error","native_finish_reason":"error"}],"error":{"code":429,"message":"Provider returned error","metadata":{"raw":"upstream rate limit: too many requests","provider_name":"Chutes"}}}` + "\n\n"
	srv := serve(t, wire{parts: []string{orContent1, midErr}})
	client := connectTo(t, srv.URL+"/api/v1")
	err := checkMirror(t, client, "Feed your **Bankhar** twice", true)
	msg := explainer.Explain(err)
	for _, want := range []string{"Provider returned error", "upstream rate limit: too many requests", "wait"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Explain = %q, want %q", msg, want)
		}
	}
	checkShown(t, client, "Feed your **Bankhar** twice")
}

// Case 5: OpenAI-style "data: {"error": ...}" mid-stream, after comments.
func TestCase05ErrorAfterComments(t *testing.T) {
	errLine := `data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "param": null, "code": null}}` + "\n\n"
	parts := []string{orComment, orContent1, orComment, orComment, errLine}
	srv := serve(t, wire{parts: parts})

	// go-openai alone loses the message.
	plain := openai.DefaultConfig(testKey)
	plain.BaseURL = srv.URL + "/api/v1"
	if _, err := mirrorLoop(t, openai.NewClientWithConfig(plain)); err == nil || !strings.Contains(err.Error(), "unexpected end of JSON input") {
		t.Errorf("without Connect: error = %v (expected go-openai's unexpected end of JSON input)", err)
	}

	client := connectTo(t, srv.URL+"/api/v1")
	err := checkMirror(t, client, "Feed your **Bankhar** ", true)
	if msg := explainer.Explain(err); !strings.Contains(msg, "The server had an error while processing your request") {
		t.Errorf("Explain = %q, want the server's message", msg)
	}
	sh := checkShown(t, client, "Feed your **Bankhar** ")
	if !strings.Contains(sh.sink.Screen(), "The server had an error while processing your request") {
		t.Errorf("screen = %q", sh.sink.Screen())
	}

	// A string error and an SSE "error" event read the same way.
	for _, line := range []string{
		`data: {"error": "model overloaded"}` + "\n\n",
		"event: error\ndata: {\"message\": \"model overloaded\"}\n\n",
		`{"error": {"message": "model overloaded"}}` + "\n",
	} {
		srv := serve(t, wire{parts: []string{orComment, orContent1, line}})
		client := connectTo(t, srv.URL+"/api/v1")
		err := checkMirror(t, client, "Feed your **Bankhar** ", true)
		if msg := explainer.Explain(err); !strings.Contains(msg, "model overloaded") {
			t.Errorf("%q: Explain = %q", line, msg)
		}
	}
}

// Case 6: the stream ends without [DONE], or the connection is cut.
func TestCase06EndedEarly(t *testing.T) {
	for _, w := range []wire{
		{parts: []string{orComment, orContent1}},            // the server ends the response cleanly
		{parts: []string{orComment, orContent1}, cut: true}, // the connection drops mid-body
	} {
		srv := serve(t, w)
		client := connectTo(t, srv.URL+"/api/v1")
		err := checkMirror(t, client, "Feed your **Bankhar** ", true)
		if !errors.Is(err, sse.ErrEndedEarly) {
			t.Errorf("cut=%v: error = %v, want sse.ErrEndedEarly", w.cut, err)
		}
		if msg := explainer.Explain(err); !strings.Contains(msg, "connection ended early") {
			t.Errorf("Explain = %q", msg)
		}
		sh := checkShown(t, client, "Feed your **Bankhar** ")
		if !strings.Contains(sh.sink.Screen(), "connection ended early") {
			t.Errorf("screen = %q", sh.sink.Screen())
		}
	}

	// After the finish chunk the answer is complete: a missing usage chunk
	// and [DONE] are not an error.
	srv := serve(t, wire{parts: []string{orContent1, orContent2, orFinish}, cut: true})
	client := connectTo(t, srv.URL+"/api/v1")
	checkMirror(t, client, answer, false)
	sh := checkShown(t, client, answer)
	if sh.res.Err != nil || strings.Contains(sh.sink.Screen(), "⚠️") {
		t.Errorf("complete answer reported as failed: %v %q", sh.res.Err, sh.sink.Screen())
	}
}

// Case 7: finish_reason "length" and "content_filter" in plain words.
func TestCase07FinishReasons(t *testing.T) {
	for reason, want := range map[string]string{
		"length":         "cut off",
		"content_filter": "content filter",
	} {
		finish := `data: {"id":"gen-1","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"` + reason + `","native_finish_reason":"` + reason + `","logprobs":null}]}` + "\n\n"
		srv := serve(t, wire{parts: []string{orContent1, finish, orUsage, orDone}})
		client := connectTo(t, srv.URL+"/api/v1")
		checkMirror(t, client, "Feed your **Bankhar** ", false)
		sh := checkShown(t, client, "Feed your **Bankhar** ")
		if sh.res.FinishReason != reason || !strings.Contains(sh.sink.Screen(), want) {
			t.Errorf("%s: finish %q, screen %q", reason, sh.res.FinishReason, sh.sink.Screen())
		}
	}
}

// Case 8: HTTP errors, each with one friendly message.
func TestCase08HTTPErrors(t *testing.T) {
	for _, c := range httpErrorCases() {
		t.Run(c.name, func(t *testing.T) { checkHTTPError(t, c) })
	}
}

// httpErrorCase is an error response and what its message must say.
type httpErrorCase struct {
	name   string
	w      wire
	model  string
	noKey  bool
	want   []string
	reject []string
}

// httpErrorCases are the error responses OpenRouter sends, byte for byte.
func httpErrorCases() []httpErrorCase {
	resetAt := time.Now().Add(42 * time.Second)
	tomorrow := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	return []httpErrorCase{
		{name: "401 bad key", w: wire{status: 401, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"User not found.","code":401}}`}},
			want: []string{"API key was refused", "User not found", "OPENROUTER_API_KEY", "restart the kernel"}},
		{name: "401 missing key", noKey: true, w: wire{status: 401, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"No auth credentials found","code":401}}`}},
			want: []string{"none was sent", "No auth credentials found", "OPENROUTER_API_KEY"}},
		{name: "402 no credits", w: wire{status: 402, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 1000. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account","code":402,"metadata":{"provider_name":null}},"user_id":"user_2abc"}`}},
			want: []string{"no credits", ":free", "openrouter.ai/settings/credits"}},
		{name: "429 per minute, Retry-After", w: wire{status: 429, header: map[string]string{"Content-Type": "application/json", "Retry-After": "17"},
			parts: []string{`{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"20","X-RateLimit-Remaining":"0"},"provider_name":null}},"user_id":"user_2abc"}`}},
			want: []string{"Too many requests", "wait 17 s"}},
		{name: "429 per minute, X-RateLimit-Reset", w: wire{status: 429, header: map[string]string{"Content-Type": "application/json",
			"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": itoa(resetAt.UnixMilli())},
			parts: []string{`{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429}}`}},
			want: []string{"Too many requests", "wait 42 s"}},
		{name: "429 per day", w: wire{status: 429, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"` + itoa(tomorrow.UnixMilli()) + `"},"provider_name":null}},"user_id":"user_2abc"}`}},
			want: []string{"today's free requests", "resets at 00:00 UTC"}},
		{name: "429 upstream", w: wire{status: 429, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"openai/gpt-oss-120b:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"Chutes"}},"user_id":"user_2abc"}`}},
			want: []string{"Chutes", "temporarily rate-limited upstream", "not your own limit"}},
		{name: "400 unknown model", model: "openai/gpt-oss-12b:free", w: wire{status: 400, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"openai/gpt-oss-12b:free is not a valid model ID","code":400},"user_id":"user_2abc"}`}},
			want: []string{`"openai/gpt-oss-12b:free"`, "Change MODEL", "openrouter.ai/models"}},
		{name: "404 no endpoints", model: "openai/gpt-oss-12b:free", w: wire{status: 404, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"No endpoints found for openai/gpt-oss-12b:free.","code":404},"user_id":"user_2abc"}`}},
			want: []string{"Change MODEL"}},
		{name: "500", w: wire{status: 500, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"Internal Server Error","code":500}}`}},
			want: []string{"problem on its side", "not your code", "500"}},
		{name: "503", w: wire{status: 503, header: map[string]string{"Content-Type": "application/json"},
			parts: []string{`{"error":{"message":"No instances available","code":503}}`}},
			want: []string{"No provider can serve", "No instances available"}},
		{name: "502 HTML page", w: wire{status: 502, header: map[string]string{"Content-Type": "text/html"},
			parts: []string{"<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway | openrouter.ai | Cloudflare</title></head>\n<body><h1>Bad gateway</h1><p>Error code 502</p></body>\n</html>\n"}},
			want: []string{"web page", "502 Bad Gateway", "/v1"}, reject: []string{"<html", "<body"}},
	}
}

// checkHTTPError sends the lesson's request, streamed and not, to a server
// answering c, and checks both messages.
func checkHTTPError(t *testing.T, c httpErrorCase) {
	srv := serve(t, c.w)
	client := connectTo(t, srv.URL+"/api/v1")
	if c.noKey {
		t.Setenv(connect.KeyEnv, "")
		os.Unsetenv(connect.KeyEnv)
		client = openai.NewClientWithConfig(Connect(openai.DefaultConfig("")))
	}
	req := lessonRequest()
	if c.model != "" {
		req.Model = c.model
	}
	_, err := client.CreateChatCompletionStream(context.Background(), req)
	if err == nil {
		t.Fatal("no error")
	}
	req.Stream = false
	_, err2 := client.CreateChatCompletion(context.Background(), req)
	for i, e := range []error{err, err2} {
		msg := explainer.Explain(e)
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("request %d: Explain = %q, want %q", i, msg, w)
			}
		}
		for _, w := range c.reject {
			if strings.Contains(msg, w) {
				t.Errorf("request %d: Explain = %q, must not contain %q", i, msg, w)
			}
		}
		noKey(t, msg)
		noStackTrace(t, msg)
	}
}

func itoa(n int64) string { return strconvFormat(n) }

// Case 9: network down, DNS failure, connection refused, timeouts.
func TestCase09NetworkErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + l.Addr().String() + "/v1"
		l.Close()
		client := connectTo(t, base)
		_, err = client.CreateChatCompletionStream(context.Background(), lessonRequest())
		msg := explainer.Explain(err)
		if !strings.Contains(msg, "connection refused") || !strings.Contains(msg, base) {
			t.Errorf("Explain = %q", msg)
		}
		noKey(t, msg)
	})
	t.Run("DNS failure", func(t *testing.T) {
		base := "http://nonexistent.invalid/v1"
		client := connectTo(t, base)
		_, err := client.CreateChatCompletionStream(context.Background(), lessonRequest())
		msg := explainer.Explain(err)
		if !strings.Contains(msg, "nonexistent.invalid") || !strings.Contains(msg, base) {
			t.Errorf("Explain = %q", msg)
		}
		noKey(t, msg)
	})
	t.Run("timeout before the answer", func(t *testing.T) {
		srv := serve(t, wire{hang: true, parts: nil})
		base := srv.URL + "/api/v1"
		client := connectTo(t, base)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		// The handler writes headers at once, then hangs: the stream opens
		// and the first Recv times out.
		stream, err := client.CreateChatCompletionStream(ctx, lessonRequest())
		if err == nil {
			_, err = stream.Recv()
			stream.Close()
		}
		msg := explainer.Explain(err)
		if !strings.Contains(msg, "in time") || !strings.Contains(msg, base) {
			t.Errorf("explainer.Explain(%v) = %q", err, msg)
		}
	})
	t.Run("timeout mid-stream keeps the text", func(t *testing.T) {
		srv := serve(t, wire{hang: true, parts: []string{orContent1}})
		client := connectTo(t, srv.URL+"/api/v1")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		sh := showStream(t, ctx, client)
		if sh.err != nil {
			t.Fatal(sh.err)
		}
		if sh.res.Text != "Feed your **Bankhar** " || !errors.Is(sh.res.Err, context.DeadlineExceeded) {
			t.Errorf("result = %+v", sh.res)
		}
		if !strings.Contains(sh.sink.Screen(), "in time") {
			t.Errorf("screen = %q", sh.sink.Screen())
		}
	})
	t.Run("network unreachable and dial timeout", func(t *testing.T) {
		resetConfig(t)
		t.Setenv(connect.BaseURLEnv, "http://192.0.2.1/v1")
		Connect(openai.DefaultConfig(""))
		unreach := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
		if msg := explainer.Explain(unreach); !strings.Contains(msg, "network is unreachable") || !strings.Contains(msg, "http://192.0.2.1/v1") {
			t.Errorf("Explain = %q", msg)
		}
		timeout := &net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}
		if msg := explainer.Explain(timeout); !strings.Contains(msg, "timed out") {
			t.Errorf("Explain = %q", msg)
		}
	})
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// Case 10: llama.cpp's "content": null and usage on the finish chunk;
// Ollama's role on every delta.
func TestCase10LlamaCppAndOllama(t *testing.T) {
	llama := []string{
		`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1740000000,"id":"chatcmpl-Xy12","model":"gpt-3.5-turbo","system_fingerprint":"b5000-0123abcd","object":"chat.completion.chunk"}` + "\n\n",
		`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"reasoning_content":"Bankhar puppies eat more often."}}],"created":1740000000,"id":"chatcmpl-Xy12","model":"gpt-3.5-turbo","system_fingerprint":"b5000-0123abcd","object":"chat.completion.chunk"}` + "\n\n",
		`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Feed your **Bankhar** "}}],"created":1740000000,"id":"chatcmpl-Xy12","model":"gpt-3.5-turbo","system_fingerprint":"b5000-0123abcd","object":"chat.completion.chunk"}` + "\n\n",
		`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"twice a day."}}],"created":1740000000,"id":"chatcmpl-Xy12","model":"gpt-3.5-turbo","system_fingerprint":"b5000-0123abcd","object":"chat.completion.chunk"}` + "\n\n",
		`data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1740000000,"id":"chatcmpl-Xy12","model":"gpt-3.5-turbo","system_fingerprint":"b5000-0123abcd","object":"chat.completion.chunk","usage":{"completion_tokens":9,"prompt_tokens":31,"total_tokens":40},"timings":{"prompt_n":31,"prompt_ms":20.1,"predicted_n":9,"predicted_ms":95.3}}` + "\n\n",
		"data: [DONE]\n\n",
	}
	ollama := []string{
		`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Bankhar puppies eat more often."},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Feed your **Bankhar** "},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"twice a day."},"finish_reason":null}]}` + "\n\n",
		`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}` + "\n\n",
		`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":31,"completion_tokens":9,"total_tokens":40}}` + "\n\n",
		"data: [DONE]\n\n",
	}
	for name, parts := range map[string][]string{"llama.cpp": llama, "ollama": ollama} {
		srv := serve(t, wire{parts: parts})
		client := connectTo(t, srv.URL+"/v1")
		checkMirror(t, client, answer, false)
		sh := checkShown(t, client, answer)
		if sh.res.Reasoning != "Bankhar puppies eat more often." {
			t.Errorf("%s: reasoning = %q", name, sh.res.Reasoning)
		}
		if sh.res.Usage == nil || sh.res.Usage.CompletionTokens != 9 || !strings.Contains(sh.sink.Screen(), "31 prompt + 9 answer tokens") {
			t.Errorf("%s: usage %+v, screen %q", name, sh.res.Usage, sh.sink.Screen())
		}
	}
}

// Case 11: CRLF line endings and "data:" without a space.
func TestCase11CRLFAndNoSpace(t *testing.T) {
	crlf := func(s string) string {
		s = strings.ReplaceAll(s, "data: ", "data:")
		return strings.ReplaceAll(s, "\n", "\r\n")
	}
	parts := []string{crlf(orComment), crlf(orReasoning), crlf(orContent1), crlf(orContent2), crlf(orFinish), crlf(orUsage), crlf(orDone)}
	if !strings.Contains(parts[2], "data:{") || !strings.HasSuffix(parts[2], "}\r\n\r\n") {
		t.Fatalf("test bytes are not what the case needs: %q", parts[2])
	}
	srv := serve(t, wire{parts: parts})
	client := connectTo(t, srv.URL+"/api/v1")
	checkMirror(t, client, answer, false)
	sh := checkShown(t, client, answer)
	if sh.res.Reasoning != "The user asks about feeding." {
		t.Errorf("reasoning = %q", sh.res.Reasoning)
	}

	// Lone CR line endings, and a JSON payload split over two data lines.
	cr := "data: {\"choices\":[{\"index\":0,\r" + "data: \"delta\":{\"content\":\"Feed your **Bankhar** twice a day.\"}}]}\r\r" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\rdata: [DONE]\r\r"
	srv = serve(t, wire{parts: []string{cr}})
	client = connectTo(t, srv.URL+"/api/v1")
	checkMirror(t, client, answer, false)
}

// Case 12: a 100,000-token answer: nothing dropped, each update bounded.
func TestCase12LongAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("long answer")
	}
	const tokens = 100_000
	var body strings.Builder
	var want strings.Builder
	body.WriteString(orComment)
	for i := 0; i < tokens; i++ {
		tok := longAnswerToken(i)
		want.WriteString(tok)
		body.WriteString(`data: {"id":"gen-1","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":`)
		body.WriteString(jsonQuote(tok))
		body.WriteString(`},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n")
	}
	body.WriteString(orFinish + orUsage + orDone)
	// Send it in pieces of about 64 KiB, as a fast server would.
	var parts []string
	for s := body.String(); len(s) > 0; {
		n := min(len(s), 64<<10)
		parts = append(parts, s[:n])
		s = s[n:]
	}
	srv := serve(t, wire{parts: parts})
	client := connectTo(t, srv.URL+"/api/v1")

	text, err := mirrorLoop(t, client)
	if err != nil || text != want.String() {
		t.Fatalf("plain loop: %d bytes (want %d), err %v", len(text), want.Len(), err)
	}

	sh := showStream(t, context.Background(), client)
	if sh.err != nil || sh.res.Err != nil {
		t.Fatal(sh.err, sh.res.Err)
	}
	if sh.res.Text != want.String() {
		t.Fatalf("ShowStream kept %d bytes, want %d", len(sh.res.Text), want.Len())
	}
	if got := sh.sink.AnswerMarkdown(); got != want.String() {
		t.Fatalf("displayed %d bytes, want %d; first difference at %d", len(got), want.Len(), firstDiff(got, want.String()))
	}
	largest, total := 0, 0
	for _, u := range sh.sink.Updates() {
		largest = max(largest, len(u.Content))
		total += len(u.Content)
	}
	// An update re-renders at most the live output: streamview.MaxBlockBytes, growing
	// to a sixteenth of the answer for very long ones.
	if limit := 2*max(streamview.MaxBlockBytes, want.Len()/streamview.BlockGrowth) + 1024; largest > limit {
		t.Errorf("largest update %d bytes, want at most %d", largest, limit)
	}
	// JupyterLab hides a cell's outputs after the 50th.
	if ids, _ := sh.sink.Outputs(); len(ids) > 45 {
		t.Errorf("%d outputs: JupyterLab would hide those after the 50th", len(ids))
	}
	// Re-rendering the whole answer on each update would send gigabytes.
	if total > 3*want.Len() {
		t.Errorf("updates sent %d bytes in all for a %d-byte answer", total, want.Len())
	}
	t.Logf("%d tokens, %d bytes: %d updates, largest %d bytes, %d bytes in all, %v",
		tokens, want.Len(), len(sh.sink.Updates()), largest, total, sh.res.Total)
}

// longAnswerToken returns token i of a long Markdown answer: paragraphs,
// lists, code blocks and dollar amounts.
func longAnswerToken(i int) string {
	switch {
	case i%400 == 399:
		return "\n\n```go\nfmt.Println(\"$5\")\n```\n\n"
	case i%60 == 59:
		return "\n\n"
	case i%60 == 30:
		return "\n- item costs $3 "
	case i%17 == 0:
		return " `a$b` "
	default:
		return " word" + strconvFormat(int64(i%97))
	}
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Stopping (the stop button) keeps the partial answer and returns at once.
func TestStopKeepsPartialAnswer(t *testing.T) {
	srv := serve(t, wire{parts: []string{orComment, orReasoning, orContent1}, hang: true})
	client := connectTo(t, srv.URL+"/api/v1")
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := client.CreateChatCompletionStream(ctx, lessonRequest())
	if err != nil {
		t.Fatal(err)
	}
	sink := &streamview.Recorder{}
	done := make(chan StreamResult)
	go func() { done <- streamview.Run(ctx, stream, streamview.NewLive(sink), explainer.Explain) }()
	// Wait until the text is on screen, then press stop.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(sink.All(), "Bankhar"); {
		if time.Now().After(deadline) {
			t.Fatal("the text never showed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopped := time.Now()
	cancel()
	var res StreamResult
	select {
	case res = <-done:
	case <-time.After(time.Second):
		t.Fatal("ShowStream did not return within a second of the stop")
	}
	t.Logf("returned %v after the stop", time.Since(stopped))
	if !res.Stopped || res.Text != "Feed your **Bankhar** " {
		t.Errorf("result = %+v", res)
	}
	screen := sink.Screen()
	if !strings.Contains(screen, "Stopped") || !strings.Contains(screen, "Bankhar") {
		t.Errorf("screen = %q", screen)
	}

	// The plain loop gets context.Canceled, which reads "Stopped.".
	ctx2, cancel2 := context.WithCancel(context.Background())
	stream2, err := client.CreateChatCompletionStream(ctx2, lessonRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream2.Recv(); err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); cancel2() }()
	for {
		_, err = stream2.Recv()
		if err != nil {
			break
		}
	}
	if explainer.Explain(err) != "Stopped." {
		t.Errorf("explainer.Explain(%v) = %q", err, explainer.Explain(err))
	}
	if errors.Is(err, io.EOF) {
		t.Error("a stopped stream must not look like a normal end")
	}
}
