package sse

import (
	"encoding/json"

	"github.com/sashabaranov/go-openai"
)

// rawDelta is the part of a streamed chunk's delta the helpers read. Unlike
// go-openai's ChatCompletionStreamChoiceDelta it keeps every field providers
// use for reasoning.
type rawDelta struct {
	Content string `json:"content"` // null (llama.cpp's first delta) reads as ""
	Refusal string `json:"refusal"`
	// Reasoning is OpenRouter's (and Ollama's and vLLM's) reasoning text.
	Reasoning string `json:"reasoning"`
	// ReasoningContent is llama.cpp's and DeepSeek's.
	ReasoningContent string `json:"reasoning_content"`
	// ReasoningDetails is OpenRouter's structured form of the same text.
	ReasoningDetails []reasoningDetail `json:"reasoning_details"`
}

// reasoningDetail is one entry of reasoning_details.
type reasoningDetail struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	Summary string `json:"summary"`
}

// reasoningText returns the delta's reasoning. Providers that send the same
// text twice (reasoning and reasoning_details, or reasoning and
// reasoning_content) are read once: the first non-empty of reasoning,
// reasoning_content and reasoning_details wins.
func (d *rawDelta) reasoningText() string {
	if d.Reasoning != "" {
		return d.Reasoning
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

// rawChunk is one chat.completion.chunk as the helpers read it.
type rawChunk struct {
	Choices []struct {
		Index        int      `json:"index"`
		Delta        rawDelta `json:"delta"`
		FinishReason string   `json:"finish_reason"`
	} `json:"choices"`
	Usage *openai.Usage `json:"usage"`
}

// Delta is what one chunk adds to the answer.
type Delta struct {
	// Content is the answer text (a refusal's text too).
	Content string
	// Reasoning is the reasoning ("thinking") text, read from whichever
	// field the provider uses.
	Reasoning string
	// Finish is the finish_reason, "" when null.
	Finish string
	// Usage is nil unless this chunk carries usage.
	Usage *openai.Usage
}

// ParseChunk reads one chunk (the payload of a data line). It reads the
// first choice only (index 0); a chunk without choices may carry usage.
func ParseChunk(raw []byte) (Delta, error) {
	var c rawChunk
	if err := json.Unmarshal(raw, &c); err != nil {
		return Delta{}, err
	}
	d := Delta{Usage: c.Usage}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		d.Content = ch.Delta.Content + ch.Delta.Refusal
		d.Reasoning = ch.Delta.reasoningText()
		d.Finish = ch.FinishReason
		break
	}
	return d, nil
}
