package helpers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/k12notebooks/golessons/offline"
	"github.com/k12notebooks/golessons/relay"
)

// A class on the real relay, in front of the offline provider, with one
// upstream request at a time: the second student's cell shows where it
// stands in the queue, then its answer, and both answers are whole. The
// first cell names the relay, and the student's hub token is the key.
func TestClassRelayQueueShowsWaiting(t *testing.T) {
	resetConfig(t)
	const alice, bob = "alice-hub-token-for-helpers-0001", "bob-hub-token-for-helpers-0002"
	hub := hubtest.NewHub(t)
	hub.Student(alice, "alice")
	hub.Student(bob, "bob")
	cfg := relay.DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	cfg.StateDir = t.TempDir()
	cfg.Prefix = "/services/class-relay/"
	cfg.Upstream.MaxConcurrent = 1
	r, err := relay.New(cfg, relay.Options{Offline: offline.Options{TokensPerSecond: 400, ThinkTime: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); r.Close() })
	base := srv.URL + "/services/class-relay/v1"

	// Bob's request holds the one upstream turn.
	bobCfg := openai.DefaultConfig(bob)
	bobCfg.BaseURL = base
	bobStream, err := openai.NewClientWithConfig(bobCfg).CreateChatCompletionStream(context.Background(), lessonRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bobStream.Recv(); err != nil { // Bob's answer has begun
		t.Fatal(err)
	}

	// Alice's lesson cell, on her hub with the relay.
	t.Setenv(connect.BaseURLEnv, base)
	t.Setenv(connect.RelayEnv, "1")
	t.Setenv(connect.HubTokenEnv, alice)
	t.Setenv(connect.KeyEnv, "fake-or-v1-a-students-own-key-is-not-used")
	config := Connect(openai.DefaultConfig(APIKey()))
	if first := CurrentConnection().String(); !strings.Contains(first, "class relay") || strings.Contains(first, alice) {
		t.Errorf("first cell says %q", first)
	}
	var notices bytes.Buffer
	config.HTTPClient.(*http.Client).Transport.(*connect.Transport).Hooks.Wait = func() sse.Listener {
		return streamview.NewWaitNotice(&notices)
	}
	var wg sync.WaitGroup
	var bobText strings.Builder
	wg.Add(1)
	go func() { // Bob reads on, slowly enough that Alice waits
		defer wg.Done()
		for {
			c, err := bobStream.Recv()
			if err != nil {
				return
			}
			if len(c.Choices) > 0 {
				bobText.WriteString(c.Choices[0].Delta.Content)
			}
		}
	}()
	got, err := recvAll(openai.NewClientWithConfig(config), lessonRequest())
	wg.Wait()
	if err != nil {
		t.Fatalf("Alice's stream: %v", err)
	}
	if !strings.Contains(got, "Bankhar") || !strings.Contains(bobText.String(), "Bankhar") {
		t.Errorf("answers not whole: Alice %d bytes, Bob %d bytes", len(got), bobText.Len())
	}
	shown := notices.String()
	if !strings.Contains(shown, "⏳ Waiting for a free turn: you are next") || !strings.Contains(shown, "✅ Your turn came after") {
		t.Errorf("Alice saw no queue notice:\n%s", shown)
	}
	if strings.Contains(shown+got, alice) {
		t.Error("the hub token was shown")
	}
}

// The relay's refusals read as a class's, not as an OpenRouter account's.
func TestClassRelayErrorsInClassWords(t *testing.T) {
	resetConfig(t)
	hub := hubtest.NewHub(t)
	hub.Student("carol-hub-token-for-helpers-3", "carol")
	cfg := relay.DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	cfg.StateDir = t.TempDir()
	cfg.Student.RequestsPerMinute = 1
	r, err := relay.New(cfg, relay.Options{Offline: offline.Options{TokensPerSecond: -1, ThinkTime: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); r.Close() })
	t.Setenv(connect.BaseURLEnv, srv.URL+"/v1")
	t.Setenv(connect.RelayEnv, "1")
	t.Setenv(connect.HubTokenEnv, "carol-hub-token-for-helpers-3")
	client := openai.NewClientWithConfig(Connect(openai.DefaultConfig(APIKey())))
	if _, err := recvAll(client, lessonRequest()); err != nil {
		t.Fatalf("first request: %v", err)
	}
	_, err = recvAll(client, lessonRequest())
	msg := explainer.Explain(err)
	if !strings.Contains(msg, "more than your class allows (429") || !strings.Contains(msg, "run the cell again") {
		t.Errorf("over the limit: %q", msg)
	}

	t.Setenv(connect.HubTokenEnv, "a-token-the-hub-does-not-know")
	client = openai.NewClientWithConfig(Connect(openai.DefaultConfig(APIKey())))
	_, err = recvAll(client, lessonRequest())
	if msg := explainer.Explain(err); !strings.Contains(msg, "did not recognise your login (401") || strings.Contains(msg, "OPENROUTER_API_KEY") {
		t.Errorf("unknown token: %q", msg)
	}
}

// OpenRouter's daily limit for free models, passed on by the relay (status,
// headers and body as sent), reads in the lesson as the class's limit: wait
// for the reset or tell the teacher; no "add credits to your account". A
// request with a field the relay refuses never reaches OpenRouter, and its
// message names the field.
func TestClassRelayUpstreamDailyLimit(t *testing.T) {
	resetConfig(t)
	const daily = `{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1741305600000"},"provider_name":null}},"user_id":"user_2abc"}`
	var calls sync.Map
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls.Store(string(body), true)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Reset", "1741305600000")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, daily)
	}))
	t.Cleanup(upstream.Close)
	hub := hubtest.NewHub(t)
	hub.Student("dora-hub-token-for-helpers-4", "dora")
	cfg := relay.DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	cfg.StateDir = t.TempDir()
	cfg.Upstream.BaseURL = upstream.URL
	r, err := relay.New(cfg, relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); r.Close() })
	t.Setenv(connect.BaseURLEnv, srv.URL+"/v1")
	t.Setenv(connect.RelayEnv, "1")
	t.Setenv(connect.HubTokenEnv, "dora-hub-token-for-helpers-4")
	client := openai.NewClientWithConfig(Connect(openai.DefaultConfig(APIKey())))
	_, err = recvAll(client, lessonRequest())
	msg := explainer.Explain(err)
	for _, want := range []string{"Your class has used up today's free requests", "Tell your teacher", "00:00 UTC"} {
		if !strings.Contains(msg, want) {
			t.Errorf("daily limit: %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "your OpenRouter account") {
		t.Errorf("daily limit: %q sends the student to an account of their own", msg)
	}

	req := lessonRequest()
	req.Store = true
	_, err = recvAll(client, req)
	if msg := explainer.Explain(err); !strings.Contains(msg, "did not send this request") || !strings.Contains(msg, `"store"`) {
		t.Errorf("refused field: %q", msg)
	}
	n := 0
	calls.Range(func(k, _ any) bool {
		n++
		if strings.Contains(k.(string), "store") {
			t.Errorf("the refused request reached the upstream: %s", k)
		}
		return true
	})
	if n != 1 {
		t.Errorf("%d requests reached the upstream, want 1", n)
	}
}

// recvAll runs the lesson's Recv loop and returns the answer.
func recvAll(client *openai.Client, req openai.ChatCompletionRequest) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req.Stream = true
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", err
	}
	defer stream.Close()
	var b strings.Builder
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		if len(c.Choices) > 0 {
			b.WriteString(c.Choices[0].Delta.Content)
		}
	}
}

// teacherPost posts v to the relay's teacher endpoint path with token.
func teacherPost(t *testing.T, url, token string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %v %v", url, resp, err)
	}
	resp.Body.Close()
}

// In a class the connect cell says that the teacher can read the
// conversations and shows the teacher's instructions; a paused student's
// cell says so at once, in plain words.
func TestClassRelayNoticeAndPause(t *testing.T) {
	resetConfig(t)
	hub := hubtest.NewHub(t)
	hub.Student("erin-hub-token-for-helpers-5", "erin")
	hub.Token("teacher-hub-token-for-helpers-6", `{"kind":"user","name":"teach","admin":true,"scopes":[]}`)
	cfg := relay.DefaultConfig()
	cfg.HubAPIURL = hub.APIURL()
	cfg.StateDir = t.TempDir()
	r, err := relay.New(cfg, relay.Options{Offline: offline.Options{TokensPerSecond: -1, ThinkTime: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); r.Close() })
	s := classapi.DefaultSettings()
	s.Instructions = "The students are 12–14; keep answers short."
	teacherPost(t, srv.URL+"/"+classapi.SettingsPath, "teacher-hub-token-for-helpers-6", s)
	t.Setenv(connect.BaseURLEnv, srv.URL+"/v1")
	t.Setenv(connect.RelayEnv, "1")
	t.Setenv(connect.HubTokenEnv, "erin-hub-token-for-helpers-5")
	client := openai.NewClientWithConfig(Connect(openai.DefaultConfig(APIKey())))
	first := CurrentConnection().String()
	for _, want := range []string{"Your teacher can see what you ask the AI", "kept on the school's server for 30 days", s.Instructions} {
		if !strings.Contains(first, want) {
			t.Errorf("the connect cell says %q, not %q", first, want)
		}
	}
	teacherPost(t, srv.URL+"/"+classapi.PausePath, "teacher-hub-token-for-helpers-6", classapi.PauseRequest{Student: "erin", Paused: true})
	_, err = recvAll(client, lessonRequest())
	if msg := explainer.Explain(err); !strings.Contains(msg, "Your teacher has paused the AI for now") || strings.Contains(msg, "403") {
		t.Errorf("paused: %q", msg)
	}
	Connect(openai.DefaultConfig(APIKey()))
	if again := CurrentConnection().String(); !strings.Contains(again, "paused the AI") {
		t.Errorf("the connect cell of a paused student says %q", again)
	}
	teacherPost(t, srv.URL+"/"+classapi.PausePath, "teacher-hub-token-for-helpers-6", classapi.PauseRequest{Student: "erin", Paused: false})

	// "Stop now" while erin's answer streams: the cell keeps the text so far
	// and says the teacher stopped it.
	slow := relay.DefaultConfig()
	slow.HubAPIURL = hub.APIURL()
	slow.StateDir = t.TempDir()
	r2, err := relay.New(slow, relay.Options{Offline: offline.Options{TokensPerSecond: 5, ThinkTime: -1}})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(r2)
	t.Cleanup(func() { srv2.Close(); r2.Close() })
	t.Setenv(connect.BaseURLEnv, srv2.URL+"/v1")
	client = openai.NewClientWithConfig(Connect(openai.DefaultConfig(APIKey())))
	req := lessonRequest()
	req.Stream = true
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := stream.Recv(); err != nil { // the answer has begun
		t.Fatal(err)
	}
	teacherPost(t, srv2.URL+"/"+classapi.PausePath, "teacher-hub-token-for-helpers-6", classapi.PauseRequest{Paused: true, StopNow: true})
	for err == nil {
		_, err = stream.Recv()
	}
	if msg := explainer.Explain(err); !strings.Contains(msg, "Your teacher stopped the AI") || !strings.Contains(msg, "text received so far is kept") {
		t.Errorf("stopped mid-stream: %q (%v)", msg, err)
	}
}
