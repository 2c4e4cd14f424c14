package helpers

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/joho/godotenv"
	"github.com/sashabaranov/go-openai"

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
}

var (
	connMu  sync.Mutex
	conn    Connection
	secrets []string // keys to hide from any text the helpers print
	offSrv  *offline.Server
)

// APIKey returns the API key for the lesson: OPENROUTER_API_KEY, else
// OPENAI_API_KEY, from the environment or from the project's .env file. It
// returns "" when neither is set; Connect then starts the offline provider.
// On a school's hub with the class relay (RelayEnv), it returns the
// student's own hub token, which the relay checks with the hub.
func APIKey() string {
	connMu.Lock()
	defer connMu.Unlock()
	return apiKeyLocked()
}

// apiKeyLocked is APIKey for callers holding connMu.
func apiKeyLocked() string {
	names := []string{KeyEnv, OpenAIKeyEnv}
	if relayMode() {
		names = []string{HubTokenEnv} // the relay knows students by their hub token
	}
	for _, name := range names {
		if v := strings.TrimSpace(lookupEnv(name)); v != "" {
			rememberSecret(v)
			return v
		}
	}
	return ""
}

// relayMode reports whether the lesson runs on a school's hub with the
// class relay (see RelayEnv).
func relayMode() bool {
	return strings.TrimSpace(os.Getenv(RelayEnv)) == "1" && strings.TrimSpace(lookupEnv(BaseURLEnv)) != ""
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
func Connect(config openai.ClientConfig) openai.ClientConfig {
	connMu.Lock()
	defer connMu.Unlock()

	// go-openai keeps the key private, so ask the same place the lesson got it from.
	c := Connection{BaseURL: strings.TrimRight(config.BaseURL, "/"), HasKey: apiKeyLocked() != "", Relay: relayMode()}
	if override := strings.TrimSpace(lookupEnv(BaseURLEnv)); override != "" {
		c.BaseURL = strings.TrimRight(override, "/")
	} else if !c.HasKey {
		if offSrv == nil {
			srv, err := offline.Start(offline.Options{})
			if err != nil {
				// Without a server the request will fail with a clear
				// "connection refused" naming the address below.
				fmt.Fprintf(os.Stderr, "Could not start the offline sample provider: %v\n", err)
			} else {
				offSrv = srv
			}
		}
		if offSrv != nil {
			c.BaseURL = offSrv.URL()
		}
		c.Offline = true
	}
	config.BaseURL = c.BaseURL
	c.BaseURL = rememberURLSecrets(c.BaseURL) // what the lesson shows
	if config.EmptyMessagesLimit < emptyLinesLimit {
		config.EmptyMessagesLimit = emptyLinesLimit
	}
	base := http.DefaultTransport
	if hc, ok := config.HTTPClient.(*http.Client); ok && hc != nil && hc.Transport != nil {
		base = hc.Transport
	}
	config.HTTPClient = &http.Client{Transport: newTransport(base, c)}
	conn = c
	return config
}

// CurrentConnection returns where the last client configured by Connect sends
// its requests.
func CurrentConnection() Connection {
	connMu.Lock()
	defer connMu.Unlock()
	return conn
}

// lookupEnv returns the environment variable name, or its value in the .env
// file of the project that holds the notebook.
func lookupEnv(name string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return dotEnv()[name]
}

var (
	dotEnvOnce sync.Once
	dotEnvVals map[string]string
)

// dotEnv reads the first .env file found in the notebook's directory or the
// directories above it, up to the one holding go.mod.
func dotEnv() map[string]string {
	dotEnvOnce.Do(func() {
		dotEnvVals = map[string]string{}
		dir := os.Getenv("GONB_DIR")
		if dir == "" {
			dir, _ = os.Getwd()
		}
		for dir != "" {
			if vals, err := readDotEnv(filepath.Join(dir, ".env")); err == nil {
				dotEnvVals = vals
				return
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return dotEnvVals
}

// readDotEnv parses a .env file the way dotenv tools do (godotenv): NAME=value
// lines, comments, "export" prefixes, quoted values and "# comments" after
// a value. A byte-order mark at the start is skipped. When the file does not
// parse as a whole, each line is read on its own and the lines that fail are
// named on standard error, without quoting them (they may hold a key).
func readDotEnv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if vals, err := godotenv.UnmarshalBytes(data); err == nil {
		return vals, nil
	}
	vals := map[string]string{}
	var bad []string
	for i, line := range bytes.Split(data, []byte("\n")) {
		one, err := godotenv.UnmarshalBytes(line)
		if _, empty := one[""]; err != nil || empty {
			bad = append(bad, strconv.Itoa(i+1))
			continue
		}
		for k, v := range one {
			vals[k] = v
		}
	}
	if len(bad) == 0 {
		return vals, nil
	}
	fmt.Fprintf(os.Stderr, "⚠️ In the settings file %s, line %s could not be read and was ignored. "+
		"Each line must look like NAME=value (for example OPENROUTER_API_KEY=sk-or-...).\n",
		path, strings.Join(bad, ", "))
	return vals, nil
}

// String says in one line where requests go, for the lesson's first cell.
// It never includes the key.
func (c Connection) String() string {
	switch {
	case c.Relay:
		return "✅ Ready: requests go to your class relay at " + c.BaseURL + ". You are signed in with your " +
			"school account; your teacher's key stays on the server."
	case c.Offline:
		return "📴 No API key found, so the OFFLINE SAMPLE provider will answer (prepared text, not a real AI model).\n" +
			"   To go live, set OPENROUTER_API_KEY (see the README) and restart the kernel."
	case c.HasKey:
		return "✅ Ready: requests go to " + c.BaseURL + " (API key found; it stays hidden)."
	default:
		return "✅ Ready: requests go to " + c.BaseURL + " (no API key sent)."
	}
}
