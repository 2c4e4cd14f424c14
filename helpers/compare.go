package helpers

import (
	"context"
	"fmt"
	"html"
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
		s.show(id, kindHTML, r.html(now(), true)+timelineSVG(c)+`<div style="margin-top:.3em">`+
			html.EscapeString(c.Summary())+`</div>`)
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

// html renders the two columns at time t.
func (r *race) html(t time.Time, final bool) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	elapsed := t.Sub(r.start)
	var b strings.Builder
	b.WriteString(`<div style="display:flex;gap:1em;flex-wrap:wrap;align-items:flex-start">`)
	// Waiting side.
	status := "⏳ waiting for the whole answer… " + seconds(elapsed)
	if r.waitEnd {
		status = "✅ complete after " + seconds(r.wait.Total) + " (nothing showed before)"
		if r.wait.Err != nil {
			status = "⚠️ failed after " + seconds(r.wait.Total)
		}
	}
	column(&b, "Without streaming", status, r.wait.Text, r.wait.Err, final)
	// Streaming side.
	status = "⏳ waiting for the first words… " + seconds(elapsed)
	switch {
	case r.strEnd && r.stream.Err != nil:
		status = "⚠️ failed after " + seconds(r.stream.Total)
	case r.strEnd:
		status = "✅ first words after " + seconds(r.stream.FirstText) + ", complete after " + seconds(r.stream.Total)
	case r.stream.FirstText > 0:
		status = "✍️ first words after " + seconds(r.stream.FirstText) + ", still writing… " + seconds(elapsed)
	case r.stream.Thinking > 0:
		status = "💭 thinking… " + seconds(elapsed)
	}
	text := string(r.text)
	if !final {
		text = tailString(r.text, 3000)
	}
	column(&b, "With streaming", status, text, r.stream.Err, final)
	b.WriteString(`</div>`)
	return b.String()
}

// column writes one side.
func column(b *strings.Builder, title, status, text string, err error, final bool) {
	b.WriteString(`<div style="flex:1;min-width:16em;border:1px solid rgba(128,128,128,.4);border-radius:6px;padding:.5em .8em">`)
	b.WriteString(`<div style="font-weight:bold">` + html.EscapeString(title) + `</div>`)
	b.WriteString(`<div style="color:#777;font-size:.85em;margin-bottom:.4em">` + html.EscapeString(status) + `</div>`)
	if err != nil {
		b.WriteString(`<div role="alert">` + html.EscapeString(Explain(err)) + `</div>`)
	}
	if !final {
		b.WriteString(`<div style="white-space:pre-wrap">` + html.EscapeString(text) + `</div></div>`)
		return
	}
	// A scrolling panel: reachable by keyboard, and named for screen readers.
	b.WriteString(`<div style="white-space:pre-wrap;max-height:24em;overflow:auto" tabindex="0" role="region" aria-label="` +
		html.EscapeString("Answer "+strings.ToLower(title)) + `">` + html.EscapeString(text) + `</div></div>`)
}

// timelineSVG draws the share of each answer visible over time.
func timelineSVG(c Comparison) string {
	const (
		w, h         = 640, 170
		left, right  = 90, 20
		top, bottom  = 24, 36
		plotW, plotH = w - left - right, h - top - bottom
	)
	end := max(c.Waiting.Total, c.Streaming.Total, time.Second)
	x := func(d time.Duration) float64 { return left + float64(d)/float64(end)*plotW }
	y := func(share float64) float64 { return top + (1-share)*plotH }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" `+
		`role="img" aria-label="When text appeared, with and without streaming" style="font:12px sans-serif">`, w, h, w, h)
	fmt.Fprintf(&b, `<text x="%d" y="14" fill="#555">Share of the answer on screen over time</text>`, left)
	// Axes and ticks.
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999"/>`, left, y(0), w-right, y(0))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999"/>`, left, y(0), left, y(1))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#777">100%%</text>`, left-4, y(1)+4)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#777">0%%</text>`, left-4, y(0)+4)
	step := tickStep(end)
	for d := time.Duration(0); d <= end; d += step {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999"/>`, x(d), y(0), x(d), y(0)+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#777">%g s</text>`, x(d), y(0)+16, d.Seconds())
	}
	// Thinking band of the streamed side.
	if s := c.Streaming; s.Thinking > 0 && s.FirstText > s.Thinking {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="#1f77b4" opacity=".08"/>`,
			x(s.Thinking), y(1), x(s.FirstText)-x(s.Thinking), plotH)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#1f77b4" opacity=".7">thinking</text>`, x(s.Thinking)+3, y(1)+12)
	}
	series := func(side CompareSide, color, label string, ly int) {
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
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), color)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`, 8, ly, 24, ly, color)
		fmt.Fprintf(&b, `<text x="28" y="%d" fill="%s">%s</text>`, ly+4, color, label)
	}
	series(c.Waiting, "#d62728", "waiting", top+40)
	series(c.Streaming, "#1f77b4", "streaming", top+60)
	b.WriteString(`</svg>`)
	return b.String()
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
