package helpers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/sashabaranov/go-openai"
)

// ShowError outside a notebook writes one line to standard error.
func TestShowErrorWritesToStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	ShowError(&openai.APIError{HTTPStatusCode: 402, Message: "Insufficient credits"})
	ShowError(context.Canceled)
	ShowError(nil)
	os.Stderr = old
	w.Close()
	out, _ := io.ReadAll(r)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "⚠️ Your account has no credits") || lines[1] != "⏹ Stopped." {
		t.Errorf("stderr = %q", out)
	}
}

// A password or token in OPENAI_BASE_URL is in no text the lesson shows:
// not the first cell's line, not an error naming the server, not a server's
// echo of the request.
func TestBaseURLPasswordIsNeverShown(t *testing.T) {
	resetConfig(t)
	const password = "s3cr3t-pa55word"
	const token = "query-t0ken-987"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		// A careless server echoes everything it received.
		w.Write([]byte(`{"error":{"message":"upstream failed for ` + r.URL.String() + ` user ` + user + ":" + pass +
			` header ` + r.Header.Get("Authorization") + `","code":502}}`))
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://student:"+password+"@", 1) + "/v1?token=" + token
	t.Setenv(connect.BaseURLEnv, base)
	t.Setenv(connect.KeyEnv, "fake-or-v1-redact-key-0123456789")
	config := Connect(openai.DefaultConfig(APIKey()))
	shown := []string{CurrentConnection().String(), CurrentConnection().BaseURL}
	_, err := openai.NewClientWithConfig(config).CreateChatCompletion(context.Background(),
		openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}})
	if err == nil {
		t.Fatal("the request did not fail")
	}
	shown = append(shown, explainer.Explain(err), streamview.ErrorHTML(explainer.Explain(err), false))
	for _, s := range shown {
		for _, secret := range []string{password, token, "fake-or-v1-redact-key"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q shows a secret", s)
			}
		}
	}
	t.Log(strings.Join(shown, "\n"))
	if !strings.Contains(shown[0], "127.0.0.1") {
		t.Errorf("the first cell's line does not name the server: %q", shown[0])
	}
}

// A stream that failed to open (nil) is reported, not a panic.
func TestShowStreamNilStream(t *testing.T) {
	var s *openai.ChatCompletionStream
	r := ShowStream(t.Context(), s)
	if r.Err == nil || !strings.Contains(explainer.Explain(r.Err), "no stream to show") {
		t.Errorf("result %+v", r)
	}
}
