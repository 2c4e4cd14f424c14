package streamview

import (
	"bytes"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/sashabaranov/go-openai"
)

var tNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const time60s = 60 * time.Second

func timeStep(rng *rand.Rand) time.Duration {
	return time.Duration(rng.IntN(150)) * time.Millisecond
}

// useClock makes now() return *c for the test. Only the test's goroutine
// may change *c.
func useClock(t *testing.T, c *time.Time) {
	t.Helper()
	f := func() time.Time { return *c }
	clock.Store(&f)
	t.Cleanup(func() { clock.Store(nil) })
}

// simulate streams n tokens at rate tokens per second through a live view
// on a fake clock, ticking at every deadline, and returns the sink, the
// text and the number of updates sent before the final one.
func simulate(t *testing.T, n int, rate float64, token func(i int) string) (*Recorder, string, int) {
	t.Helper()
	clock := tNow
	useClock(t, &clock)
	sink := &Recorder{}
	v := newLiveView(sink)
	st := newStreamState(clock)
	v.begin(st, clock)
	var text strings.Builder
	for i := 0; i < n; i++ {
		at := tNow.Add(time.Duration(float64(i+1) / rate * float64(time.Second)))
		for d := v.deadline(); !d.IsZero() && !d.After(at); d = v.deadline() {
			clock = d
			v.tick(st, d)
		}
		clock = at
		tok := token(i)
		text.WriteString(tok)
		st.apply(sse.Delta{Content: tok}, at)
		v.update(st, at)
	}
	st.stop(nil, clock)
	live := len(sink.Updates())
	sleep = func(d time.Duration) { clock = clock.Add(d) }
	defer func() { sleep = time.Sleep }()
	v.finish(st, clock)
	return sink, text.String(), live
}

// Under load, updates are coalesced: no second holds more than 19 messages
// (the status, the answer's outputs and the footer, the last ones included),
// tokens show within about one gap of arriving, also when an update starts a
// new output, and the last update holds every token. The tokens are as long
// as the benchmark's (about 27 bytes), whose 3000 a second start a new
// output every half second.
func TestLiveViewPacesUnderLoad(t *testing.T) {
	for _, c := range []struct {
		rate float64
		p99  time.Duration // 0: not checked
	}{
		{500, updateGap + 5*time.Millisecond},
		{3000, updateGap + 10*time.Millisecond}, // the gap grows a little for the new outputs
		{20000, 0},
	} {
		t.Run(strconv.Itoa(int(c.rate)), func(t *testing.T) {
			sink, text, _ := simulate(t, 6000, c.rate, func(i int) string {
				if i%80 == 79 {
					return "\n\n"
				}
				return " tok" + strconv.Itoa(i) + " bench filler text"
			})
			ups := sink.Updates()
			if worst := peakPerSecond(ups); worst > 19 {
				t.Errorf("%d messages in one second at %v tokens/s, want at most 19", worst, c.rate)
			}
			lags := tokenLags(ups, c.rate)
			slices.Sort(lags)
			p99, worst := lags[len(lags)*99/100], lags[len(lags)-1]
			if c.p99 > 0 && (p99 > c.p99 || worst > 2*c.p99) {
				t.Errorf("tokens waited up to %v (p99 %v) to show at %v tokens/s, want p99 at most %v, all at most %v",
					worst, p99, c.rate, c.p99, 2*c.p99)
			}
			if got := sink.AnswerMarkdown(); got != text {
				t.Errorf("displayed %d bytes, want %d", len(got), len(text))
			}
			t.Logf("%d messages for 6000 tokens at %v tokens/s, at most %d in a second; lag p99 %v, worst %v",
				len(ups), c.rate, peakPerSecond(ups), p99, worst)
		})
	}
}

// peakPerSecond is the most updates in any window (t-1 s, t], as the
// benchmark counts them at the browser.
func peakPerSecond(ups []Update) int {
	worst := 0
	for i, u := range ups {
		n := 0
		for _, w := range ups[:i+1] {
			if u.At.Sub(w.At) < time.Second {
				n++
			}
		}
		worst = max(worst, n)
	}
	return worst
}

// tokenLags is, for every token shown, the time from its arrival (token i
// at (i+1)/rate s, as simulate sends them) to the first update that shows it.
func tokenLags(ups []Update, rate float64) []time.Duration {
	var lags []time.Duration
	next := 0 // the first token not yet shown
	for _, u := range ups {
		if !u.Kind.IsMarkdown() {
			continue
		}
		// The highest token number in this update.
		hi := -1
		for _, f := range strings.Fields(u.Content) {
			if n, err := strconv.Atoi(strings.TrimPrefix(f, "tok")); err == nil && strings.HasPrefix(f, "tok") {
				hi = max(hi, n)
			}
		}
		for ; next <= hi; next++ {
			at := tNow.Add(time.Duration(float64(next+1) / rate * float64(time.Second)))
			lags = append(lags, u.At.Sub(at))
		}
	}
	return lags
}

// A token after a quiet spell shows at once; the next one, soon after,
// waits for the end of the gap.
func TestLiveViewShowsLoneTokenAtOnce(t *testing.T) {
	clock := tNow
	useClock(t, &clock)
	sink := &Recorder{}
	v := newLiveView(sink)
	st := newStreamState(tNow)
	v.begin(st, tNow)
	status := len(sink.Updates())

	clock = tNow.Add(3 * time.Second)
	st.apply(sse.Delta{Content: "Feed"}, clock)
	v.update(st, clock)
	if got := sink.Updates()[len(sink.Updates())-1]; got.Content != "Feed" || !got.At.Equal(clock) {
		t.Fatalf("lone token not shown at once: %+v", sink.Updates()[status:])
	}

	n := len(sink.Updates())
	clock = clock.Add(10 * time.Millisecond)
	st.apply(sse.Delta{Content: " twice"}, clock)
	v.update(st, clock)
	if len(sink.Updates()) != n {
		t.Fatalf("second token sent before the gap: %+v", sink.Updates()[n:])
	}
	due := v.deadline()
	if want := tNow.Add(3*time.Second + updateGap); !due.Equal(want) {
		t.Fatalf("deadline %v, want %v", due, want)
	}
	clock = due
	v.tick(st, due)
	if got := sink.Updates()[len(sink.Updates())-1].Content; got != "Feed twice" {
		t.Fatalf("after the gap: %q", got)
	}
}

// While nothing arrives, the status counts the seconds of thinking.
func TestLiveViewThinkingCounter(t *testing.T) {
	clock := tNow
	useClock(t, &clock)
	sink := &Recorder{}
	v := newLiveView(sink)
	st := newStreamState(tNow)
	v.begin(st, tNow)
	if !strings.Contains(sink.Updates()[0].Content, "Thinking…") {
		t.Fatalf("first update %q", sink.Updates()[0].Content)
	}
	for i := 0; i < 3; i++ {
		d := v.deadline()
		clock = d
		v.tick(st, d)
	}
	if got := sink.Updates()[len(sink.Updates())-1].Content; !strings.Contains(got, "Thinking… 3 s") {
		t.Errorf("after 3 s: %q", got)
	}
	clock = tNow.Add(3500 * time.Millisecond)
	st.apply(sse.Delta{Reasoning: "Bankhar <dogs> & food"}, clock)
	v.update(st, clock)
	if got := sink.Updates()[len(sink.Updates())-1].Content; !strings.Contains(got, "Bankhar &lt;dogs&gt; &amp; food") {
		t.Errorf("reasoning not shown escaped: %q", got)
	}
	clock = tNow.Add(5 * time.Second)
	st.apply(sse.Delta{Content: "Feed"}, clock)
	v.update(st, clock)
	_, last := sink.Outputs()
	if got := last[sink.Updates()[0].ID].Content; !strings.Contains(got, "Thought for 5.00 s") || !strings.Contains(got, "<details>") {
		t.Errorf("status after the answer started: %q", got)
	}
	if !v.deadline().IsZero() {
		t.Errorf("a tick is still wanted while answering: %v", v.deadline())
	}
}

// fakeStream is a RawStream with scripted chunks.
type fakeStream struct {
	chunks []string
	end    error
	closed bool
}

func (s *fakeStream) RecvRaw() ([]byte, error) {
	if len(s.chunks) == 0 {
		return nil, s.end
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	return []byte(c), nil
}

func (s *fakeStream) Close() error { s.closed = true; return nil }

// Outside a notebook the answer is printed as plain text.
func TestPlainView(t *testing.T) {
	stream := &fakeStream{end: io.EOF, chunks: []string{
		`{"choices":[{"index":0,"delta":{"reasoning":"Hmm."}}]}`,
		`not json`,
		`{"choices":[{"index":0,"delta":{"content":"Feed twice "}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"a day."},"finish_reason":"length"}]}`,
		`{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`,
	}}
	var out bytes.Buffer
	res := Run(t.Context(), stream, newPlainView(&out), nil)
	got := out.String()
	for _, want := range []string{"💭 Thinking…\n", "💭 Thought for", "Feed twice a day.\n", "cut off", "3 prompt + 4 answer tokens"} {
		if !strings.Contains(got, want) {
			t.Errorf("output %q lacks %q", got, want)
		}
	}
	if res.Text != "Feed twice a day." || !stream.closed {
		t.Errorf("result %+v, closed %v", res, stream.closed)
	}
}

func TestStatsAndNote(t *testing.T) {
	r := Result{FirstToken: 800 * time.Millisecond, Total: 5800 * time.Millisecond, Chunks: 100}
	if got := r.Stats(); got != "first token after 0.80 s · 20.0 chunks/s · 5.80 s in all · no token counts sent" {
		t.Errorf("Stats = %q", got)
	}
	r.Usage = &openai.Usage{PromptTokens: 10, CompletionTokens: 250}
	if got := r.Stats(); !strings.Contains(got, "50.0 tokens/s") || !strings.Contains(got, "10 prompt + 250 answer tokens") {
		t.Errorf("Stats = %q", got)
	}
	if (Result{Text: "x", FinishReason: "stop"}).Note() != "" {
		t.Error("a normal end has a note")
	}
	if got := (Result{Reasoning: "x", FinishReason: "length"}).Note(); !strings.Contains(got, "thinking") {
		t.Errorf("Note = %q", got)
	}
}
