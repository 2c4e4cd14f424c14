// Package wire is the one model of the chat-completions wire format that
// this module writes and reads where go-openai's types do not serve: the
// streamed chunk, the whole completion, the usage object and the error
// body, with OpenRouter's field names and order.
//
// The offline provider writes these types (so its bytes look like
// OpenRouter's), the class relay reads usage and answer text from them, and
// internal/sse reads a chunk's text and reasoning from them. The fields a
// writer leaves empty are omitted only where OpenRouter omits them, so one
// type serves both directions. Requests are go-openai's (the notebooks send
// them) or the relay's own strict reading (relay/fields.go).
package wire

import (
	"bytes"
	"encoding/json"
)

// Chunk is one streamed chat.completion.chunk event.
type Chunk struct {
	// ID is the completion's id, the same in every chunk.
	ID string `json:"id"`
	// Provider is OpenRouter's name of the provider that answered.
	Provider string `json:"provider"`
	// Model is the model that answered.
	Model string `json:"model"`
	// Object is "chat.completion.chunk".
	Object string `json:"object"`
	// Created is the Unix time of the completion's start.
	Created int64 `json:"created"`
	// Choices holds one choice (index 0); the last chunk may have none.
	Choices []ChunkChoice `json:"choices"`
	// Usage is set on the chunk that reports the tokens used.
	Usage *Usage `json:"usage,omitempty"`
}

// ChunkChoice is a chunk's choice.
type ChunkChoice struct {
	// Index is the choice's index; the lessons ask for one choice, 0.
	Index int `json:"index"`
	// Delta is what the chunk adds.
	Delta Delta `json:"delta"`
	// FinishReason is null until the last chunk of the choice.
	FinishReason *string `json:"finish_reason"`
	// NativeFinishReason is the provider's own finish reason (OpenRouter).
	NativeFinishReason *string `json:"native_finish_reason"`
	// Logprobs is always null here.
	Logprobs *struct{} `json:"logprobs"`
}

// Delta is the new text in a chunk. Reading, a null content reads as ""
// (llama.cpp's first delta).
type Delta struct {
	// Role is "assistant".
	Role string `json:"role"`
	// Content is the answer text.
	Content string `json:"content"`
	// Refusal is a refusal's text (OpenAI); read, never written.
	Refusal string `json:"refusal,omitempty"`
	// Reasoning is OpenRouter's (and Ollama's and vLLM's) reasoning text.
	Reasoning *string `json:"reasoning,omitempty"`
	// ReasoningContent is llama.cpp's and DeepSeek's; read, never written.
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// ReasoningDetails is OpenRouter's structured form of the reasoning.
	ReasoningDetails []ReasoningDetail `json:"reasoning_details,omitempty"`
}

// ReasoningText returns the delta's reasoning. Providers that send the same
// text twice (reasoning and reasoning_details, or reasoning and
// reasoning_content) are read once: the first non-empty of reasoning,
// reasoning_content and reasoning_details wins.
func (d *Delta) ReasoningText() string {
	if d.Reasoning != nil && *d.Reasoning != "" {
		return *d.Reasoning
	}
	if d.ReasoningContent != "" {
		return d.ReasoningContent
	}
	var s string
	for _, rd := range d.ReasoningDetails {
		switch {
		case rd.Text != "":
			s += rd.Text
		case rd.Summary != "":
			s += rd.Summary
		}
	}
	return s
}

// ReasoningDetail is one entry of OpenRouter's reasoning_details array.
type ReasoningDetail struct {
	// Type is e.g. "reasoning.text" or "reasoning.summary".
	Type string `json:"type"`
	// Text is the reasoning text of a "reasoning.text" entry.
	Text string `json:"text"`
	// Format is OpenRouter's format name, "unknown" here.
	Format string `json:"format"`
	// Index is the entry's place.
	Index int `json:"index"`
	// Summary is the text of a "reasoning.summary" entry; read, never written.
	Summary string `json:"summary,omitempty"`
}

// Usage counts tokens as OpenRouter reports them.
type Usage struct {
	// PromptTokens counts the request's tokens.
	PromptTokens int `json:"prompt_tokens"`
	// CompletionTokens counts the answer's tokens, reasoning included.
	CompletionTokens int `json:"completion_tokens"`
	// TotalTokens is the sum of both.
	TotalTokens int `json:"total_tokens"`
	// Cost is OpenRouter's price of the request, in credits.
	Cost float64 `json:"cost"`
	// IsBYOK tells whether the user's own provider key was used.
	IsBYOK bool `json:"is_byok"`
	// PromptTokensDetails breaks PromptTokens down.
	PromptTokensDetails PromptTokensDetails `json:"prompt_tokens_details"`
	// CompletionTokensDetails breaks CompletionTokens down.
	CompletionTokensDetails CompletionTokensDetails `json:"completion_tokens_details"`
}

// PromptTokensDetails is part of Usage.
type PromptTokensDetails struct {
	// CachedTokens counts prompt tokens read from the provider's cache.
	CachedTokens int `json:"cached_tokens"`
}

// CompletionTokensDetails is part of Usage.
type CompletionTokensDetails struct {
	// ReasoningTokens counts the reasoning's tokens.
	ReasoningTokens int `json:"reasoning_tokens"`
}

// Completion is a whole chat.completion, the answer to a request without
// streaming.
type Completion struct {
	// ID is the completion's id.
	ID string `json:"id"`
	// Provider is OpenRouter's name of the provider that answered.
	Provider string `json:"provider"`
	// Model is the model that answered.
	Model string `json:"model"`
	// Object is "chat.completion".
	Object string `json:"object"`
	// Created is the Unix time of the completion.
	Created int64 `json:"created"`
	// Choices holds one choice.
	Choices []CompletionChoice `json:"choices"`
	// Usage counts the tokens used; nil reading an answer without usage.
	Usage *Usage `json:"usage"`
}

// CompletionChoice is a completion's choice.
type CompletionChoice struct {
	// Logprobs is always null here.
	Logprobs *struct{} `json:"logprobs"`
	// FinishReason says why the answer ended: "stop" or "length".
	FinishReason string `json:"finish_reason"`
	// NativeFinishReason is the provider's own finish reason (OpenRouter).
	NativeFinishReason string `json:"native_finish_reason"`
	// Index is the choice's index, 0.
	Index int `json:"index"`
	// Message is the answer.
	Message Message `json:"message"`
}

// Message is the answer in a completion.
type Message struct {
	// Role is "assistant".
	Role string `json:"role"`
	// Content is the answer text.
	Content string `json:"content"`
	// Refusal is null here.
	Refusal *string `json:"refusal"`
	// Reasoning is the reasoning text, or null.
	Reasoning *string `json:"reasoning"`
	// ReasoningDetails is the structured form of Reasoning.
	ReasoningDetails []ReasoningDetail `json:"reasoning_details,omitempty"`
}

// ErrorBody is the error answer of OpenAI-compatible servers:
// {"error":{"message":…,"type":…,"code":…}}. OpenRouter leaves out the type.
type ErrorBody struct {
	// Error is the error.
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	// Message says what went wrong.
	Message string `json:"message"`
	// Type names the kind of error; the class relay's are in package
	// classapi. Empty is left out.
	Type string `json:"type,omitempty"`
	// Code is the HTTP status of the answer (OpenRouter's and the relay's
	// convention).
	Code int `json:"code"`
}

// ErrorJSON returns the ErrorBody of status, typ and message as compact
// JSON, without a trailing newline.
func ErrorJSON(status int, typ, message string) []byte {
	var buf bytes.Buffer
	EncodeJSON(&buf, ErrorBody{Error: ErrorDetail{Message: message, Type: typ, Code: status}}) // cannot fail
	return buf.Bytes()
}

// EncodeJSON appends v to buf as compact JSON without a trailing newline and
// without escaping <, > and & (OpenRouter does not escape them).
func EncodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // the newline Encode adds
	return nil
}
