package offline

import (
	"bytes"
	"encoding/json"
)

// The request and the model list; the answer's types (chunks, completions,
// usage, errors) are package wire's, shared with the relay and the helpers.

// chatRequest is the part of a chat-completions request the server reads.
type chatRequest struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	Stream              bool          `json:"stream"`
	MaxTokens           int           `json:"max_tokens"`
	MaxCompletionTokens int           `json:"max_completion_tokens"`
}

// chatMessage is one request message. Content is a string or an array of
// parts ({"type":"text","text":"…"}).
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// text returns the message's text, joining the text parts of a multi-part
// content.
func (m chatMessage) text() string {
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(m.Content, &parts) != nil {
		return ""
	}
	var b bytes.Buffer
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// model is one entry of GET /models, with OpenRouter's and OpenAI's fields.
type model struct {
	ID            string `json:"id"`
	Object        string `json:"object"`
	Created       int64  `json:"created"`
	OwnedBy       string `json:"owned_by"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	ContextLength int    `json:"context_length"`
}

// modelList is the body of GET /models.
type modelList struct {
	Object string  `json:"object"`
	Data   []model `json:"data"`
}
