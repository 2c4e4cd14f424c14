package streamview

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/explain"
	"github.com/k12notebooks/golessons/internal/sse"
)

// timerEvery is how often a Timer's line is updated while it runs (a
// variable for the tests).
var timerEvery = 100 * time.Millisecond

// Timer shows how long a cell has been waiting for a whole answer: in a
// notebook one output, updated in place about ten times a second
// (explain.Waiting), which Stop turns into the time it took
// (explain.Arrived). Outside a notebook only Stop's line is printed.
type Timer struct {
	mu      sync.Mutex
	sink    Sink      // nil outside a notebook
	w       io.Writer // where Stop's line goes outside a notebook
	id      string
	start   time.Time
	stopped bool
	quit    chan struct{}
}

// StartTimer starts a Timer showing its line through s, or, when s is nil,
// printing only the final line to w.
func StartTimer(s Sink, w io.Writer) *Timer {
	FlushPrinters()
	t := &Timer{sink: s, w: w, id: newDisplayPrefix("timer") + "1", start: now(), quit: make(chan struct{})}
	if s == nil {
		return t
	}
	t.tick()
	every := timerEvery
	go func() {
		tk := time.NewTicker(every)
		defer tk.Stop()
		for {
			select {
			case <-t.quit:
				return
			case <-tk.C:
				t.tick()
			}
		}
	}()
	return t
}

// tick shows the time waited so far, unless the timer has stopped.
func (t *Timer) tick() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.sink.Show(t.id, KindHTML, renderView("wait", explain.Waiting(tenths(now().Sub(t.start)))))
}

// Stop stops the timer and shows how long it ran: as the time the whole
// answer took when err is nil, else as a wait without an answer. It returns
// that time. Calls after the first show nothing more.
func (t *Timer) Stop(err error) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	elapsed := now().Sub(t.start)
	if t.stopped {
		return elapsed
	}
	t.stopped = true
	close(t.quit)
	msg := explain.GaveUp(seconds(elapsed))
	if err == nil {
		msg = explain.Arrived(seconds(elapsed))
	}
	if t.sink == nil {
		fmt.Fprintln(t.w, msg)
		return elapsed
	}
	t.sink.Show(t.id, KindHTML, renderView("wait", msg))
	return elapsed
}

// tenths writes a running time as "2.3 s": steady to read while it counts.
func tenths(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// ShowResponse shows the answer of a chat completion that came back whole
// (not streamed), as Show shows a streamed one: through s, as Markdown in
// outputs of up to MaxBlockBytes, made safe the same way, then a note when
// the answer did not end normally; or, when s is nil, as text on w.
func ShowResponse(s Sink, w io.Writer, resp openai.ChatCompletionResponse) {
	FlushPrinters()
	st := newStreamState(now())
	if len(resp.Choices) > 0 {
		c := resp.Choices[0]
		st.apply(sse.Delta{Content: c.Message.Content, Finish: string(c.FinishReason)}, st.start)
	}
	st.stop(nil, st.start)
	note := explain.NoAnswer
	if len(resp.Choices) > 0 {
		note = st.result().Note()
	}
	if s == nil {
		fmt.Fprintln(w, string(st.text))
		if note != "" {
			fmt.Fprintln(w, "⚠️ "+note)
		}
		return
	}
	v := newLiveView(s)
	v.sendAnswer(st, true)
	if note != "" {
		s.Show(v.newID(), KindHTML, ErrorHTML(note, false))
	}
}
