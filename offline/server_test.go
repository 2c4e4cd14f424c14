package offline

import (
	"github.com/k12notebooks/golessons/internal/wire"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

// fast makes a server send without pauses.
var fast = Options{TokensPerSecond: -1, ThinkTime: -1}

// lessonRequest returns the lesson's request, as the notebook sends it.
func lessonRequest(stream bool) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: LessonModel,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You are an expert in dogs, based in Mongolia. Your role is to provide helpful information to students who want to learn more about keeping dogs at home. Answer in a concise but friendly manner."},
			{Role: openai.ChatMessageRoleUser, Content: LessonQuestion},
		},
		Stream: stream,
	}
}

// newClient returns a go-openai client for the server at baseURL.
func newClient(baseURL, key string) *openai.Client {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = baseURL
	return openai.NewClientWithConfig(cfg)
}

// startServer starts a server with opts and closes it when the test ends.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	srv, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// streamAll streams req with client and returns the content, the reasoning
// (from the raw events), the finish reason and the usage.
func streamAll(t testing.TB, client *openai.Client, req openai.ChatCompletionRequest) (content string, finish openai.FinishReason, usage *openai.Usage) {
	t.Helper()
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateChatCompletionStream: %v", err)
	}
	defer stream.Close()
	var b strings.Builder
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if resp.Usage != nil {
			usage = resp.Usage
		}
		if len(resp.Choices) == 0 {
			continue
		}
		b.WriteString(resp.Choices[0].Delta.Content)
		if fr := resp.Choices[0].FinishReason; fr != "" {
			finish = fr
		}
	}
	return b.String(), finish, usage
}

func TestGoOpenAIStream(t *testing.T) {
	const answer = "**Hello** from a test.\n\n- one\n- two, with $5 and <tags> & more 🐕\n"
	srv := startServer(t, Options{Answer: answer, Reasoning: "Thinking about it.", TokensPerSecond: 2000, ThinkTime: 20 * time.Millisecond})
	for _, base := range []string{srv.URL(), strings.TrimSuffix(srv.URL(), "/api/v1") + "/v1", strings.TrimSuffix(srv.URL(), "/api/v1")} {
		content, finish, usage := streamAll(t, newClient(base, ""), lessonRequest(true))
		if content != answer {
			t.Errorf("%s: streamed content = %q, want %q", base, content, answer)
		}
		if finish != openai.FinishReasonStop {
			t.Errorf("%s: finish reason = %q, want stop", base, finish)
		}
		want := len(Tokenize(answer)) + len(Tokenize("Thinking about it."))
		if usage == nil || usage.CompletionTokens != want || usage.TotalTokens != usage.PromptTokens+want || usage.PromptTokens == 0 {
			t.Errorf("%s: usage = %+v, want %d completion tokens", base, usage, want)
		}
	}
}

func TestLessonAnswerByQuestion(t *testing.T) {
	srv := startServer(t, fast)
	client := newClient(srv.URL(), "")
	content, _, _ := streamAll(t, client, lessonRequest(true))
	if content != LessonAnswer {
		t.Errorf("lesson question: got %q, want LessonAnswer", content)
	}
	other := lessonRequest(true)
	other.Messages[1].Content = "What is the capital of France?"
	content, _, _ = streamAll(t, client, other)
	if content != OtherAnswer {
		t.Errorf("other question: got %q, want OtherAnswer", content)
	}
	// Multi-part content, as go-openai sends for MultiContent.
	multi := lessonRequest(true)
	multi.Messages[1] = openai.ChatCompletionMessage{Role: "user", MultiContent: []openai.ChatMessagePart{
		{Type: openai.ChatMessagePartTypeText, Text: "How often should I feed my Bankhar?"},
	}}
	content, _, _ = streamAll(t, client, multi)
	if content != LessonAnswer {
		t.Errorf("multi-part lesson question: got %q, want LessonAnswer", content)
	}
}

func TestAnswersSayOffline(t *testing.T) {
	for name, text := range map[string]string{"LessonAnswer": LessonAnswer, "OtherAnswer": OtherAnswer} {
		first, _, _ := strings.Cut(text, "\n")
		if !strings.Contains(first, "Offline sample") || !strings.Contains(first, "not from a real AI model") {
			t.Errorf("%s's first line %q does not say it is an offline sample", name, first)
		}
		if strings.Contains(text, "$") {
			t.Errorf("%s contains $, which notebooks may render as math", name)
		}
	}
	if !strings.Contains(OtherAnswer, "OPENROUTER_API_KEY") {
		t.Error("OtherAnswer does not say how to go live")
	}
	words := len(strings.Fields(LessonAnswer))
	if words < 150 || words > 260 {
		t.Errorf("LessonAnswer has %d words, want about 150 to 250", words)
	}
}

func TestIsLessonQuestion(t *testing.T) {
	for q, want := range map[string]bool{
		LessonQuestion:                       true,
		"what should a BANKHAR eat?":         true,
		"How many meals for a bankhar puppy": true,
		"What is a Bankhar?":                 false,
		"How often should I feed my cat?":    false,
		"":                                   false,
	} {
		if got := isLessonQuestion(q); got != want {
			t.Errorf("isLessonQuestion(%q) = %v, want %v", q, got, want)
		}
	}
}

// sseEvent is one event of a raw stream.
type sseEvent struct {
	raw  string
	data map[string]any // nil for comments and [DONE]
}

// readEvents reads a raw SSE body, checking that every event is a single
// line followed by a blank line.
func readEvents(t *testing.T, body io.Reader) []sseEvent {
	t.Helper()
	all, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	text := string(all)
	if !strings.HasSuffix(text, "\n\n") {
		t.Fatalf("stream does not end with a blank line: %q", text[max(0, len(text)-40):])
	}
	var events []sseEvent
	for _, raw := range strings.Split(strings.TrimSuffix(text, "\n\n"), "\n\n") {
		if strings.Contains(raw, "\n") || raw == "" {
			t.Fatalf("event is not one line followed by a blank line: %q", raw)
		}
		ev := sseEvent{raw: raw}
		if payload, ok := strings.CutPrefix(raw, "data: "); ok && payload != "[DONE]" {
			if err := json.Unmarshal([]byte(payload), &ev.data); err != nil {
				t.Fatalf("bad JSON in %q: %v", raw, err)
			}
		}
		events = append(events, ev)
	}
	return events
}

func post(t *testing.T, url, body string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

const lessonBody = `{"model":"openai/gpt-oss-20b","stream":true,"messages":[{"role":"system","content":"You are an expert in dogs."},{"role":"user","content":"How many times a day should I feed my Mongolian Bankhar, and what food is best?"}]}`

func TestWireShape(t *testing.T) {
	ts := httptest.NewServer(NewHandler(Options{TokensPerSecond: 5000, ThinkTime: 200 * time.Millisecond, KeepAlive: 40 * time.Millisecond}))
	defer ts.Close()
	resp := post(t, ts.URL+"/api/v1/chat/completions", lessonBody, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q, want text/event-stream", ct)
	}
	events := readEvents(t, resp.Body)

	// Keep-alive comments first: one at once and more during the think time.
	comments := 0
	for comments < len(events) && events[comments].raw == ": OPENROUTER PROCESSING" {
		comments++
	}
	if comments < 3 {
		t.Errorf("%d keep-alive comments before the first chunk, want at least 3 during a 200ms think", comments)
	}
	rest := events[comments:]
	if n := len(rest); n < 4 || rest[n-1].raw != "data: [DONE]" {
		t.Fatalf("stream does not end with data: [DONE]: last events %q", rest[max(0, n-2):])
	}
	chunks := rest[:len(rest)-1]
	var got wireText
	for i, ev := range chunks {
		choices := checkChunkHeader(t, i, ev, chunks[0])
		switch {
		case i == len(chunks)-2: // the finish chunk
			if c := choices[0].(map[string]any); c["finish_reason"] != "stop" || c["native_finish_reason"] != "stop" {
				t.Errorf("finish chunk: %s", ev.raw)
			}
		case i == len(chunks)-1:
			got.checkUsage(t, ev)
		case len(choices) != 1:
			t.Fatalf("chunk %d has %d choices: %s", i, len(choices), ev.raw)
		default:
			got.token(t, i, ev, choices[0].(map[string]any))
		}
	}
	if got.reasoning.String() != LessonReasoning {
		t.Errorf("reasoning = %q, want LessonReasoning", got.reasoning.String())
	}
	if got.content.String() != LessonAnswer {
		t.Errorf("content = %q, want LessonAnswer", got.content.String())
	}
	if got.reasoningEvents != len(Tokenize(LessonReasoning)) || got.contentEvents != len(Tokenize(LessonAnswer)) {
		t.Errorf("%d reasoning and %d content events, want one per token", got.reasoningEvents, got.contentEvents)
	}
}

// checkChunkHeader checks that chunk i is a data chunk with the stream's
// header fields (those of the first chunk), and returns its choices.
func checkChunkHeader(t *testing.T, i int, ev, first sseEvent) []any {
	t.Helper()
	d := ev.data
	if d == nil {
		t.Fatalf("event %d is not a data chunk: %q", i, ev.raw)
	}
	id, _ := first.data["id"].(string)
	if !strings.HasPrefix(id, "gen-") {
		t.Fatalf("id %q does not start with gen-", id)
	}
	if d["id"] != id || d["provider"] != Provider || d["model"] != "openai/gpt-oss-20b" ||
		d["object"] != "chat.completion.chunk" || d["created"] == nil {
		t.Fatalf("chunk %d header fields wrong: %s", i, ev.raw)
	}
	return d["choices"].([]any)
}

// wireText is what a stream's token chunks carried.
type wireText struct {
	reasoning, content             strings.Builder
	reasoningEvents, contentEvents int
}

// token checks token chunk i, whose choice is c, and adds its text.
func (w *wireText) token(t *testing.T, i int, ev sseEvent, c map[string]any) {
	t.Helper()
	if c["finish_reason"] != nil || c["native_finish_reason"] != nil || c["logprobs"] != nil || c["index"] != 0.0 {
		t.Fatalf("token chunk %d choice fields wrong: %s", i, ev.raw)
	}
	delta := c["delta"].(map[string]any)
	if delta["role"] != "assistant" {
		t.Fatalf("chunk %d delta has no assistant role: %s", i, ev.raw)
	}
	r, ok := delta["reasoning"].(string)
	if !ok {
		w.content.WriteString(delta["content"].(string))
		w.contentEvents++
		return
	}
	if w.contentEvents > 0 {
		t.Fatalf("reasoning after content at chunk %d", i)
	}
	if delta["content"] != "" {
		t.Fatalf("reasoning chunk %d has content: %s", i, ev.raw)
	}
	want := `"reasoning_details":[{"type":"reasoning.text","text":` + mustJSON(r) + `,"format":"unknown","index":0}]`
	if !strings.Contains(ev.raw, want) {
		t.Fatalf("reasoning chunk %d lacks %s: %s", i, want, ev.raw)
	}
	w.reasoning.WriteString(r)
	w.reasoningEvents++
}

// checkUsage checks the usage chunk against the tokens sent.
func (w *wireText) checkUsage(t *testing.T, ev sseEvent) {
	t.Helper()
	if !strings.Contains(ev.raw, `"choices":[]`) {
		t.Errorf("usage chunk has no empty choices array: %s", ev.raw)
	}
	u := ev.data["usage"].(map[string]any)
	want := float64(w.reasoningEvents + w.contentEvents)
	if u["completion_tokens"] != want || u["prompt_tokens"].(float64) <= 0 ||
		u["total_tokens"] != u["prompt_tokens"].(float64)+want {
		t.Errorf("usage %v, want %v completion tokens", u, want)
	}
	if rt := u["completion_tokens_details"].(map[string]any)["reasoning_tokens"]; rt != float64(w.reasoningEvents) {
		t.Errorf("reasoning_tokens = %v, want %d", rt, w.reasoningEvents)
	}
}

func mustJSON(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestNonStream(t *testing.T) {
	srv := startServer(t, fast)
	resp, err := newClient(srv.URL(), "").CreateChatCompletion(context.Background(), lessonRequest(false))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content != LessonAnswer || resp.Choices[0].FinishReason != openai.FinishReasonStop {
		t.Fatalf("response %+v", resp)
	}
	if resp.Object != "chat.completion" || resp.Model != LessonModel || !strings.HasPrefix(resp.ID, "gen-") {
		t.Errorf("header fields: object %q model %q id %q", resp.Object, resp.Model, resp.ID)
	}
	want := len(Tokenize(LessonAnswer)) + len(Tokenize(LessonReasoning))
	if resp.Usage.CompletionTokens != want || resp.Usage.CompletionTokensDetails == nil ||
		resp.Usage.CompletionTokensDetails.ReasoningTokens != len(Tokenize(LessonReasoning)) {
		t.Errorf("usage %+v, want %d completion tokens", resp.Usage, want)
	}

	// The raw body carries OpenRouter's reasoning fields.
	raw := post(t, srv.URL()+"/chat/completions", strings.Replace(lessonBody, `"stream":true`, `"stream":false`, 1), nil)
	var body struct {
		Provider string
		Choices  []struct {
			Message struct {
				Reasoning        string
				ReasoningDetails []wire.ReasoningDetail `json:"reasoning_details"`
			}
		}
	}
	if err := json.NewDecoder(raw.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Provider != Provider || body.Choices[0].Message.Reasoning != LessonReasoning ||
		len(body.Choices[0].Message.ReasoningDetails) != 1 || body.Choices[0].Message.ReasoningDetails[0].Text != LessonReasoning {
		t.Errorf("non-streamed body lacks reasoning: %+v", body)
	}
}

func TestNonStreamWaits(t *testing.T) {
	srv := startServer(t, Options{Answer: strings.Repeat("word ", 50), TokensPerSecond: 1000, ThinkTime: 50 * time.Millisecond})
	start := time.Now()
	if _, err := newClient(srv.URL(), "").CreateChatCompletion(context.Background(), lessonRequest(false)); err != nil {
		t.Fatal(err)
	}
	// 50 ms think + 50 tokens at 1000/s: a non-streamed answer comes when the stream would have ended.
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("non-streamed answer came after %v, before the 100ms a stream takes", d)
	}
}

func TestMaxTokens(t *testing.T) {
	srv := startServer(t, fast)
	req := lessonRequest(true)
	req.MaxTokens = 120
	content, finish, usage := streamAll(t, newClient(srv.URL(), ""), req)
	if finish != openai.FinishReasonLength {
		t.Errorf("finish reason %q, want length", finish)
	}
	if usage == nil || usage.CompletionTokens != 120 {
		t.Errorf("usage %+v, want 120 completion tokens", usage)
	}
	want := strings.Join(Tokenize(LessonAnswer)[:120-len(Tokenize(LessonReasoning))], "")
	if content != want {
		t.Errorf("content %q, want %q", content, want)
	}
}

func TestRequireKey(t *testing.T) {
	srv := startServer(t, Options{RequireKey: "sk-or-test-123", TokensPerSecond: -1, ThinkTime: -1})
	for _, tc := range []struct {
		auth, want string
	}{
		{"", `{"error":{"message":"No auth credentials found","code":401}}`},
		{"Bearer ", `{"error":{"message":"No auth credentials found","code":401}}`},
		{"Bearer sk-or-wrong", `{"error":{"message":"User not found.","code":401}}`},
	} {
		resp := post(t, srv.URL()+"/chat/completions", lessonBody, map[string]string{"Authorization": tc.auth})
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized || string(body) != tc.want {
			t.Errorf("Authorization %q: %d %s, want 401 %s", tc.auth, resp.StatusCode, body, tc.want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	}

	// go-openai sees the error as an APIError with OpenRouter's message.
	_, err := newClient(srv.URL(), "sk-or-wrong").CreateChatCompletionStream(context.Background(), lessonRequest(true))
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 401 || apiErr.Message != "User not found." {
		t.Errorf("wrong key: err = %v, want APIError 401 User not found.", err)
	}
	content, _, _ := streamAll(t, newClient(srv.URL(), "sk-or-test-123"), lessonRequest(true))
	if content != LessonAnswer {
		t.Errorf("right key: got %q", content)
	}
}

func TestErrorsAndModels(t *testing.T) {
	ts := httptest.NewServer(NewHandler(fast))
	defer ts.Close()
	for _, tc := range []struct {
		method, path, body string
		header             map[string]string
		status             int
		message            string
	}{
		{"GET", "/api/v1/chat/completions", "", nil, 405, "Use POST"},
		{"POST", "/api/v1/chat/completions", "{not json", nil, 400, "Invalid JSON body"},
		{"POST", "/api/v1/chat/completions", `{"model":"m","messages":[]}`, nil, 400, "at least one message"},
		{"POST", "/api/v1/chat/completions", lessonBody, map[string]string{HeaderRate: "fast"}, 400, HeaderRate},
		{"POST", "/api/v1/chat/completions", lessonBody, map[string]string{HeaderThink: "soon"}, 400, HeaderThink},
		{"POST", "/api/v1/chat/completions", lessonBody, map[string]string{HeaderTokens: "-3"}, 400, HeaderTokens},
		{"POST", "/api/v1/embeddings", "{}", nil, 404, "Not Found"},
		{"POST", "/api/v1/models", "", nil, 405, "Use GET"},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e wire.ErrorBody
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || e.Error.Code != tc.status || !strings.Contains(e.Error.Message, tc.message) {
			t.Errorf("%s %s: %d %+v (%v), want %d with %q", tc.method, tc.path, resp.StatusCode, e, err, tc.status, tc.message)
		}
	}

	models, err := newClient(ts.URL+"/v1", "").ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(models.Models) != 1 || models.Models[0].ID != LessonModel {
		t.Errorf("models %+v, want the lesson model", models)
	}
}

// TestClientCancel checks that the handler stops writing and returns soon
// after the client goes away.
func TestClientCancel(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	done := make(chan struct{})
	h := NewHandler(Options{TokensPerSecond: 20, ThinkTime: -1, Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(done)
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	stream, err := newClient(ts.URL, "").CreateChatCompletionStream(ctx, lessonRequest(true))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	stream.Close()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("handler still running 1s after the client went away")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) != 1 || !strings.Contains(logs[0], outcomeGone) || strings.Contains(logs[0], "482 of 482") {
		t.Fatalf("log %q, want one line saying the stream stopped early", logs)
	}
}

// TestCloseNoLeaks checks that Close ends a stream in progress and leaves
// no goroutines behind.
func TestCloseNoLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := Start(Options{TokensPerSecond: 10, ThinkTime: -1})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	cfg := openai.DefaultConfig("")
	cfg.BaseURL = srv.URL()
	cfg.HTTPClient = &http.Client{Transport: tr}
	stream, err := openai.NewClientWithConfig(cfg).CreateChatCompletionStream(context.Background(), lessonRequest(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a stream in progress", d)
	}
	// The client sees the stream end early rather than hang.
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	stream.Close()
	tr.CloseIdleConnections()
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestStartBusyPort(t *testing.T) {
	srv := startServer(t, fast)
	_, err := Start(Options{Addr: srv.Addr()})
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+srv.Addr()) {
		t.Errorf("Start on a busy port: err = %v", err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), "/api/v1") {
		t.Errorf("URL() = %q", srv.URL())
	}
}

func TestEnvDefaults(t *testing.T) {
	t.Setenv(RateEnv, "1234")
	t.Setenv(ThinkEnv, "0")
	o := Options{}.withDefaults()
	if o.TokensPerSecond != 1234 || o.ThinkTime != 0 {
		t.Errorf("with env: rate %v think %v, want 1234 and 0", o.TokensPerSecond, o.ThinkTime)
	}
	o = Options{TokensPerSecond: 7, ThinkTime: time.Second}.withDefaults()
	if o.TokensPerSecond != 7 || o.ThinkTime != time.Second {
		t.Errorf("explicit fields lost to env: %+v", o)
	}
	t.Setenv(RateEnv, "")
	t.Setenv(ThinkEnv, "")
	o = Options{}.withDefaults()
	if o.TokensPerSecond != DefaultTokensPerSecond || o.ThinkTime != DefaultThinkTime || o.KeepAlive != DefaultKeepAlive || o.Tokens != DefaultBenchTokens {
		t.Errorf("defaults: %+v", o)
	}
}

// TestManyStreams runs streams side by side, as a notebook and a test may.
func TestManyStreams(t *testing.T) {
	srv := startServer(t, Options{TokensPerSecond: 4000, ThinkTime: -1})
	client := newClient(srv.URL(), "")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream, err := client.CreateChatCompletionStream(context.Background(), lessonRequest(true))
			if err != nil {
				errs <- err.Error()
				return
			}
			defer stream.Close()
			var b strings.Builder
			for {
				resp, err := stream.Recv()
				if err != nil {
					if !errors.Is(err, io.EOF) {
						errs <- err.Error()
					}
					break
				}
				if len(resp.Choices) > 0 {
					b.WriteString(resp.Choices[0].Delta.Content)
				}
			}
			if b.String() != LessonAnswer {
				errs <- "wrong answer: " + b.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
