package helpers

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/sashabaranov/go-openai"
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

// Comparison is the outcome of CompareStreaming.
type Comparison struct {
	// Waiting is the answer of CreateChatCompletion, which arrives whole.
	Waiting CompareSide
	// Streaming is the answer of CreateChatCompletionStream.
	Streaming CompareSide
}

// maxMarks bounds the marks kept for the timeline.
const maxMarks = 2000

// CompareStreaming sends the same request twice at the same moment, once
// with CreateChatCompletion (the whole answer arrives at the end) and once
// with CreateChatCompletionStream, and shows the two answers side by side as
// they arrive, each with its elapsed time, then a timeline (SVG) of when text
// appeared on each side.
//
// The two requests run concurrently rather than one after the other: the
// student watches one side fill in while the other stays blank, which is the
// difference the lesson asks about, and both meet the same server load at
// the same moment, so the times compare fairly. (It costs two requests of a
// free model's rate limit at once; models answer differently each time, so
// the two texts differ.)
//
// request.Stream is set for each call as needed. Stopping the cell (see
// Context) cancels both requests.
func CompareStreaming(ctx context.Context, client *openai.Client, request openai.ChatCompletionRequest) Comparison {
	flushPrinters()
	if CurrentConnection().Offline {
		showOfflineLabel(nil) // above the comparison, not below it
	}
	var s sink
	if gonbui.IsNotebook {
		s = gonbSink{}
	}
	c := compare(ctx, chatClient{client}, request, s, os.Stdout)
	syncDisplay()
	return c
}

// chatAPI is the part of *openai.Client a comparison uses.
type chatAPI interface {
	CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
	CreateChatCompletionStream(context.Context, openai.ChatCompletionRequest) (RawStream, error)
}

type chatClient struct{ c *openai.Client }

func (c chatClient) CreateChatCompletion(ctx context.Context, r openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	return c.c.CreateChatCompletion(ctx, r)
}

func (c chatClient) CreateChatCompletionStream(ctx context.Context, r openai.ChatCompletionRequest) (RawStream, error) {
	s, err := c.c.CreateChatCompletionStream(ctx, r)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// race holds both sides while they run.
type race struct {
	mu      sync.Mutex
	start   time.Time
	wait    CompareSide
	stream  CompareSide
	text    []byte // streamed text so far
	waitEnd bool
	strEnd  bool
	changed bool
}

// compare runs the comparison, showing it through s (nil: plain text to w).
func compare(ctx context.Context, api chatAPI, request openai.ChatCompletionRequest, s sink, w io.Writer) Comparison {
	r := &race{start: now()}
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
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
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		r.runStream(ctx, api, request)
	}()

	id := newDisplayPrefix("compare") + "1"
	if s != nil {
		s.show(id, kindHTML, r.html(now(), false))
	}
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
			show := r.changed || sec != lastSecond
			r.changed = false
			r.mu.Unlock()
			if show && s != nil {
				lastSecond = sec
				s.show(id, kindHTML, r.html(t, false))
			}
		}
	}
	c := Comparison{Waiting: r.wait, Streaming: r.stream}
	c.Streaming.Text = string(r.text)
	if s != nil {
		s.show(id, kindHTML, r.html(now(), true))
	} else {
		writeComparison(w, c)
	}
	return c
}

// runStream reads the streamed side.
func (r *race) runStream(ctx context.Context, api chatAPI, request openai.ChatCompletionRequest) {
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
	for {
		raw, err := stream.RecvRaw()
		t := now().Sub(r.start)
		if err != nil {
			r.mu.Lock()
			r.stream.Total, r.strEnd, r.changed = t, true, true
			if err != io.EOF {
				if ctx.Err() != nil {
					err = ctx.Err()
				}
				r.stream.Err = err
			}
			r.mu.Unlock()
			return
		}
		d, perr := parseChunk(raw)
		if perr != nil {
			continue
		}
		r.mu.Lock()
		if d.reasoning != "" && r.stream.Thinking == 0 {
			r.stream.Thinking = t
		}
		if d.content != "" {
			if r.stream.FirstText == 0 {
				r.stream.FirstText = t
			}
			r.text = append(r.text, d.content...)
			r.stream.Marks = append(r.stream.Marks, TextMark{At: t, Bytes: len(r.text)})
			if len(r.stream.Marks) > maxMarks {
				r.stream.Marks = thinMarks(r.stream.Marks)
			}
			r.changed = true
		}
		r.mu.Unlock()
	}
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
	cols := []compareColumn{{"Without streaming", status, r.wait.Text, Explain(r.wait.Err)}}
	text := string(r.text)
	if !final {
		text = tailString(r.text, 3000)
	}
	cols = append(cols, compareColumn{"With streaming", r.streamStatus(elapsed), text, Explain(r.stream.Err)})
	data := struct {
		Columns  []compareColumn
		Final    bool
		Timeline *timeline
		Summary  string
	}{Columns: cols, Final: final}
	if final {
		c := Comparison{Waiting: r.wait, Streaming: r.stream}
		c.Streaming.Text = string(r.text)
		data.Timeline, data.Summary = newTimeline(c), c.Summary()
	}
	return renderView("compare", data)
}

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

// timeline is the "timeline" view: the share of each answer visible over
// time, with and without streaming.
type timeline struct {
	W, H, Left, Right, LabelX, PlotH int
	Y0, Y1, Y1Label, Y0Label         float64
	TickEnd, TickLabel               float64
	Ticks                            []timelineTick
	Band                             *timelineBand
	Series                           []timelineSeries
}

type timelineTick struct {
	X     float64
	Label string
}

type timelineBand struct{ X, W, TextX, TextY float64 }

type timelineSeries struct {
	Points, Color, Label string
	LY, TextY            int
}

// newTimeline lays out the timeline picture of c.
func newTimeline(c Comparison) *timeline {
	const (
		w, h         = 640, 170
		left, right  = 90, 20
		top, bottom  = 24, 36
		plotW, plotH = w - left - right, h - top - bottom
	)
	end := max(c.Waiting.Total, c.Streaming.Total, time.Second)
	x := func(d time.Duration) float64 { return left + float64(d)/float64(end)*plotW }
	y := func(share float64) float64 { return top + (1-share)*plotH }
	tl := &timeline{W: w, H: h, Left: left, Right: w - right, LabelX: left - 4, PlotH: plotH,
		Y0: y(0), Y1: y(1), Y1Label: y(1) + 4, Y0Label: y(0) + 4, TickEnd: y(0) + 4, TickLabel: y(0) + 16}
	step := tickStep(end)
	for d := time.Duration(0); d <= end; d += step {
		tl.Ticks = append(tl.Ticks, timelineTick{x(d), fmt.Sprintf("%g s", d.Seconds())})
	}
	if s := c.Streaming; s.Thinking > 0 && s.FirstText > s.Thinking {
		tl.Band = &timelineBand{x(s.Thinking), x(s.FirstText) - x(s.Thinking), x(s.Thinking) + 3, y(1) + 12}
	}
	series := func(side CompareSide, color, label string, ly int) timelineSeries {
		total := len(side.Text)
		if total == 0 {
			for _, m := range side.Marks {
				total = max(total, m.Bytes)
			}
		}
		pts := []string{fmt.Sprintf("%.1f,%.1f", x(0), y(0))}
		last := 0.0
		for _, m := range side.Marks {
			share := 1.0
			if total > 0 {
				share = float64(m.Bytes) / float64(total)
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x(m.At), y(last), x(m.At), y(share)))
			last = share
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(end), y(last)))
		return timelineSeries{strings.Join(pts, " "), color, label, ly, ly + 4}
	}
	tl.Series = []timelineSeries{
		series(c.Waiting, "#d62728", "waiting", top+40),
		series(c.Streaming, "#1f77b4", "streaming", top+60),
	}
	return tl
}

// tickStep picks a tick interval giving at most about ten ticks.
func tickStep(end time.Duration) time.Duration {
	for _, s := range []time.Duration{time.Second / 4, time.Second / 2, time.Second, 2 * time.Second,
		5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute} {
		if end/s <= 10 {
			return s
		}
	}
	return 5 * time.Minute
}

// writeComparison prints a comparison as plain text.
func writeComparison(w io.Writer, c Comparison) {
	side := func(name string, s CompareSide) {
		fmt.Fprintf(w, "── %s ──\n", name)
		if s.Err != nil {
			fmt.Fprintln(w, "⚠️ "+Explain(s.Err))
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
