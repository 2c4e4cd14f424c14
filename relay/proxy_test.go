package relay

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"
)

// Chunks as OpenRouter sends them for openai/gpt-oss-120b:free (the same
// bytes as the helpers' stream tests).
const (
	orComment    = ": OPENROUTER PROCESSING\n\n"
	orReasoning  = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user asks about feeding.","reasoning_details":[{"type":"reasoning.text","text":"The user asks about feeding.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orContent1   = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"Feed your **Bankhar** "},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orContent2   = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":"twice a day."},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}` + "\n\n"
	orFinish     = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}` + "\n\n"
	orUsage      = `data: {"id":"gen-1740000000-AbCdEf","provider":"OpenAI","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1740000000,"choices":[],"usage":{"prompt_tokens":92,"completion_tokens":57,"total_tokens":149,"cost":0,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":12,"image_tokens":0}}}` + "\n\n"
	orDone       = "data: [DONE]\n\n"
	orMidError   = `data: {"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-oss-120b:free","provider":"Chutes","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}` + "\n\n"
	orErrWithRaw = `data: {"id":"gen-1","object":"chat.completion.chunk","created":1740000000,"model":"openai/gpt-oss-120b:free","provider":"Chutes","choices":[{"index":0,"delta":{"role":"assistant","content":"twice"},"finish_reason":"error","native_finish_reason":"error"}],"error":{"code":429,"message":"Provider returned error","metadata":{"raw":"upstream rate limit: too many requests","provider_name":"Chutes"}}}` + "\n\n"
	openAIError  = `data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error", "param": null, "code": null}}` + "\n\n"
)

// crlf rewrites an event with CRLF line endings and "data:" without a space.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "data: ", "data:"), "\n", "\r\n")
}

// streamCases are the wire cases of offline/doc.go and the helpers' tests.
func streamCases() map[string]fakeWire {
	json := map[string]string{"Content-Type": "application/json"}
	return map[string]fakeWire{
		"keep-alive comments":  {parts: []string{strings.Repeat(orComment, 700), orContent1, orComment + "\n\n\n", orContent2, orFinish, orComment, orUsage, orDone}},
		"reasoning deltas":     {parts: []string{orComment, orReasoning, orContent1, orContent2, orFinish, orUsage, orDone}},
		"usage, no choices":    {parts: []string{orContent1, orUsage, orDone}},
		"mid-stream error":     {parts: []string{orComment, orContent1, orMidError, orDone}},
		"error with raw":       {parts: []string{orComment, orErrWithRaw}},
		"error after comments": {parts: []string{orComment, orComment, openAIError}},
		"string error":         {parts: []string{orComment, `data: {"error": "model overloaded"}` + "\n\n"}},
		"ended early":          {parts: []string{orComment, orContent1}},
		"finish length":        {parts: []string{orContent1, strings.Replace(orFinish, `"stop"`, `"length"`, 2), orDone}},
		"crlf, no space":       {parts: []string{crlf(orComment), crlf(orReasoning), crlf(orContent1), crlf(orFinish), crlf(orDone)}},
		"lone CR":              {parts: []string{"data: {\"choices\":[{\"index\":0,\r" + "data: \"delta\":{\"content\":\"x\"}}]}\r\rdata: [DONE]\r\r"}},
		"ollama": {parts: []string{
			`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Bankhar puppies eat more often."},"finish_reason":null}]}` + "\n\n",
			`data: {"id":"chatcmpl-812","object":"chat.completion.chunk","created":1740000000,"model":"qwen3:0.6b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}` + "\n\n",
			orDone}},
		"402":          {status: 402, header: json, parts: []string{`{"error":{"message":"This request requires more credits, or fewer max_tokens.","code":402,"metadata":{"provider_name":null}},"user_id":"user_2abc"}`}},
		"429 upstream": {status: 429, header: map[string]string{"Content-Type": "application/json", "X-RateLimit-Limit": "20"}, parts: []string{`{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"temporarily rate-limited upstream","provider_name":"Chutes"}}}`}},
		"400 model":    {status: 400, header: json, parts: []string{`{"error":{"message":"openai/gpt-oss-12b:free is not a valid model ID","code":400},"user_id":"user_2abc"}`}},
		"404":          {status: 404, header: json, parts: []string{`{"error":{"message":"No endpoints found for openai/gpt-oss-12b:free.","code":404}}`}},
		"500":          {status: 500, header: json, parts: []string{`{"error":{"message":"Internal Server Error","code":500}}`}},
		"503":          {status: 503, header: json, parts: []string{`{"error":{"message":"No instances available","code":503}}`}},
		"502 HTML":     {status: 502, header: map[string]string{"Content-Type": "text/html"}, parts: []string{"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head></html>\n"}},
	}
}

func TestWireCasesExactBytes(t *testing.T) {
	for name, w := range streamCases() {
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t, play(w))
			tr := startRelay(t, up, nil, Options{})
			resp, body := tr.chat(t, aliceToken, chatBody(true, ""))
			if want := strings.Join(w.parts, ""); body != want {
				t.Errorf("the relay changed the bytes:\n got %q\nwant %q", body, want)
			}
			if want := cmpOr(w.status, 200); resp.StatusCode != want {
				t.Errorf("status %d, want %d", resp.StatusCode, want)
			}
			wantCT := "text/event-stream"
			if ct := w.header["Content-Type"]; ct != "" {
				wantCT = ct
			}
			if got := resp.Header.Get("Content-Type"); got != wantCT {
				t.Errorf("Content-Type %q, want %q", got, wantCT)
			}
			for k, v := range w.header {
				if resp.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, resp.Header.Get(k), v)
				}
			}
		})
	}
}

func TestRetryAfterPassesAndPausesQueue(t *testing.T) {
	up := newUpstream(t, play(fakeWire{status: 429, header: map[string]string{"Content-Type": "application/json", "Retry-After": "17"},
		parts: []string{`{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429}}`}}))
	tr := startRelay(t, up, nil, Options{})
	resp, _ := tr.chat(t, aliceToken, chatBody(true, ""))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "17" {
		t.Errorf("%d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	tr.queue.mu.Lock()
	paused := tr.queue.gate.(*windowGate).paused
	tr.queue.mu.Unlock()
	if d := time.Until(paused); d < 15*time.Second || d > 17*time.Second {
		t.Errorf("queue paused for %v, want about 17 s", d)
	}
}

func TestCutStreamIsCut(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orComment, orContent1}, cut: true}))
	tr := startRelay(t, up, nil, Options{})
	resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", aliceToken, chatBody(true, ""))
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != orComment+orContent1 {
		t.Errorf("got %q", body)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error %v, want the cut (unexpected EOF)", err)
	}
}

func TestNonStreamPassThrough(t *testing.T) {
	completion := `{"id":"gen-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Twice a day."},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}}`
	up := newUpstream(t, play(fakeWire{header: map[string]string{"Content-Type": "application/json", "Set-Cookie": "__cf_bm=x", "X-Generation": "g1"}, parts: []string{completion}}))
	tr := startRelay(t, up, nil, Options{})
	resp, body := tr.chat(t, aliceToken, chatBody(false, ""))
	if resp.StatusCode != 200 || body != completion || resp.Header.Get("X-Generation") != "g1" {
		t.Errorf("%d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("the upstream's cookie reached the student")
	}
	day := tr.usage.Snapshot().Students["alice"]
	if day.TotalTokens != 14 || day.Estimated != 0 || day.Errors != 0 {
		t.Errorf("usage %+v", day.Counts)
	}
}

func TestUpstreamKeyRefused(t *testing.T) {
	refuse := fakeWire{status: 401, header: map[string]string{"Content-Type": "application/json"}, parts: []string{`{"error":{"message":"User not found.","code":401}}`}}
	up := newUpstream(t, play(refuse))
	tr := startRelay(t, up, nil, Options{})
	resp, body := tr.chat(t, aliceToken, chatBody(true, ""))
	if e := errorOf(t, body); resp.StatusCode != 502 || e.Type != classapi.TypeUpstreamKey || !strings.Contains(e.Message, "tell your teacher") {
		t.Errorf("%d %+v", resp.StatusCode, e)
	}
	if !strings.Contains(tr.log.String(), "check the key file") {
		t.Errorf("log does not tell the teacher: %s", tr.log.String())
	}
	resp = tr.do(t, http.MethodGet, "/services/class-relay/v1/models", aliceToken, "")
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Errorf("models: %d", resp.StatusCode)
	}
}

func TestUpstreamUnreachable(t *testing.T) {
	up := newUpstream(t, play(fakeWire{}))
	tr := startRelay(t, up, nil, Options{})
	up.srv.Close()
	resp, body := tr.chat(t, aliceToken, chatBody(true, ""))
	if e := errorOf(t, body); resp.StatusCode != 502 || e.Type != classapi.TypeUpstream || !strings.Contains(e.Message, "could not reach") {
		t.Errorf("%d %+v", resp.StatusCode, e)
	}
}

func TestHeadersFiltered(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Upstream.Headers = map[string]string{"X-Title": "Class relay"} }, Options{})
	req, _ := http.NewRequest(http.MethodPost, tr.base+"/chat/completions", strings.NewReader(chatBody(true, "")))
	for k, v := range map[string]string{
		"Authorization": "Bearer " + aliceToken, "Cookie": "jupyterhub-session-id=abc", "X-Forwarded-For": "10.1.2.3",
		"Connection": "X-Secret-Hop", "X-Secret-Hop": "1", "X-Student-Copy": "token " + aliceToken,
		"Origin": "https://hub.school", "X-Jupyterhub-Version": "5.2", "Accept": "text/event-stream", "X-Keep": "yes",
	} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := up.requests()[0]
	if a := got.header.Get("Authorization"); a != "Bearer "+teacherKey {
		t.Errorf("upstream Authorization = %q, want the teacher's key", a)
	}
	for _, h := range []string{"Cookie", "X-Forwarded-For", "X-Secret-Hop", "X-Student-Copy", "Origin", "X-Jupyterhub-Version"} {
		if v := got.header.Get(h); v != "" {
			t.Errorf("%s reached the upstream: %q", h, v)
		}
	}
	if got.header.Get("X-Keep") != "yes" || got.header.Get("Accept") != "text/event-stream" || got.header.Get("X-Title") != "Class relay" {
		t.Errorf("headers lost: %v", got.header)
	}
	if got.path != "/api/v1/chat/completions" || got.method != http.MethodPost {
		t.Errorf("upstream got %s %s", got.method, got.path)
	}
	for _, r := range up.requests() {
		b, _ := json.Marshal(r.header)
		noSecrets(t, "upstream request", strings.ReplaceAll(string(b)+string(r.body), teacherKey, ""))
	}
}

func TestFirstEventBeforeUpstreamEnds(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, orContent1)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, orFinish+orDone)
	})
	tr := startRelay(t, up, nil, Options{})
	resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", aliceToken, chatBody(true, ""))
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, len(orContent1))
		n, _ := io.ReadFull(resp.Body, buf)
		got <- string(buf[:n])
	}()
	select {
	case s := <-got:
		if s != orContent1 {
			t.Errorf("first event %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not reach the student while the upstream was still streaming")
	}
	close(release)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != orFinish+orDone {
		t.Errorf("rest %q", rest)
	}
}

func TestClientCancelStopsUpstream(t *testing.T) {
	upstreamDone := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, orContent1)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(upstreamDone)
	})
	tr := startRelay(t, up, nil, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tr.base+"/chat/completions", strings.NewReader(chatBody(true, "")))
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	bufio.NewReader(resp.Body).ReadString('\n')
	cancel()
	resp.Body.Close()
	select {
	case <-upstreamDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request went on after the student left")
	}
	waitFor(t, func() bool { return tr.usage.Snapshot().Students["alice"].Errors == 1 }, "the cancelled request counted as failed")
	waitFor(t, func() bool { return strings.Contains(tr.log.String(), "student left") }, "the log says the student left")
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting: %s", what)
}

func TestModelsAndPaths(t *testing.T) {
	models := `{"data":[{"id":"openai/gpt-oss-120b:free"}]}`
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, models)
	})
	tr := startRelay(t, up, nil, Options{})
	resp := tr.do(t, http.MethodGet, "/services/class-relay/v1/models", aliceToken, "")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != models {
		t.Errorf("models: %d %s", resp.StatusCode, b)
	}
	if r := up.requests(); r[0].method != http.MethodGet || r[0].path != "/api/v1/models" {
		t.Errorf("upstream got %s %s", r[0].method, r[0].path)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/services/class-relay/v1/chat/completions", 405},
		{http.MethodPost, "/services/class-relay/v1/models", 405},
		{http.MethodPost, "/services/class-relay/v1/embeddings", 404},
		{http.MethodGet, "/services/class-relay/v1/files", 404},
		{http.MethodGet, "/v1/models", 404},
		{http.MethodGet, "/services/class-relay", 404},
		{http.MethodGet, "/services/class-relay/health", 200},
	} {
		resp := tr.do(t, c.method, c.path, aliceToken, "")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.status)
		}
		if c.status != 200 {
			errorOf(t, string(b))
		}
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("%d requests reached the upstream, want 1", n)
	}
}

func TestWildcard(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"*:free", "openai/gpt-oss-120b:free", true},
		{"*:free", "openai/gpt-5", false},
		{"openai/*", "openai/gpt-5", true},
		{"a*b*c", "a-x-b-y-c", true},
		{"a*b*c", "a-c", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*", "", true},
	} {
		if got := wildcard(c.p, c.s); got != c.ok {
			t.Errorf("wildcard(%q, %q) = %v", c.p, c.s, got)
		}
	}
}
