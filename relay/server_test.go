package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/hub"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/offline"
)

// fastOffline is the in-process offline provider without pauses.
var fastOffline = offline.Options{TokensPerSecond: -1, ThinkTime: -1}

func lessonRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: offline.LessonModel,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleUser, Content: offline.LessonQuestion},
		},
	}
}

func TestOfflineUpstreamWithGoOpenAI(t *testing.T) {
	tr := startRelay(t, nil, nil, Options{Offline: fastOffline})
	if !strings.Contains(tr.Describe(), "offline sample provider") {
		t.Errorf("Describe = %q", tr.Describe())
	}
	cfg := openai.DefaultConfig(aliceToken) // the student's hub token is the API key
	cfg.BaseURL = tr.base
	client := openai.NewClientWithConfig(cfg)

	req := lessonRequest()
	req.Stream = true
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	text, usage := readStream(t, stream)
	stream.Close()
	if !strings.Contains(text, "Offline sample") || usage == nil {
		t.Fatalf("stream: %q, usage %v", text, usage)
	}
	// The handler records the usage after the last byte the client read.
	waitFor(t, func() bool { return tr.usage.Snapshot().Students["alice"].TotalTokens > 0 }, "the stream's usage recorded")
	if c := tr.usage.Snapshot().Students["alice"]; c.CompletionTokens != int64(usage.CompletionTokens) || c.Estimated != 0 {
		t.Errorf("recorded %+v, the stream said %+v", c.Counts, usage)
	}

	resp, err := client.CreateChatCompletion(context.Background(), lessonRequest())
	if err != nil || !strings.Contains(resp.Choices[0].Message.Content, "Offline sample") {
		t.Fatalf("non-stream: %v %+v", err, resp)
	}
	models, err := client.ListModels(context.Background())
	if err != nil || len(models.Models) != 1 || models.Models[0].ID != offline.LessonModel {
		t.Errorf("models: %v %+v", err, models)
	}
	if c := tr.usage.Snapshot().Students["alice"]; c.Requests != 2 || c.Errors != 0 {
		t.Errorf("counts %+v (models are not counted)", c.Counts)
	}
}

func TestOfflineMaxTokensCapShortensAnswer(t *testing.T) {
	tr := startRelay(t, nil, func(c *Config) { c.Student.MaxTokens = 5 }, Options{Offline: fastOffline})
	cfg := openai.DefaultConfig(aliceToken)
	cfg.BaseURL = tr.base
	req := lessonRequest()
	req.MaxTokens = 4000
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != openai.FinishReasonLength || resp.Usage.CompletionTokens != 5 {
		t.Errorf("finish %q after %d tokens, want length after 5", resp.Choices[0].FinishReason, resp.Usage.CompletionTokens)
	}
}

func TestUsageEstimatedAndPersisted(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orComment, orContent1, orContent2, orFinish, orDone}})) // no usage chunk
	tr := startRelay(t, up, nil, Options{})
	tr.chat(t, aliceToken, chatBody(true, ""))
	tr.chat(t, bobToken, chatBody(true, ""))
	c := tr.usage.Snapshot().Students["alice"]
	if c.Estimated != 1 || c.CompletionTokens != 3 || c.PromptTokens == 0 || c.TotalTokens != c.PromptTokens+3 {
		t.Errorf("estimate %+v, want 3 completion tokens (one per delta event)", c.Counts)
	}
	if len(c.Days) != 1 || c.First.IsZero() || c.Last.Before(c.First) {
		t.Errorf("days %v first %v last %v", c.Days, c.First, c.Last)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(tr.cfg.StateDir, UsageFile)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("usage file: %v %v", err, info)
	}
	u, err := openUsage(tr.cfg.StateDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := u.Snapshot()
	if doc.Students["alice"].Requests != 1 || doc.Students["bob"].Requests != 1 || doc.Version != 1 {
		t.Errorf("reloaded %+v", doc)
	}
	var names []string
	entries, _ := os.ReadDir(tr.cfg.StateDir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != ConversationsDir+" "+UsageFile {
		t.Errorf("state dir holds %v, want only %s and %s (no temporary files)", names, ConversationsDir, UsageFile)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "How often") || strings.Contains(string(b), "Bankhar") {
		t.Error("the usage file holds a prompt or an answer")
	}
}

func TestDamagedUsageFileMovedAside(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, UsageFile), []byte("{not json"), 0o600)
	var log hubtest.SyncBuffer
	u, err := openUsage(dir, log.Logf)
	if err != nil || len(u.Snapshot().Students) != 0 {
		t.Fatalf("%v", err)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, UsageFile+".damaged-*"))
	if len(matches) != 1 || !strings.Contains(log.String(), "damaged") {
		t.Errorf("moved aside: %v, log %q", matches, log.String())
	}
}

func TestSafeName(t *testing.T) {
	for _, name := range []string{"alice", "a.b-c_d@school.org"} {
		if got := safeName(name); got != name {
			t.Errorf("safeName(%q) = %q", name, got)
		}
	}
	seen := map[string]bool{}
	for _, name := range []string{"../etc", "a/b", "a_b/", "", ".hidden", "élève"} {
		got := safeName(name)
		if strings.ContainsAny(got, "/\\") || strings.HasPrefix(got, ".") || seen[got] || got == "" {
			t.Errorf("safeName(%q) = %q", name, got)
		}
		seen[got] = true
	}
}

func TestNoSecretsInLogsOrAnswers(t *testing.T) {
	cases := []fakeWire{
		{parts: []string{orComment, orContent1, orFinish, orUsage, orDone}},
		{status: 401, header: map[string]string{"Content-Type": "application/json"}, parts: []string{`{"error":{"message":"User not found.","code":401}}`}},
		{status: 500, header: map[string]string{"Content-Type": "application/json"}, parts: []string{`{"error":{"message":"Internal Server Error","code":500}}`}},
		{parts: []string{orContent1}, cut: true},
	}
	var answers strings.Builder
	i := 0
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		c := cases[i%len(cases)]
		i++
		play(c)(w, r)
	})
	tr := startRelay(t, up, func(c *Config) { c.Student.RequestsPerMinute = 3 }, Options{})
	for _, token := range []string{aliceToken, aliceToken, aliceToken, aliceToken, bobToken, "made-up-token-123456", serviceToken, adminToken} {
		resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", token, chatBody(true, ""))
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&answers, "%d %v %s\n", resp.StatusCode, resp.Header, b)
	}
	tr.hub.SetDown(true)
	resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", carolToken, chatBody(true, ""))
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(&answers, "%d %v %s\n", resp.StatusCode, resp.Header, b)
	tr.Close()
	usage, _ := os.ReadFile(filepath.Join(tr.cfg.StateDir, UsageFile))

	logs := tr.log.String()
	if !strings.Contains(logs, "401 for token sha256:") || !strings.Contains(logs, "alice stream") {
		t.Errorf("the log is missing lines: %s", logs)
	}
	noSecrets(t, "log", logs)
	noSecrets(t, "answers", answers.String())
	noSecrets(t, "usage file", string(usage))
	for _, r := range up.requests() {
		noSecrets(t, "upstream request", strings.ReplaceAll(fmt.Sprint(r.header)+string(r.body), teacherKey, ""))
	}
	if got := fmt.Sprintf("%v %s %+v %#v", hub.Secret(teacherKey), hub.Secret(teacherKey), struct{ K hub.Secret }{teacherKey}, hub.Secret(teacherKey)); strings.Contains(got, teacherKey) {
		t.Errorf("a Secret printed its value: %s", got)
	}
	if b, _ := json.Marshal(hub.Secret(teacherKey)); strings.Contains(string(b), teacherKey) {
		t.Errorf("a Secret marshalled its value: %s", b)
	}
}

// A student whose client closes right after "data: [DONE]", before the
// upstream ends its response, got a whole answer: it is not counted as an
// error.
func TestClientClosingAfterDoneIsNotAnError(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Twice.\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
		w.(http.Flusher).Flush()
		<-release // the upstream keeps the connection open a while
	})
	tr := startRelay(t, up, nil, Options{})
	defer close(release)
	resp := tr.do(t, http.MethodPost, "/services/class-relay/v1/chat/completions", aliceToken, chatBody(true, ""))
	buf := make([]byte, 0, 512)
	tmp := make([]byte, 512)
	for !strings.Contains(string(buf), "[DONE]") {
		n, err := resp.Body.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			t.Fatalf("read %q: %v", buf, err)
		}
	}
	resp.Body.Close() // as go-openai does after [DONE]
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c := tr.usage.Snapshot().Students["alice"]; c.Requests == 1 && (c.Estimated == 1 || c.Errors == 1) {
			if c.Errors != 0 {
				t.Fatalf("a whole answer counted as an error: %+v\n%s", c, tr.log.String())
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the request was not finished in the usage: %+v", tr.usage.Snapshot().Students["alice"])
}
