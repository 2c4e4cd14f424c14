package helpers

import (
	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/connect"
	"github.com/k12notebooks/golessons/internal/explain"
	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/k12notebooks/golessons/internal/streamview"
)

// Connection says where a client configured by Connect sends its requests:
// its BaseURL, and whether it is the offline provider, has a key, or goes
// through a school's class relay. Its String method is the lesson's first
// line of output.
type Connection = connect.Connection

// The program's (the cell's) connection state: the secrets every message
// hides, the error details Explain uses, and the connector that fills them.
var (
	secrets   = &connect.Secrets{}
	explainer = &explain.Explainer{Secrets: secrets}
	connector = connect.New(secrets, connect.Hooks{
		OfflineChat:   func() { streamview.ShowOfflineLabel(nil) },
		Wait:          func() sse.Listener { return streamview.NewWaitNotice(nil) },
		ErrorResponse: explainer.Record,
		StreamError:   explainer.RecordEvent,
	})
)

func init() { explainer.Conn = connector.Current }

// APIKey returns the API key for the lesson: OPENROUTER_API_KEY, else
// OPENAI_API_KEY, from the environment or from the project's .env file. It
// returns "" when neither is set; Connect then starts the offline provider.
// On a school's hub with the class relay (GOLESSONS_CLASS_RELAY=1), it
// returns the student's own hub token, which the relay checks with the hub.
func APIKey() string { return connector.APIKey() }

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
func Connect(config openai.ClientConfig) openai.ClientConfig { return connector.Connect(config) }

// CurrentConnection returns where the last client configured by Connect sends
// its requests.
func CurrentConnection() Connection { return connector.Current() }
