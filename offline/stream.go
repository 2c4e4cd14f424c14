package offline

import (
	"github.com/k12notebooks/golessons/internal/wire"

	"bytes"
	"context"
	"math"
	"net/http"
	"strconv"
	"time"
)

// keepAliveComment is OpenRouter's SSE comment, sent while the model thinks.
const keepAliveComment = ": OPENROUTER PROCESSING\n\n"

// Outcomes of a generation, for the log.
const (
	outcomeDone = "done"
	outcomeGone = "stopped: the client went away or the server closed"
)

// generation is one answer being produced, streamed or not.
type generation struct {
	opts      Options
	model     string
	id        string
	created   int64
	start     time.Time
	reasoning []string // reasoning tokens to send
	content   []string // content tokens to send; nil in bench mode
	benchN    int      // content tokens in bench mode
	finish    string   // "stop", or "length" when max tokens cut the answer
	prompt    int      // prompt tokens
	interval  float64  // seconds per token; 0 means no pauses

	sent          int // tokens sent so far, reasoning included
	sentReasoning int
	outcome       string
	buf           bytes.Buffer
}

// newGeneration plans the answer to req.
func newGeneration(opts Options, req *chatRequest) *generation {
	now := time.Now()
	g := &generation{
		opts:    opts,
		model:   req.Model,
		id:      newID(now),
		created: now.Unix(),
		start:   now,
		finish:  "stop",
		outcome: outcomeDone,
	}
	question := ""
	for _, m := range req.Messages {
		text := m.text()
		g.prompt += countTokens(text) + 4 // a few tokens of chat template per message
		if m.Role == "user" {
			question = text
		}
	}
	g.prompt += 3
	if opts.Bench {
		g.benchN = opts.Tokens
		if opts.Reasoning != "" {
			g.reasoning = Tokenize(opts.Reasoning)
		}
	} else {
		answer, reasoning := pickAnswer(opts, question)
		g.content = Tokenize(answer)
		g.reasoning = Tokenize(reasoning)
	}
	limit := req.MaxCompletionTokens
	if limit <= 0 {
		limit = req.MaxTokens
	}
	if limit > 0 && g.planned() > limit {
		g.finish = "length"
		if len(g.reasoning) > limit {
			g.reasoning = g.reasoning[:limit]
		}
		left := limit - len(g.reasoning)
		if opts.Bench {
			g.benchN = left
		} else {
			g.content = g.content[:left]
		}
	}
	if r := opts.TokensPerSecond; r > 0 && !math.IsInf(r, 1) {
		g.interval = 1 / r
	}
	return g
}

// contentTokens returns the number of content tokens planned.
func (g *generation) contentTokens() int {
	if g.opts.Bench {
		return g.benchN
	}
	return len(g.content)
}

// planned returns the number of tokens planned, reasoning included.
func (g *generation) planned() int {
	return len(g.reasoning) + g.contentTokens()
}

// due returns when token i (counting reasoning tokens first) is to be sent;
// due(planned()) is when the answer is complete.
func (g *generation) due(i int) time.Time {
	return g.start.Add(g.opts.ThinkTime + time.Duration(float64(i)*g.interval*float64(time.Second)))
}

// contentToken returns content token i, as sent now.
func (g *generation) contentToken(i int) string {
	if g.opts.Bench {
		return BenchToken(i, time.Now())
	}
	return g.content[i]
}

// usage returns the token counts of what was sent.
func (g *generation) usage() *wire.Usage {
	return &wire.Usage{
		PromptTokens:            g.prompt,
		CompletionTokens:        g.sent,
		TotalTokens:             g.prompt + g.sent,
		CompletionTokensDetails: wire.CompletionTokensDetails{ReasoningTokens: g.sentReasoning},
	}
}

// stream sends the answer as OpenRouter's server-sent events, one event per
// token on schedule, and stops when ctx is done or a write fails.
func (g *generation) stream(ctx context.Context, w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	o := &sseOut{g: g, w: w, rc: http.NewResponseController(w), p: newPacer(ctx)}
	defer o.p.stop()
	c := wire.Chunk{ID: g.id, Provider: Provider, Model: g.model, Object: "chat.completion.chunk", Created: g.created,
		Choices: []wire.ChunkChoice{{}}}
	c.Choices[0].Delta.Role = "assistant"
	if o.think() && o.reasoning(&c) && o.content(&c) {
		o.finish(&c)
	}
}

// sseOut sends a generation's events on schedule; a failed write or the end
// of the request marks the generation's outcome gone.
type sseOut struct {
	g  *generation
	w  http.ResponseWriter
	rc *http.ResponseController
	p  *pacer
}

// send writes b and flushes it.
func (o *sseOut) send(b []byte) bool {
	if _, err := o.w.Write(b); err != nil {
		o.g.outcome = outcomeGone
		return false
	}
	if err := o.rc.Flush(); err != nil {
		o.g.outcome = outcomeGone
		return false
	}
	return true
}

// wait waits until t.
func (o *sseOut) wait(t time.Time) bool {
	if !o.p.until(t) {
		o.g.outcome = outcomeGone
		return false
	}
	return true
}

// think waits for the think time, sending keep-alive comments.
func (o *sseOut) think() bool {
	g := o.g
	if !o.send([]byte(keepAliveComment)) {
		return false
	}
	thinkEnd := g.start.Add(g.opts.ThinkTime)
	for next := g.start.Add(g.opts.KeepAlive); next.Before(thinkEnd); next = next.Add(g.opts.KeepAlive) {
		if !o.wait(next) || !o.send([]byte(keepAliveComment)) {
			return false
		}
	}
	return true
}

// reasoning sends the reasoning, one event per token.
func (o *sseOut) reasoning(c *wire.Chunk) bool {
	g := o.g
	choice := &c.Choices[0]
	var text string
	details := []wire.ReasoningDetail{{Type: "reasoning.text", Format: "unknown"}}
	for i, tok := range g.reasoning {
		if !o.wait(g.due(i)) {
			return false
		}
		text = tok
		details[0].Text = tok
		choice.Delta.Reasoning = &text
		choice.Delta.ReasoningDetails = details
		if !o.send(g.event(c)) {
			return false
		}
		g.sent++
		g.sentReasoning++
	}
	choice.Delta.Reasoning = nil
	choice.Delta.ReasoningDetails = nil
	return true
}

// content sends the answer, one event per token.
func (o *sseOut) content(c *wire.Chunk) bool {
	g := o.g
	n := g.contentTokens()
	for i := 0; i < n; i++ {
		if !o.wait(g.due(len(g.reasoning) + i)) {
			return false
		}
		c.Choices[0].Delta.Content = g.contentToken(i)
		if !o.send(g.event(c)) {
			return false
		}
		g.sent++
	}
	return true
}

// finish sends the finish chunk, the usage chunk and [DONE].
func (o *sseOut) finish(c *wire.Chunk) {
	g := o.g
	choice := &c.Choices[0]
	choice.Delta.Content = ""
	choice.FinishReason = &g.finish
	choice.NativeFinishReason = &g.finish
	if !o.send(g.event(c)) {
		return
	}
	c.Choices = []wire.ChunkChoice{}
	c.Usage = g.usage()
	if !o.send(g.event(c)) {
		return
	}
	o.send([]byte("data: [DONE]\n\n"))
}

// event returns c as one SSE data event. The bytes are valid until the next
// call.
func (g *generation) event(c *wire.Chunk) []byte {
	g.buf.Reset()
	g.buf.WriteString("data: ")
	if err := wire.EncodeJSON(&g.buf, c); err != nil {
		// Only strings and numbers are encoded; this cannot happen.
		panic("offline provider: encode chunk: " + err.Error())
	}
	g.buf.WriteString("\n\n")
	return g.buf.Bytes()
}

// complete waits as long as the stream would have taken and then writes the
// whole answer as one chat.completion.
func (g *generation) complete(ctx context.Context, w http.ResponseWriter) {
	p := newPacer(ctx)
	defer p.stop()
	if !p.until(g.due(g.planned())) {
		g.outcome = outcomeGone
		return
	}
	var content bytes.Buffer
	for i := range g.contentTokens() {
		content.WriteString(g.contentToken(i))
	}
	var reasoning bytes.Buffer
	for _, tok := range g.reasoning {
		reasoning.WriteString(tok)
	}
	g.sent = g.planned()
	g.sentReasoning = len(g.reasoning)
	msg := wire.Message{Role: "assistant", Content: content.String()}
	if reasoning.Len() > 0 {
		r := reasoning.String()
		msg.Reasoning = &r
		msg.ReasoningDetails = []wire.ReasoningDetail{{Type: "reasoning.text", Text: r, Format: "unknown"}}
	}
	writeJSON(w, http.StatusOK, wire.Completion{
		ID: g.id, Provider: Provider, Model: g.model, Object: "chat.completion", Created: g.created,
		Choices: []wire.CompletionChoice{{FinishReason: g.finish, NativeFinishReason: g.finish, Message: msg}},
		Usage:   g.usage(),
	})
}

// pacer sleeps until given times, waking early when its context is done.
// One timer serves a whole stream.
type pacer struct {
	ctx   context.Context
	timer *time.Timer
}

// newPacer returns a pacer for ctx; call stop when done.
func newPacer(ctx context.Context) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{ctx: ctx, timer: t}
}

// until sleeps until t and reports whether the context is still live.
func (p *pacer) until(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return p.ctx.Err() == nil
	}
	p.timer.Reset(d)
	select {
	case <-p.ctx.Done():
		p.timer.Stop()
		return false
	case <-p.timer.C:
		return true
	}
}

// stop releases the pacer's timer.
func (p *pacer) stop() { p.timer.Stop() }

// formatRate is used in logs and messages.
func formatRate(r float64) string {
	if r <= 0 || math.IsInf(r, 1) {
		return "unpaced"
	}
	return strconv.FormatFloat(r, 'f', -1, 64) + " tokens/s"
}
