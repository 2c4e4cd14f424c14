package helpers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
)

func TestRedactFindsSecretsByShape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://alice:pa55word@hub.example/v1", "http://[hidden]@hub.example/v1"},
		{"https://tok3n123@hub.example/v1/chat", "https://[hidden]@hub.example/v1/chat"},
		{"GET https://h/v1?key=AIzaSy123&x=1", "GET https://h/v1?key=[hidden]&x=1"},
		{"url https://h/v1?api_key=abc&token=def", "url https://h/v1?api_key=[hidden]&token=[hidden]"},
		{"access_token=zzz9 in a form", "access_token=[hidden] in a form"},
		{`{"headers":{"Authorization":"Bearer fake-or-v1-echoed-0123456789"}}`, `{"headers":{"Authorization":"Bearer [hidden]"}}`},
		{"authorization: Basic dXNlcjpwYXNz", "authorization: Basic [hidden]"},
		{"you sent bearer abcdefgh12345678 to us", "you sent bearer [hidden] to us"},
		{"a monkey=banana and key ring", "a monkey=banana and key ring"},
		{"https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1"},
		{"write to teacher@school.example", "write to teacher@school.example"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
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
	t.Setenv(BaseURLEnv, base)
	t.Setenv(KeyEnv, "fake-or-v1-redact-key-0123456789")
	config := Connect(openai.DefaultConfig(APIKey()))
	shown := []string{CurrentConnection().String(), CurrentConnection().BaseURL}
	_, err := openai.NewClientWithConfig(config).CreateChatCompletion(context.Background(),
		openai.ChatCompletionRequest{Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}})
	if err == nil {
		t.Fatal("the request did not fail")
	}
	shown = append(shown, Explain(err), errorHTML(Explain(err), false))
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
