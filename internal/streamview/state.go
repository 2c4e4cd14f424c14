package streamview

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/sse"
)

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

	explain func(error) string // words err for the result's Note
}

func newStreamState(t time.Time) *streamState { return &streamState{start: t} }

// apply adds a chunk received at time t.
func (s *streamState) apply(d sse.Delta, t time.Time) {
	if d.Reasoning != "" || d.Content != "" {
		s.chunks++
		if s.firstToken.IsZero() {
			s.firstToken = t
		}
	}
	if d.Reasoning != "" {
		s.reasoning = append(s.reasoning, d.Reasoning...)
	}
	if d.Content != "" {
		if s.firstContent.IsZero() {
			s.firstContent = t
		}
		s.text = append(s.text, d.Content...)
	}
	if d.Finish != "" {
		s.finish = d.Finish
	}
	if d.Usage != nil {
		s.usage = d.Usage
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

// Result is what Show read from a stream.
type Result struct {
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
	// context.Canceled when it was stopped. Note describes it.
	Err error
	// Stopped is true when the stream was stopped (interrupt or context).
	Stopped bool

	explain func(error) string // words Err for Note; nil: Err's own text
}

// result returns the state as a Result.
func (s *streamState) result() Result {
	r := Result{
		Text:         string(s.text),
		Reasoning:    string(s.reasoning),
		FinishReason: s.finish,
		Usage:        s.usage,
		Total:        s.end.Sub(s.start),
		Chunks:       s.chunks,
		Err:          s.err,
		Stopped:      errors.Is(s.err, context.Canceled),
		explain:      s.explain,
	}
	if !s.firstToken.IsZero() {
		r.FirstToken = s.firstToken.Sub(s.start)
	}
	if len(s.reasoning) > 0 && !s.firstContent.IsZero() {
		r.Thinking = s.firstContent.Sub(s.start)
	}
	return r
}
