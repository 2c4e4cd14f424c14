// Package connect points a go-openai client at the lesson's server:
// OpenRouter, another OpenAI-compatible server, a school's class relay, or
// the offline sample provider. It finds the API key (environment or .env),
// installs a transport that repairs event streams (package sse) and keeps
// error details, and remembers every secret it sees so that Secrets.Redact
// can hide it.
package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/classapi"
	"github.com/k12notebooks/golessons/offline"
)

// Environment variables the lessons read. A .env file at the project root
// (beside go.mod) may set them too; real environment variables win.
const (
	// KeyEnv holds the OpenRouter API key.
	KeyEnv = "OPENROUTER_API_KEY"
	// OpenAIKeyEnv holds a key for another OpenAI-compatible server; it is used
	// when KeyEnv is not set.
	OpenAIKeyEnv = "OPENAI_API_KEY"
	// BaseURLEnv overrides the base URL a lesson uses, for example
	// http://localhost:11434/v1 for Ollama.
	BaseURLEnv = "OPENAI_BASE_URL"
	// RelayEnv, set to 1 on a school's JupyterHub, says that OPENAI_BASE_URL
	// is the class relay: the student's own hub token (HubTokenEnv) is then
	// the API key, and the teacher's key stays with the relay.
	RelayEnv = "GOLESSONS_CLASS_RELAY"
	// HubTokenEnv holds the token JupyterHub gives each student's server.
	HubTokenEnv = "JUPYTERHUB_API_TOKEN"
)

// emptyLinesLimit replaces go-openai's default of 300 keep-alive lines in a row:
// a reasoning model on OpenRouter can send more than that while it thinks.
const emptyLinesLimit = 1 << 20

// Connection says where a client configured by Connect sends its requests.
type Connection struct {
	// BaseURL is the server's address, for example https://openrouter.ai/api/v1.
	BaseURL string
	// Offline is true when the offline sample provider answers.
	Offline bool
	// HasKey is true when an API key was found. The key itself is never kept here.
	HasKey bool
	// Relay is true when requests go to a school's class relay, signed with
	// the student's hub token.
	Relay bool
	// Class is what the class relay says about the class (its GET class):
	// whether the teacher can read the conversations, the teacher's
	// instructions to the AI, a pause. Nil when the relay did not say.
	Class *classapi.ClassNotice
}

// Connector connects the clients of one program (a cell) and keeps what
// they share: the current Connection, the secrets seen, the .env file's
// values and the offline provider, started at most once.
type Connector struct {
	// Secrets receives every key and URL secret the Connector sees.
	Secrets *Secrets
	// Hooks are installed in the transport of each client.
	Hooks Hooks

	mu     sync.Mutex
	conn   Connection
	offSrv *offline.Server
	env    dotEnvCache
}

// New returns a Connector that remembers secrets in secrets.
func New(secrets *Secrets, hooks Hooks) *Connector {
	return &Connector{Secrets: secrets, Hooks: hooks}
}

// APIKey returns the API key for the lesson: OPENROUTER_API_KEY, else
// OPENAI_API_KEY, from the environment or from the project's .env file. It
// returns "" when neither is set; Connect then starts the offline provider.
// On a school's hub with the class relay (RelayEnv), it returns the
// student's own hub token, which the relay checks with the hub.
func (c *Connector) APIKey() string {
	names := []string{KeyEnv, OpenAIKeyEnv}
	if c.relayMode() {
		names = []string{HubTokenEnv} // the relay knows students by their hub token
	}
	for _, name := range names {
		if v := strings.TrimSpace(c.lookupEnv(name)); v != "" {
			c.Secrets.Remember(v)
			return v
		}
	}
	return ""
}

// relayMode reports whether the lesson runs on a school's hub with the
// class relay (see RelayEnv).
func (c *Connector) relayMode() bool {
	return strings.TrimSpace(os.Getenv(RelayEnv)) == "1" && strings.TrimSpace(c.lookupEnv(BaseURLEnv)) != ""
}

// Connect finishes a go-openai configuration for a lesson cell and returns it.
// Make config with the key from APIKey: go-openai keeps a configuration's key
// private, so Connect looks for the key where APIKey does.
//
//   - OPENAI_BASE_URL, when set, replaces config.BaseURL.
//   - With no API key and no override, it starts the offline sample provider on
//     127.0.0.1 and points the configuration at it. Every answer is then
//     labelled as an offline sample in the cell output.
//   - It raises go-openai's limit on keep-alive lines, so that a long "think"
//     does not end the stream, and installs a transport that keeps streams
//     readable when a provider sends errors or cuts the connection.
func (c *Connector) Connect(config openai.ClientConfig) openai.ClientConfig {
	c.mu.Lock()
	defer c.mu.Unlock()

	// go-openai keeps the key private, so ask the same place the lesson got it from.
	conn := Connection{BaseURL: strings.TrimRight(config.BaseURL, "/"), HasKey: c.APIKey() != "", Relay: c.relayMode()}
	if override := strings.TrimSpace(c.lookupEnv(BaseURLEnv)); override != "" {
		conn.BaseURL = strings.TrimRight(override, "/")
	} else if !conn.HasKey {
		conn.BaseURL, conn.Offline = c.offlineURL(), true
	}
	config.BaseURL = conn.BaseURL
	conn.BaseURL = c.Secrets.HideURL(conn.BaseURL) // what the lesson shows
	if config.EmptyMessagesLimit < emptyLinesLimit {
		config.EmptyMessagesLimit = emptyLinesLimit
	}
	base := http.DefaultTransport
	if hc, ok := config.HTTPClient.(*http.Client); ok && hc != nil && hc.Transport != nil {
		base = hc.Transport
	}
	client := &http.Client{Transport: &Transport{Base: base, Conn: conn, Hooks: c.Hooks, Secrets: c.Secrets}}
	config.HTTPClient = client
	if conn.Relay {
		conn.Class = classNotice(&http.Client{Transport: base}, config.BaseURL, c.APIKey())
	}
	c.conn = conn
	return config
}

// offlineURL returns the address of the offline sample provider, started on
// 127.0.0.1 the first time. The caller holds c.mu.
func (c *Connector) offlineURL() string {
	if c.offSrv == nil {
		srv, err := offline.Start(offline.Options{})
		if err != nil {
			// Without a server the request will fail with a clear
			// "connection refused" naming the address below.
			fmt.Fprintf(os.Stderr, "Could not start the offline sample provider: %v\n", err)
			return ""
		}
		c.offSrv = srv
	}
	return c.offSrv.URL()
}

// Current returns where the last client configured by Connect sends
// its requests.
func (c *Connector) Current() Connection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn
}

// String says in one line where requests go, for the lesson's first cell.
// It never includes the key.
func (c Connection) String() string {
	switch {
	case c.Relay:
		return "✅ Ready: requests go to your class relay at " + c.BaseURL + ". You are signed in with your " +
			"school account; your teacher's key stays on the server." + classLines(c.Class)
	case c.Offline:
		return "📴 No API key found, so the OFFLINE SAMPLE provider will answer (prepared text, not a real AI model).\n" +
			"   To go live, set OPENROUTER_API_KEY (see docs/setup.md) and restart the kernel."
	case c.HasKey:
		return "✅ Ready: requests go to " + c.BaseURL + " (API key found; it stays hidden)."
	default:
		return "✅ Ready: requests go to " + c.BaseURL + " (no API key sent)."
	}
}

// classNoticeTimeout bounds the question to the relay about the class.
const classNoticeTimeout = 5 * time.Second

// classNotice asks the class relay at base (…/v1) for its GET class with
// the student's token; nil when it does not answer one.
func classNotice(client *http.Client, base, token string) *classapi.ClassNotice {
	ctx, cancel := context.WithTimeout(context.Background(), classNoticeTimeout)
	defer cancel()
	url := strings.TrimSuffix(strings.TrimRight(base, "/"), "/v1") + "/" + classapi.ClassPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var n classapi.ClassNotice
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&n) != nil {
		return nil
	}
	return &n
}

// classLines returns the connect cell's lines about the class: whether the
// teacher can read the conversations, the teacher's instructions to the
// AI, a pause. Without an answer from the relay it says the cautious thing.
func classLines(n *classapi.ClassNotice) string {
	if n == nil {
		return "\n👀 Your teacher may be able to see what you ask the AI."
	}
	var b strings.Builder
	if n.Kept {
		fmt.Fprintf(&b, "\n👀 Your teacher can see what you ask the AI and its answers (kept on the school's server for %d days).", n.RetentionDays)
	}
	if t := strings.TrimSpace(n.Instructions); t != "" {
		fmt.Fprintf(&b, "\n📝 Your teacher gave the AI these instructions, sent before your messages: “%s”", t)
	}
	if n.Paused {
		b.WriteString("\n⏸ Your teacher has paused the AI for now: your requests will not be sent until it is turned back on.")
	}
	return b.String()
}
