package connect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
)

// resetConfig clears the environment variables the lessons read and
// returns a new Connector.
func resetConfig(t *testing.T) *Connector {
	t.Helper()
	for _, name := range []string{KeyEnv, OpenAIKeyEnv, BaseURLEnv} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("GONB_DIR", t.TempDir())
	return New(&Secrets{}, Hooks{})
}

func TestReadDotEnv(t *testing.T) {
	cases := []struct {
		name, content string
		want          map[string]string
	}{
		{"comments, export and quotes",
			"# a comment\n\nexport OPENROUTER_API_KEY=\"sk-or-quoted\"\nOPENAI_BASE_URL = http://localhost:11434/v1 \nSINGLE='x y'\n",
			map[string]string{"OPENROUTER_API_KEY": "sk-or-quoted", "OPENAI_BASE_URL": "http://localhost:11434/v1", "SINGLE": "x y"}},
		{"byte-order mark", "\uFEFFOPENROUTER_API_KEY=sk-or-bom\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-bom"}},
		{"export and a tab", "export\tOPENROUTER_API_KEY=sk-or-tab\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-tab"}},
		{"comment after a value", "OPENROUTER_API_KEY=sk-or-c # my key\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-c"}},
		{"comment after a quoted value", "OPENROUTER_API_KEY=\"sk-or-q\" # my key\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-q"}},
		{"hash inside a value", "OPENAI_BASE_URL=http://h/v1#frag\n", map[string]string{"OPENAI_BASE_URL": "http://h/v1#frag"}},
		{"CRLF", "OPENROUTER_API_KEY=sk-or-crlf\r\nB=2\r\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-crlf", "B": "2"}},
		{"a broken line is skipped", "OPENROUTER_API_KEY=sk-or-ok\nBROKEN LINE\nB=2\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-ok", "B": "2"}},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), ".env")
		if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readDotEnv(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %d entries %v, want %v", c.name, len(got), got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, got[k], v)
			}
		}
	}
}

func TestAPIKeyFromDotEnvAboveNotebook(t *testing.T) {
	cn := resetConfig(t)
	root := t.TempDir()
	nbDir := filepath.Join(root, "notebooks")
	os.MkdirAll(nbDir, 0o755)
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644)
	os.WriteFile(filepath.Join(root, ".env"), []byte("OPENROUTER_API_KEY=sk-or-from-dotenv-123\n"), 0o600)
	t.Setenv("GONB_DIR", nbDir)
	if got := cn.APIKey(); got != "sk-or-from-dotenv-123" {
		t.Fatalf("cn.APIKey() = %q, want the key from .env", got)
	}
	// The real environment wins over .env.
	t.Setenv(KeyEnv, "sk-or-from-env-456")
	if got := cn.APIKey(); got != "sk-or-from-env-456" {
		t.Fatalf("cn.APIKey() = %q, want the environment's key", got)
	}
	if got := cn.Secrets.Redact("key sk-or-from-env-456 and sk-or-from-dotenv-123"); strings.Contains(got, "sk-or") {
		t.Fatalf("Redact left a key in %q", got)
	}
}

func TestOpenAIKeyIsTheFallback(t *testing.T) {
	cn := resetConfig(t)
	t.Setenv(OpenAIKeyEnv, "sk-openai-fallback")
	if got := cn.APIKey(); got != "sk-openai-fallback" {
		t.Fatalf("cn.APIKey() = %q", got)
	}
}

func TestConnectWithoutKeyUsesOfflineProvider(t *testing.T) {
	cn := resetConfig(t)
	config := openai.DefaultConfig(cn.APIKey())
	config.BaseURL = "https://openrouter.ai/api/v1"
	config = cn.Connect(config)
	c := cn.Current()
	if !c.Offline || c.HasKey {
		t.Fatalf("connection = %+v, want offline without key", c)
	}
	if !strings.HasPrefix(config.BaseURL, "http://127.0.0.1:") {
		t.Fatalf("BaseURL = %q, want the local offline provider", config.BaseURL)
	}
	if !strings.Contains(c.String(), "OFFLINE SAMPLE") {
		t.Errorf("String() = %q does not say offline", c)
	}
	resp, err := openai.NewClientWithConfig(config).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    "openai/gpt-oss-120b:free",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "How many times a day should I feed my Mongolian Bankhar, and what food is best?"}},
	})
	if err != nil {
		t.Fatalf("offline request failed: %v", err)
	}
	if len(resp.Choices) == 0 || !strings.Contains(strings.ToLower(resp.Choices[0].Message.Content), "offline") {
		t.Fatalf("offline answer not labelled: %+v", resp.Choices)
	}
}

func TestConnectBaseURLOverrideAndKey(t *testing.T) {
	cn := resetConfig(t)
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`))
	}))
	defer srv.Close()
	t.Setenv(KeyEnv, "fake-or-v1-secret-for-test")
	t.Setenv(BaseURLEnv, srv.URL+"/v1/")
	config := openai.DefaultConfig(cn.APIKey())
	config.BaseURL = "https://openrouter.ai/api/v1"
	config = cn.Connect(config)
	if config.BaseURL != srv.URL+"/v1" {
		t.Fatalf("BaseURL = %q, want the override", config.BaseURL)
	}
	if config.EmptyMessagesLimit < 100000 {
		t.Errorf("EmptyMessagesLimit = %d, want a limit long thinks cannot reach", config.EmptyMessagesLimit)
	}
	c := cn.Current()
	if c.Offline || !c.HasKey {
		t.Fatalf("connection = %+v", c)
	}
	if s := c.String(); strings.Contains(s, "secret") || !strings.Contains(s, srv.URL) {
		t.Errorf("String() = %q", s)
	}
	if _, err := openai.NewClientWithConfig(config).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "m"}); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer fake-or-v1-secret-for-test" {
		t.Errorf("server saw Authorization %q", gotAuth)
	}
}
