package relay

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/classapi"

	"github.com/sashabaranov/go-openai"
)

func TestWaitingCommentFormat(t *testing.T) {
	re := regexp.MustCompile(`^: waiting for a free turn, ([0-9]+) ahead$`)
	for n, want := range map[int]string{0: ": waiting for a free turn, 0 ahead\n\n", 12: ": waiting for a free turn, 12 ahead\n\n"} {
		got := string(classapi.WaitingComment(n))
		if got != want {
			t.Errorf("classapi.WaitingComment(%d) = %q, want %q", n, got, want)
		}
		if !re.MatchString(strings.TrimSuffix(got, "\n\n")) {
			t.Errorf("%q does not match the documented pattern", got)
		}
	}
}

// streamReader reads a relay response line by line.
type streamReader struct {
	t    *testing.T
	resp *http.Response
	r    *bufio.Reader
	all  strings.Builder
}

// open posts a chat request with its own context and returns a reader.
func (tr *testRelay) open(t *testing.T, ctx context.Context, token string, stream bool) *streamReader {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tr.base+"/chat/completions", strings.NewReader(chatBody(stream, "")))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &streamReader{t: t, resp: resp, r: bufio.NewReader(resp.Body)}
}

// event reads up to and including the next blank line.
func (s *streamReader) event() string {
	s.t.Helper()
	var ev strings.Builder
	for {
		line, err := s.r.ReadString('\n')
		ev.WriteString(line)
		s.all.WriteString(line)
		if line == "\n" || err != nil {
			return ev.String()
		}
	}
}

// expect reads the next event and checks it.
func (s *streamReader) expect(want string) {
	s.t.Helper()
	if got := s.event(); got != want {
		s.t.Fatalf("got %q, want %q", got, want)
	}
}

// rest reads the remaining body.
func (s *streamReader) rest() string {
	b, _ := io.ReadAll(s.r)
	s.all.Write(b)
	return string(b)
}

func TestWaitingStreams(t *testing.T) {
	answer := orComment + orContent1 + orFinish + orUsage + orDone
	up := newUpstream(t, play(fakeWire{parts: []string{answer}}))
	tr := startRelay(t, up, func(c *Config) { c.Queue.KeepAlive = classapi.Duration(time.Hour) }, Options{gate: &manualGate{}})
	tr.commentGap = 0
	ctx := context.Background()

	a1 := tr.open(t, ctx, aliceToken, true)
	if a1.resp.StatusCode != 200 || a1.resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("waiting stream: %d %v", a1.resp.StatusCode, a1.resp.Header)
	}
	a1.expect(": waiting for a free turn, 0 ahead\n\n")
	a2 := tr.open(t, ctx, aliceToken, true)
	a2.expect(": waiting for a free turn, 1 ahead\n\n")

	// Bob's request goes before alice's second: a2 is told.
	bobDone := make(chan string, 1)
	go func() {
		resp, body := tr.chat(t, bobToken, chatBody(false, ""))
		bobDone <- resp.Status + " " + body
	}()
	a2.expect(": waiting for a free turn, 2 ahead\n\n")

	allow(tr.queue, 1) // a1 starts
	if got := a1.rest(); got != answer {
		t.Errorf("a1 after its turn: %q", got)
	}
	a2.expect(": waiting for a free turn, 1 ahead\n\n")
	allow(tr.queue, 1) // bob
	select {
	case got := <-bobDone:
		if !strings.HasPrefix(got, "200 ") || strings.Contains(got, "waiting") {
			t.Errorf("bob (not streamed) got %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("bob got no answer")
	}
	a2.expect(": waiting for a free turn, 0 ahead\n\n")
	allow(tr.queue, 1)
	if got := a2.rest(); got != answer {
		t.Errorf("a2 after its turn: %q", got)
	}
	want := ": waiting for a free turn, 1 ahead\n\n: waiting for a free turn, 2 ahead\n\n" +
		": waiting for a free turn, 1 ahead\n\n: waiting for a free turn, 0 ahead\n\n" + answer
	if a2.all.String() != want {
		t.Errorf("a2's whole stream:\n got %q\nwant %q", a2.all.String(), want)
	}
	waitFor(t, func() bool { return tr.usage.Snapshot().Students["alice"].TotalTokens == 2*149 }, "usage of both streams")
}

func TestWaitingCommentsThrottled(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Queue.KeepAlive = classapi.Duration(time.Hour) }, Options{gate: &manualGate{}})
	tr.commentGap = 150 * time.Millisecond
	ctx := context.Background()
	a1 := tr.open(t, ctx, aliceToken, true)
	a1.expect(": waiting for a free turn, 0 ahead\n\n")
	a2 := tr.open(t, ctx, aliceToken, true)
	a2.expect(": waiting for a free turn, 1 ahead\n\n")
	began := time.Now()
	tr.open(t, ctx, bobToken, true).expect(": waiting for a free turn, 1 ahead\n\n")   // a2: 2 ahead
	tr.open(t, ctx, carolToken, true).expect(": waiting for a free turn, 2 ahead\n\n") // a2: 3 ahead
	a2.expect(": waiting for a free turn, 3 ahead\n\n")                                // one comment for both changes
	if d := time.Since(began); d < 100*time.Millisecond {
		t.Errorf("the change came %v after the last comment, want the gap", d)
	}
}

func TestWaitingKeepAlive(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Queue.KeepAlive = classapi.Duration(20 * time.Millisecond) }, Options{gate: &manualGate{}})
	s := tr.open(t, context.Background(), aliceToken, true)
	for i := 0; i < 3; i++ {
		s.expect(": waiting for a free turn, 0 ahead\n\n")
	}
	allow(tr.queue, 1)
	// More keep-alives may have come before the turn; then the answer.
	if rest := s.rest(); strings.ReplaceAll(rest, ": waiting for a free turn, 0 ahead\n\n", "") != orDone {
		t.Errorf("rest %q", rest)
	}
}

func TestErrorAfterWait(t *testing.T) {
	for name, c := range map[string]struct {
		w    fakeWire
		want string
	}{
		"JSON error": {fakeWire{status: 429, header: map[string]string{"Content-Type": "application/json", "Retry-After": "1"},
			parts: []string{"{\n  \"error\": {\"message\": \"Rate limit exceeded: free-models-per-min.\", \"code\": 429}\n}"}},
			`data: {"error":{"message":"Rate limit exceeded: free-models-per-min.","code":429}}` + "\n\n"},
		"HTML page": {fakeWire{status: 502, header: map[string]string{"Content-Type": "text/html"}, parts: []string{"<html>bad gateway</html>"}},
			`data: {"error":{"message":"The AI provider (127.0.0.1:PORT) answered with status 502. Try again in a minute.","type":"upstream_error","code":502}}` + "\n\n"},
		"teacher key refused": {fakeWire{status: 401, header: map[string]string{"Content-Type": "application/json"}, parts: []string{`{"error":{"message":"User not found.","code":401}}`}},
			`"type":"upstream_key_refused","code":502}}` + "\n\n"},
	} {
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t, play(c.w))
			tr := startRelay(t, up, nil, Options{gate: &manualGate{}})
			s := tr.open(t, context.Background(), aliceToken, true)
			s.expect(": waiting for a free turn, 0 ahead\n\n")
			allow(tr.queue, 1)
			got := s.rest()
			want := strings.ReplaceAll(c.want, "127.0.0.1:PORT", strings.TrimPrefix(up.srv.URL, "http://"))
			if !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "data: ") || strings.Count(got, "\n\n") != 1 {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestQueueTimeout(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Queue.MaxWait = classapi.Duration(50 * time.Millisecond) }, Options{gate: &manualGate{}})
	resp, body := tr.chat(t, aliceToken, chatBody(false, ""))
	if e := errorOf(t, body); resp.StatusCode != 429 || e.Type != classapi.TypeQueueTimeout || resp.Header.Get("Retry-After") != "60" ||
		!strings.Contains(e.Message, "Wait a minute") {
		t.Errorf("non-stream: %d %+v %v", resp.StatusCode, e, resp.Header)
	}
	s := tr.open(t, context.Background(), aliceToken, true)
	s.expect(": waiting for a free turn, 0 ahead\n\n")
	if got := s.rest(); !strings.HasPrefix(got, `data: {"error":{"message":"The whole class is asking at once`) ||
		!strings.HasSuffix(got, `"type":"queue_timeout","code":429}}`+"\n\n") {
		t.Errorf("stream: %q", got)
	}
	if tr.queue.Waiting() != 0 || len(up.requests()) != 0 {
		t.Errorf("%d waiting, %d upstream requests", tr.queue.Waiting(), len(up.requests()))
	}
}

func TestQueueFullAnswer(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, func(c *Config) { c.Queue.MaxWaiting = 1 }, Options{gate: &manualGate{}})
	tr.open(t, context.Background(), aliceToken, true).expect(": waiting for a free turn, 0 ahead\n\n")
	resp, body := tr.chat(t, bobToken, chatBody(true, ""))
	if resp.StatusCode != 429 || errorOf(t, body).Type != classapi.TypeQueueFull {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orDone}}))
	tr := startRelay(t, up, nil, Options{gate: &manualGate{}})
	// A stream: the student stops after the first waiting comment.
	ctx, cancel := context.WithCancel(context.Background())
	s := tr.open(t, ctx, aliceToken, true)
	s.expect(": waiting for a free turn, 0 ahead\n\n")
	cancel()
	s.rest()
	waitFor(t, func() bool { return tr.queue.Waiting() == 0 }, "the cancelled stream leaves the queue")

	// Not streamed: nothing arrives until the turn, so cancel while it waits.
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tr.base+"/chat/completions", strings.NewReader(chatBody(false, "")))
		req.Header.Set("Authorization", "Bearer "+aliceToken)
		_, err := http.DefaultClient.Do(req)
		done <- err
	}()
	waitFor(t, func() bool { return tr.queue.Waiting() == 1 }, "the request waits")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v", err)
	}
	waitFor(t, func() bool { return tr.queue.Waiting() == 0 }, "the cancelled request leaves the queue")
	waitFor(t, func() bool { return strings.Count(tr.log.String(), "left while waiting") == 2 }, "both logged as left")

	// The next request gets the next turn.
	go allow(tr.queue, 1)
	if resp, body := tr.chat(t, bobToken, chatBody(true, "")); resp.StatusCode != 200 || !strings.HasSuffix(body, orDone) {
		t.Errorf("bob: %d %q", resp.StatusCode, body)
	}
	if n := len(up.requests()); n != 1 {
		t.Errorf("%d upstream requests, want 1 (bob's)", n)
	}
}

func TestGoOpenAIThroughWaitingStream(t *testing.T) {
	up := newUpstream(t, play(fakeWire{parts: []string{orComment, orReasoning, orContent1, orContent2, orFinish, orUsage, orDone}}))
	tr := startRelay(t, up, nil, Options{gate: &manualGate{}})
	cfg := openai.DefaultConfig(aliceToken)
	cfg.BaseURL = tr.base
	client := openai.NewClientWithConfig(cfg)
	go func() {
		waitFor(t, func() bool { return tr.queue.Waiting() == 1 }, "the stream waits")
		time.Sleep(20 * time.Millisecond)
		allow(tr.queue, 1)
	}()
	stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model: "openai/gpt-oss-120b:free", Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "How often?"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if text, _ := readStream(t, stream); text != "Feed your **Bankhar** twice a day." {
		t.Errorf("go-openai read %q", text)
	}
}
