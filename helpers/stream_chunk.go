package helpers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

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

// chunkDelta is what one chunk adds to the answer.
type chunkDelta struct {
	content   string
	reasoning string
	finish    string        // finish_reason, "" when null
	usage     *openai.Usage // nil unless this chunk carries usage
}

// parseChunk reads one chunk (the payload of a data line). It reads the
// first choice only (index 0); a chunk without choices may carry usage.
func parseChunk(raw []byte) (chunkDelta, error) {
	var c rawChunk
	if err := json.Unmarshal(raw, &c); err != nil {
		return chunkDelta{}, err
	}
	d := chunkDelta{usage: c.Usage}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		d.content = ch.Delta.Content + ch.Delta.Refusal
		d.reasoning = ch.Delta.reasoningText()
		d.finish = ch.FinishReason
		break
	}
	return d, nil
}

// streamState accumulates a streamed answer.
type streamState struct {
	start        time.Time
	firstToken   time.Time // first reasoning or answer text
	firstContent time.Time // first answer text
	end          time.Time

	text      []byte
	reasoning []byte
	chunks    int // chunks that carried text or reasoning

	finish string
	usage  *openai.Usage
	err    error // why the stream ended, nil when it ended normally
}

func newStreamState(t time.Time) *streamState { return &streamState{start: t} }

// apply adds a chunk received at time t.
func (s *streamState) apply(d chunkDelta, t time.Time) {
	if d.reasoning != "" || d.content != "" {
		s.chunks++
		if s.firstToken.IsZero() {
			s.firstToken = t
		}
	}
	if d.reasoning != "" {
		s.reasoning = append(s.reasoning, d.reasoning...)
	}
	if d.content != "" {
		if s.firstContent.IsZero() {
			s.firstContent = t
		}
		s.text = append(s.text, d.content...)
	}
	if d.finish != "" {
		s.finish = d.finish
	}
	if d.usage != nil {
		s.usage = d.usage
	}
}

// stop records the end of the stream at time t with err (io.EOF is a normal
// end).
func (s *streamState) stop(err error, t time.Time) {
	if s.end.IsZero() {
		s.end = t
	}
	if err != nil && !errors.Is(err, io.EOF) && s.err == nil {
		s.err = err
	}
}

// thinking reports whether reasoning arrived and the answer has not started.
func (s *streamState) thinking() bool { return len(s.reasoning) > 0 && s.firstContent.IsZero() }

// StreamResult is what ShowStream read from a stream.
type StreamResult struct {
	// Text is the answer (every content delta, in order), complete or not.
	Text string
	// Reasoning is the model's reasoning ("thinking"), if it sent any.
	Reasoning string
	// FinishReason is the provider's finish_reason: "stop", "length",
	// "content_filter", ...; "" when the stream ended without one.
	FinishReason string
	// Usage holds the token counts, when the server sent them.
	Usage *openai.Usage
	// FirstToken is the time from the start to the first text (reasoning or
	// answer); 0 when none came.
	FirstToken time.Duration
	// Thinking is the time from the start to the first answer text, when the
	// model sent reasoning first; 0 otherwise.
	Thinking time.Duration
	// Total is the time from the start to the end of the stream.
	Total time.Duration
	// Chunks counts the chunks that carried text or reasoning.
	Chunks int
	// Err says why the stream stopped early: nil when it ended normally,
	// context.Canceled when it was stopped. Explain(Err) describes it.
	Err error
	// Stopped is true when the stream was stopped (interrupt or context).
	Stopped bool
}

// result returns the state as a StreamResult.
func (s *streamState) result() StreamResult {
	r := StreamResult{
		Text:         string(s.text),
		Reasoning:    string(s.reasoning),
		FinishReason: s.finish,
		Usage:        s.usage,
		Total:        s.end.Sub(s.start),
		Chunks:       s.chunks,
		Err:          s.err,
		Stopped:      errors.Is(s.err, context.Canceled),
	}
	if !s.firstToken.IsZero() {
		r.FirstToken = s.firstToken.Sub(s.start)
	}
	if len(s.reasoning) > 0 && !s.firstContent.IsZero() {
		r.Thinking = s.firstContent.Sub(s.start)
	}
	return r
}
