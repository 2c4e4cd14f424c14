package streamview

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/sse"
)

// TextMark records how much answer text had arrived at a moment.
type TextMark struct {
	// At is the time since the requests were sent.
	At time.Duration
	// Bytes is the length of the answer text received by then.
	Bytes int
}

// CompareSide is one side of a comparison: the answer and when it came.
type CompareSide struct {
	// Text is the answer.
	Text string
	// FirstText is when the first answer text arrived (0 when none did).
	FirstText time.Duration
	// Thinking is when the first reasoning arrived, for a streamed answer
	// of a reasoning model (0 otherwise).
	Thinking time.Duration
	// Total is when the answer was complete (or failed).
	Total time.Duration
	// Marks says when text arrived; the non-streamed side has one mark.
	Marks []TextMark
	// Err is why the request failed, nil when it did not.
	Err error
}

// Comparison is the outcome of Compare.
type Comparison struct {
	// Waiting is the answer of CreateChatCompletion, which arrives whole.
	Waiting CompareSide
	// Streaming is the answer of CreateChatCompletionStream.
	Streaming CompareSide
}

// maxMarks bounds the marks kept for the timeline.
const maxMarks = 2000

// livePanelBytes bounds the text of each panel while the comparison runs.
const livePanelBytes = 3000

// ChatAPI is the part of *openai.Client a comparison uses (see ChatClient).
type ChatAPI interface {
	CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
	CreateChatCompletionStream(context.Context, openai.ChatCompletionRequest) (sse.RawStream, error)
}

// ChatClient is the ChatAPI of a go-openai client.
type ChatClient struct{ Client *openai.Client }

// CreateChatCompletion implements ChatAPI.
func (c ChatClient) CreateChatCompletion(ctx context.Context, r openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	return c.Client.CreateChatCompletion(ctx, r)
}

// CreateChatCompletionStream implements ChatAPI.
func (c ChatClient) CreateChatCompletionStream(ctx context.Context, r openai.ChatCompletionRequest) (sse.RawStream, error) {
	s, err := c.Client.CreateChatCompletionStream(ctx, r)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// race holds both sides while they run.
type race struct {
	explain func(error) string

	mu      sync.Mutex
	start   time.Time
	wait    CompareSide
	stream  CompareSide
	text    []byte // streamed text so far
	waitEnd bool
	strEnd  bool
	changed bool
}

// Compare sends request twice at the same moment, once with
// CreateChatCompletion and once with CreateChatCompletionStream, and shows
// the two answers side by side as they arrive through s (nil: plain text to
// w at the end), then a timeline of when text appeared on each side.
// request.Stream is set for each call as needed; explain words errors.
func Compare(ctx context.Context, api ChatAPI, request openai.ChatCompletionRequest, s Sink, w io.Writer, explain func(error) string) Comparison {
	r := &race{start: now(), explain: explain}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		r.runWaiting(ctx, api, request)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		r.runStream(ctx, api, request)
	}()
	id := newDisplayPrefix("compare") + "1"
	if s != nil {
		s.Show(id, KindHTML, r.html(now(), false))
	}
	r.watch(done, func(t time.Time) {
		if s != nil {
			s.Show(id, KindHTML, r.html(t, false))
		}
	})
	c := r.comparison()
	if s != nil {
		s.Show(id, KindHTML, r.html(now(), true))
	} else {
		writeComparison(w, c, explain)
	}
	return c
}

// watch calls show every updateGap while something changed or another
// second passed, until both sides are done.
func (r *race) watch(done <-chan struct{}, show func(t time.Time)) {
	tick := time.NewTicker(updateGap)
	defer tick.Stop()
	lastSecond := -1
	for finished := 0; finished < 2; {
		select {
		case <-done:
			finished++
		case t := <-tick.C:
			r.mu.Lock()
			sec := int(t.Sub(r.start) / time.Second)
			changed := r.changed || sec != lastSecond
			r.changed = false
			r.mu.Unlock()
			if changed {
				lastSecond = sec
				show(t)
			}
		}
	}
}

// comparison returns both sides as they are now.
func (r *race) comparison() Comparison {
	c := Comparison{Waiting: r.wait, Streaming: r.stream}
	c.Streaming.Text = string(r.text)
	return c
}

// runWaiting runs the side without streaming.
func (r *race) runWaiting(ctx context.Context, api ChatAPI, request openai.ChatCompletionRequest) {
	req := request
	req.Stream = false
	resp, err := api.CreateChatCompletion(ctx, req)
	t := now().Sub(r.start)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wait.Total, r.wait.Err = t, err
	if err == nil && len(resp.Choices) > 0 {
		r.wait.Text = resp.Choices[0].Message.Content
	}
	if r.wait.Text != "" {
		r.wait.FirstText = t
		r.wait.Marks = []TextMark{{At: t, Bytes: len(r.wait.Text)}}
	}
	r.waitEnd, r.changed = true, true
}

// runStream reads the streamed side.
func (r *race) runStream(ctx context.Context, api ChatAPI, request openai.ChatCompletionRequest) {
	req := request
	req.Stream = true
	stream, err := api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		r.mu.Lock()
		r.stream.Err, r.stream.Total, r.strEnd, r.changed = err, now().Sub(r.start), true, true
		r.mu.Unlock()
		return
	}
	defer stream.Close()
	at, err := sse.Read(stream, now, func(d sse.Delta, at time.Time) bool {
		r.add(d, at.Sub(r.start))
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stream.Total, r.strEnd, r.changed = at.Sub(r.start), true, true
	if err != io.EOF {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		r.stream.Err = err
	}
}

// add records a chunk of the streamed side that arrived at t.
func (r *race) add(d sse.Delta, t time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d.Reasoning != "" && r.stream.Thinking == 0 {
		r.stream.Thinking = t
	}
	if d.Content == "" {
		return
	}
	if r.stream.FirstText == 0 {
		r.stream.FirstText = t
	}
	r.text = append(r.text, d.Content...)
	r.stream.Marks = append(r.stream.Marks, TextMark{At: t, Bytes: len(r.text)})
	if len(r.stream.Marks) > maxMarks {
		r.stream.Marks = thinMarks(r.stream.Marks)
	}
	r.changed = true
}

// thinMarks halves the marks, keeping the first and the last.
func thinMarks(m []TextMark) []TextMark {
	out := m[:0]
	for i := range m {
		if i%2 == 0 || i == len(m)-1 {
			out = append(out, m[i])
		}
	}
	return out
}

// Summary says in one sentence what the comparison showed.
func (c Comparison) Summary() string {
	w, s := c.Waiting, c.Streaming
	switch {
	case w.Err != nil || s.Err != nil:
		return "One of the requests failed, so the times do not compare; see the message above and run the cell again."
	case s.FirstText == 0 || w.FirstText == 0:
		return "One of the answers was empty, so the times do not compare; run the cell again."
	}
	return fmt.Sprintf("With streaming the first words appeared after %s and the answer was complete after %s; "+
		"without streaming nothing appeared for %s, then the whole answer at once.",
		seconds(s.FirstText), seconds(s.Total), seconds(w.Total))
}

// compareColumn is one side of the comparison, for the "compare" view.
type compareColumn struct{ Title, Status, Text, Err string }

// html renders the two columns at time t; final adds the timeline picture
// and the summary, and makes the answers scrollable panels.
func (r *race) html(t time.Time, final bool) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	elapsed := t.Sub(r.start)
	status := "⏳ waiting for the whole answer… " + seconds(elapsed)
	if r.waitEnd {
		status = "✅ complete after " + seconds(r.wait.Total) + " (nothing showed before)"
		if r.wait.Err != nil {
			status = "⚠️ failed after " + seconds(r.wait.Total)
		}
	}
	// While the streamed side still runs, each column shows at most
	// livePanelBytes of its answer, so that an update stays small however
	// long the answers are (the final panels hold them whole).
	waitText, text := r.wait.Text, string(r.text)
	if !final {
		waitText, text = headString(waitText, livePanelBytes), tailString(r.text, livePanelBytes)
	}
	cols := []compareColumn{{"Without streaming", status, waitText, r.explainErr(r.wait.Err)}}
	cols = append(cols, compareColumn{"With streaming", r.streamStatus(elapsed), text, r.explainErr(r.stream.Err)})
	data := struct {
		Columns  []compareColumn
		Final    bool
		Timeline *timeline
		Summary  string
	}{Columns: cols, Final: final}
	if final {
		c := r.comparison()
		data.Timeline, data.Summary = newTimeline(c), c.Summary()
	}
	return renderView("compare", data)
}

// explainErr words err for a column, "" for nil.
func (r *race) explainErr(err error) string { return wordError(r.explain, err) }

// streamStatus is the status line of the streamed side.
func (r *race) streamStatus(elapsed time.Duration) string {
	switch {
	case r.strEnd && r.stream.Err != nil:
		return "⚠️ failed after " + seconds(r.stream.Total)
	case r.strEnd:
		return "✅ first words after " + seconds(r.stream.FirstText) + ", complete after " + seconds(r.stream.Total)
	case r.stream.FirstText > 0:
		return "✍️ first words after " + seconds(r.stream.FirstText) + ", still writing… " + seconds(elapsed)
	case r.stream.Thinking > 0:
		return "💭 thinking… " + seconds(elapsed)
	}
	return "⏳ waiting for the first words… " + seconds(elapsed)
}

// writeComparison prints a comparison as plain text.
func writeComparison(w io.Writer, c Comparison, explain func(error) string) {
	side := func(name string, s CompareSide) {
		fmt.Fprintf(w, "── %s ──\n", name)
		if s.Err != nil {
			fmt.Fprintln(w, "⚠️ "+wordError(explain, s.Err))
		}
		if s.Text != "" {
			fmt.Fprintln(w, strings.TrimRight(s.Text, "\n"))
		}
	}
	side("Without streaming: complete after "+seconds(c.Waiting.Total), c.Waiting)
	side("With streaming: first words after "+seconds(c.Streaming.FirstText)+", complete after "+
		seconds(c.Streaming.Total), c.Streaming)
	fmt.Fprintln(w, c.Summary())
}
