package helpers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/hubtest"
	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/sashabaranov/go-openai"
)

// testKey is the fake API key of the tests; no output may contain it.
const testKey = "fake-or-v1-test-5f1e0c9a7b3d2e4f6a8b0c1d2e3f4a5b"

// wire describes what a test server sends, byte for byte.
type wire struct {
	status int               // 0 means 200
	header map[string]string // response headers; Content-Type defaults to text/event-stream
	parts  []string          // body pieces, each written and flushed in turn
	gap    time.Duration     // pause between parts
	cut    bool              // after the parts, cut the connection mid-body (no chunked terminator)
	hang   bool              // after the parts, wait until the client goes away
}

// serve starts a server that answers POST .../chat/completions with w, and
// records the request bodies it received.
func serve(t *testing.T, w wire) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			http.NotFound(rw, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		if w.cut {
			if err := hubtest.WriteCut(rw, w.gap, w.parts...); err != nil {
				t.Error(err)
			}
			return
		}
		h := rw.Header()
		h.Set("Content-Type", "text/event-stream")
		for k, v := range w.header {
			h.Set(k, v)
		}
		status := w.status
		if status == 0 {
			status = http.StatusOK
		}
		rw.WriteHeader(status)
		for i, p := range w.parts {
			if i > 0 && w.gap > 0 {
				time.Sleep(w.gap)
			}
			if _, err := io.WriteString(rw, p); err != nil {
				return
			}
			rw.(http.Flusher).Flush()
		}
		if w.hang {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// resetConfig clears the environment variables the lessons read, and the
// .env values the connector read before.
func resetConfig(t *testing.T) {
	t.Helper()
	for _, name := range []string{connect.KeyEnv, connect.OpenAIKeyEnv, connect.BaseURLEnv} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("GONB_DIR", t.TempDir())
	connector.ForgetDotEnv()
}

// connectTo returns a go-openai client configured by Connect for the lesson,
// with the test key and OPENAI_BASE_URL pointing at baseURL.
func connectTo(t *testing.T, baseURL string) *openai.Client {
	t.Helper()
	resetConfig(t)
	t.Setenv(connect.KeyEnv, testKey)
	t.Setenv(connect.BaseURLEnv, baseURL)
	config := openai.DefaultConfig(APIKey())
	config.BaseURL = "https://openrouter.ai/api/v1"
	return openai.NewClientWithConfig(Connect(config))
}

// lessonRequest is the lesson's request.
func lessonRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model: "openai/gpt-oss-120b:free",
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You are an expert in dogs, based in Mongolia."},
			{Role: openai.ChatMessageRoleUser, Content: "How many times a day should I feed my Mongolian Bankhar?"},
		},
		Stream: true,
	}
}

// mirrorLoop runs the lesson's plain loop (print each delta's content through
// a Printer) and returns what it printed and the error that ended it, nil at
// io.EOF. The request error, if any, is returned as is.
func mirrorLoop(t *testing.T, client *openai.Client) (string, error) {
	t.Helper()
	stream, err := client.CreateChatCompletionStream(context.Background(), lessonRequest())
	if err != nil {
		return "", err
	}
	defer stream.Close()
	var buf bytes.Buffer
	out := streamview.NewPrinterTo(&buf)
	defer out.Close()
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Close()
			return buf.String(), err
		}
		if len(chunk.Choices) > 0 {
			fmt.Fprint(out, chunk.Choices[0].Delta.Content)
		}
	}
	out.Close()
	return buf.String(), nil
}

// shown is what ShowStream displayed through a fake sink.
type shown struct {
	res  StreamResult
	sink *streamview.Recorder
	err  error // the request error, when the stream did not start
}

// showStream runs ShowStream's loop against client with a fake sink.
func showStream(t *testing.T, ctx context.Context, client *openai.Client) shown {
	t.Helper()
	stream, err := client.CreateChatCompletionStream(ctx, lessonRequest())
	if err != nil {
		return shown{err: err}
	}
	sink := &streamview.Recorder{}
	res := streamview.Run(ctx, stream, streamview.NewLive(sink), explainer.Explain)
	return shown{res: res, sink: sink}
}

// noKey fails the test if any of the texts contains the API key.
func noKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, testKey) || strings.Contains(s, testKey[10:]) {
			t.Errorf("the API key appears in output: %q", s)
		}
	}
}

// noStackTrace fails the test if a text looks like a Go panic or stack trace.
func noStackTrace(t *testing.T, s string) {
	t.Helper()
	for _, w := range []string{"goroutine ", ".go:", "panic:", "runtime."} {
		if strings.Contains(s, w) {
			t.Errorf("output looks like a stack trace (%q): %q", w, s)
		}
	}
}

// sseLines reads the rewritten event stream of a body, for transport tests.
func sseLines(t *testing.T, r io.Reader) []string {
	t.Helper()
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

// jsonQuote returns s as a JSON string.
func jsonQuote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}
