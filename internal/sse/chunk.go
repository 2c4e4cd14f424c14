package sse

import (
	"encoding/json"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/wire"
)

// rawChunk is the part of a chat.completion.chunk the helpers read: package
// wire's choices, whose Delta keeps every field providers use for reasoning
// (go-openai's ChatCompletionStreamChoiceDelta does not), and go-openai's
// Usage, which the helpers hand on.
type rawChunk struct {
	Choices []wire.ChunkChoice `json:"choices"`
	Usage   *openai.Usage      `json:"usage"`
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
		d.Reasoning = ch.Delta.ReasoningText()
		if ch.FinishReason != nil {
			d.Finish = *ch.FinishReason
		}
		break
	}
	return d, nil
}
