package offline

import (
	"bytes"
	"encoding/json"
)

// The JSON types below follow OpenRouter's field names and order, so that the
// bytes on the wire look like OpenRouter's.

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

// chunk is one streamed chat.completion.chunk event.
type chunk struct {
	ID       string        `json:"id"`
	Provider string        `json:"provider"`
	Model    string        `json:"model"`
	Object   string        `json:"object"`
	Created  int64         `json:"created"`
	Choices  []chunkChoice `json:"choices"`
	Usage    *usage        `json:"usage,omitempty"`
}

// chunkChoice is a chunk's only choice.
type chunkChoice struct {
	Index              int       `json:"index"`
	Delta              delta     `json:"delta"`
	FinishReason       *string   `json:"finish_reason"`
	NativeFinishReason *string   `json:"native_finish_reason"`
	Logprobs           *struct{} `json:"logprobs"`
}

// delta is the new text in a chunk.
type delta struct {
	Role             string            `json:"role"`
	Content          string            `json:"content"`
	Reasoning        *string           `json:"reasoning,omitempty"`
	ReasoningDetails []reasoningDetail `json:"reasoning_details,omitempty"`
}

// reasoningDetail is one entry of OpenRouter's reasoning_details array.
type reasoningDetail struct {
	Type   string `json:"type"`
	Text   string `json:"text"`
	Format string `json:"format"`
	Index  int    `json:"index"`
}

// usage counts tokens as OpenRouter reports them.
type usage struct {
	PromptTokens            int                     `json:"prompt_tokens"`
	CompletionTokens        int                     `json:"completion_tokens"`
	TotalTokens             int                     `json:"total_tokens"`
	Cost                    float64                 `json:"cost"`
	IsBYOK                  bool                    `json:"is_byok"`
	PromptTokensDetails     promptTokensDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails completionTokensDetails `json:"completion_tokens_details"`
}

// promptTokensDetails is part of usage.
type promptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// completionTokensDetails is part of usage.
type completionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// completion is a whole chat.completion, the answer to a request without
// streaming.
type completion struct {
	ID       string             `json:"id"`
	Provider string             `json:"provider"`
	Model    string             `json:"model"`
	Object   string             `json:"object"`
	Created  int64              `json:"created"`
	Choices  []completionChoice `json:"choices"`
	Usage    usage              `json:"usage"`
}

// completionChoice is a completion's only choice.
type completionChoice struct {
	Logprobs           *struct{} `json:"logprobs"`
	FinishReason       string    `json:"finish_reason"`
	NativeFinishReason string    `json:"native_finish_reason"`
	Index              int       `json:"index"`
	Message            message   `json:"message"`
}

// message is the answer in a completion.
type message struct {
	Role             string            `json:"role"`
	Content          string            `json:"content"`
	Refusal          *string           `json:"refusal"`
	Reasoning        *string           `json:"reasoning"`
	ReasoningDetails []reasoningDetail `json:"reasoning_details,omitempty"`
}

// errorBody is OpenRouter's error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

// errorDetail is the error inside errorBody.
type errorDetail struct {
	Message string `json:"message"`
	Code    int    `json:"code"`
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

// encodeJSON appends v to buf as compact JSON without a trailing newline and
// without escaping <, > and & (OpenRouter does not escape them).
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // the newline Encode adds
	return nil
}
