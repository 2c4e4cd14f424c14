package streamview

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/k12notebooks/golessons/internal/kernel"
)

// Display tuning. Jupyter sends each update to the browser as one message;
// updates are paced by updateGap and maxMessagesPerSecond (pace.go). Each
// update renders at most one bounded piece (see boundMarkdown), so it costs a
// few milliseconds whatever the model wrote.
const (
	// MaxBlockBytes bounds the Markdown re-rendered by one update: when the
	// live output grows past it, its finished blocks are sent one last time
	// and stay as they are, and a new output takes the rest (an update that
	// does so is two messages). Outputs are this big, not one per paragraph,
	// because JupyterLab shows only the first 50 outputs of a cell (more hide
	// behind a "Show more outputs" button).
	MaxBlockBytes = 16 << 10
	// FastBlockSeconds lets outputs grow past MaxBlockBytes for an answer
	// that arrives fast: to what arrives in this many seconds, at most
	// MaxFastBlockBytes, so that new outputs (two messages each) stay few.
	FastBlockSeconds = 0.5
	// MaxFastBlockBytes bounds the growth by FastBlockSeconds.
	MaxFastBlockBytes = 4 * MaxBlockBytes
	// BlockGrowth lets outputs grow past MaxBlockBytes for very long answers
	// (to a sixteenth of the text already sent), so that even an answer of
	// several megabytes needs well under 50 outputs.
	BlockGrowth = 16
	// reasoningPreviewBytes is how much of the latest reasoning shows while
	// the model thinks.
	reasoningPreviewBytes = 400
	// maxReasoningBytes bounds the reasoning kept in the final collapsed
	// section (its end is kept).
	maxReasoningBytes = 256 << 10
)

// stopFormatBudget is how long the view keeps formatting the rest of an
// answer after the stream failed or was stopped; what is left then shows as
// plain text, so that ShowStream returns within a second. (A variable for
// the tests.)
var stopFormatBudget = 300 * time.Millisecond

// Kind is the type of an output's content.
type Kind int

const (
	// KindHTML is HTML written by the helpers, with every text in it escaped.
	KindHTML Kind = iota
	// KindMarkdown is a piece of a model's answer, as Markdown, while it
	// still grows: shown as HTML made safe by renderAnswer.
	KindMarkdown
	// KindMarkdownFinal is a piece of an answer in its final form: shown
	// like KindMarkdown, and kept as Markdown text too, for saved notebooks
	// and exports that read text/plain.
	KindMarkdownFinal
	// KindAnswerText is the rest of an answer in its final form, shown as
	// escaped plain text with a note, not formatted: what was left to show
	// when the stream was stopped and the time to format it ran out. It is
	// kept as text too, like KindMarkdownFinal.
	KindAnswerText
)

// IsMarkdown reports whether k is a piece of a model's answer (formatted or
// not).
func (k Kind) IsMarkdown() bool {
	return k == KindMarkdown || k == KindMarkdownFinal || k == KindAnswerText
}

// Sink receives display updates. Each call replaces the content of the output
// with the given id, creating the output, below the earlier ones, on first
// use. In a notebook each call is one Jupyter message.
type Sink interface {
	Show(id string, kind Kind, content string)
}

// NotebookSink returns the Sink that shows outputs in the notebook, by
// display id.
func NotebookSink() Sink { return notebookSink{} }

// notebookSink shows outputs in the notebook through GoNB display ids.
type notebookSink struct{}

// Show implements Sink.
func (notebookSink) Show(id string, kind Kind, content string) {
	kernel.Show(output(id, kind, content))
}

// output returns an output's forms: always text/html, never text/markdown
// (JupyterLab would render a model's Markdown with raw HTML in it, and
// trusts what a running kernel sends).
func output(id string, kind Kind, content string) kernel.Output {
	switch kind {
	case KindMarkdown:
		return kernel.Output{ID: id, HTML: string(renderAnswer(nil, []byte(content)))}
	case KindMarkdownFinal:
		return kernel.Output{ID: id, HTML: string(renderAnswer(nil, []byte(content))), Text: content}
	case KindAnswerText:
		html := appendPlainAnswer(nil, normaliseNewlines([]byte(content)), stoppedNote)
		return kernel.Output{ID: id, HTML: inertHTML(string(html)), Text: content}
	}
	return kernel.Output{ID: id, HTML: inertHTML(content)}
}

// inertHTML wraps HTML written by the helpers in an element that MathJax
// skips, so a "$" in a quoted answer or error stays a dollar sign.
func inertHTML(s string) string {
	if s == "" {
		return s
	}
	return `<div class="` + inertClass + `">` + s + `</div>`
}

// newDisplayPrefix returns a new random prefix for display ids.
func newDisplayPrefix(name string) string { return name + "_" + kernel.UniqueID() + "_" }

// View shows a stream as it arrives (NewLive, NewPlain). Run calls begin
// once, update after new chunks, tick when deadline passes, and finish once.
type View interface {
	begin(st *streamState, t time.Time)
	update(st *streamState, t time.Time)
	tick(st *streamState, t time.Time)
	deadline() time.Time // zero when no tick is wanted
	finish(st *streamState, t time.Time)
}

// Phases of the status output.
const (
	phaseWaiting   = iota // no text yet
	phaseThinking         // reasoning arriving
	phaseAnswering        // answer arriving
	phaseDone
)

// liveView renders a stream in a notebook as Markdown updated in place:
//
//   - a status output on top: "Thinking…" with a preview of the reasoning
//     while the model thinks, then a collapsed "Thought for N s" section
//     holding the reasoning;
//   - the answer as a sequence of outputs of up to MaxBlockBytes each: only
//     the last one is re-rendered, the ones before it never change again;
//   - a footer at the end: a note when the answer did not end normally, and
//     the stats line.
//
// Updates are coalesced: one is sent at once when none was sent for
// updateGap, otherwise at the end of the gap; no second holds more than
// maxMessagesPerSecond messages, including the one that starts a new output
// and those at the end.
type liveView struct {
	sink     Sink
	maxBlock int

	prefix string
	nextID int

	pace     pacer
	rate     float64   // the answer's speed so far, bytes a second (0 until known)
	due      time.Time // when a pending update is sent; zero when none
	finishBy time.Time // while finishing: the most the last messages wait
	at       time.Time // time of the update being sent

	statusID      string
	phase         int
	statusSent    string
	statusReason  int       // reasoning bytes in the last status sent
	thought       bool      // the "Thought for" section was built
	statusRefresh time.Time // next refresh of the "Thinking… N s" counter

	plainAfter time.Time // after it, finish shows the rest as plain text; zero: never

	blockID string // the live answer block's output; "" until needed
	frozen  int    // bytes of the answer sent in finished outputs
	fence   fence  // code block open at frozen
	shown   int    // bytes of the answer on screen

	buf []byte // scratch for rendering
}

// NewLive returns the View of a notebook: Markdown updated in place through s.
func NewLive(s Sink) View { return newLiveView(s) }

func newLiveView(s Sink) *liveView {
	return &liveView{sink: s, pace: pacer{gap: updateGap}, maxBlock: MaxBlockBytes, prefix: newDisplayPrefix("stream")}
}

func (v *liveView) newID() string {
	v.nextID++
	return v.prefix + strconv.Itoa(v.nextID)
}

func (v *liveView) begin(st *streamState, t time.Time) {
	v.at = t
	v.statusID = v.newID()
	v.sendStatus(st, t)
}

func (v *liveView) update(st *streamState, t time.Time) {
	v.tune(st, t)
	if at := v.pace.earliest(t, 1); !at.After(t) {
		v.flush(st, t)
	} else if v.due.IsZero() {
		v.due = at
	}
}

func (v *liveView) tick(st *streamState, t time.Time) {
	if !v.due.IsZero() && !t.Before(v.due) {
		v.flush(st, t)
		return
	}
	if v.phase < phaseAnswering && !v.statusRefresh.IsZero() && !t.Before(v.statusRefresh) {
		if at := v.pace.earliest(t, 1); at.After(t) {
			v.statusRefresh = at
			return
		}
		v.pace.started(t)
		v.at = t
		v.sendStatus(st, t)
	}
}

func (v *liveView) deadline() time.Time {
	d := v.due
	if v.phase < phaseAnswering && !v.statusRefresh.IsZero() && (d.IsZero() || v.statusRefresh.Before(d)) {
		d = v.statusRefresh
	}
	return d
}

// flush sends what changed since the last update, or, when that would make
// a second of more than maxMessagesPerSecond messages, sets the time it can.
func (v *liveView) flush(st *streamState, t time.Time) {
	v.due = time.Time{}
	k := v.answerMessages(st)
	status, changed := v.status(st, t)
	if changed {
		k++
	}
	if k == 0 {
		return
	}
	if at := v.pace.earliest(t, k); at.After(t) {
		v.due = at
		return
	}
	v.pace.started(t)
	v.at = t
	v.showStatus(st, status, changed)
	if more := v.sendAnswer(st, false); more {
		v.due = t.Add(v.pace.gap)
	}
}

// answerMessages is the number of messages the next update of the answer
// takes: none when it is on screen, two when it starts a new output.
func (v *liveView) answerMessages(st *streamState) int {
	switch tail := len(st.text) - v.frozen; {
	case tail == 0 || v.shown == len(st.text):
		return 0
	case tail > v.limit():
		return 2
	}
	return 1
}

// tune sets the outputs' size and the gap between updates for the speed of
// the answer so far: outputs hold at least FastBlockSeconds of it, and the
// gap is updateGap, or more when the new outputs (an extra message each)
// would otherwise make a second of more than maxMessagesPerSecond.
func (v *liveView) tune(st *streamState, t time.Time) {
	elapsed := t.Sub(st.firstContent)
	if st.firstContent.IsZero() || elapsed < 200*time.Millisecond {
		return
	}
	v.rate = float64(len(st.text)) / elapsed.Seconds()
	v.pace.gap = gapFor(v.rate, v.limit(), 1)
}

// limit is the most bytes the live output holds before it is cut.
func (v *liveView) limit() int { return outputSize(v.frozen, v.rate, v.maxBlock) }

// show sends one output message. While finishing it first waits, up to
// finishBy, for room under maxMessagesPerSecond.
func (v *liveView) show(id string, kind Kind, content string) {
	if !v.finishBy.IsZero() {
		v.at = v.pace.wait(v.at, 1, v.finishBy)
	}
	v.pace.message(v.at)
	v.sink.Show(id, kind, content)
}

func (v *liveView) finish(st *streamState, t time.Time) {
	v.at, v.finishBy = t, t.Add(maxFinishWait)
	v.phase = phaseDone
	v.sendStatus(st, t)
	if st.err != nil {
		v.plainAfter = now().Add(stopFormatBudget)
	}
	v.sendAnswer(st, true)
	v.show(v.newID(), KindHTML, footerHTML(st.result()))
}

// sendAnswer sends the unsent answer text. While the live output holds at
// most limit bytes it is re-rendered whole. Past that, its finished blocks
// (up to limit bytes) are sent as its final content and a new output is
// started for the rest. Unless final, one update starts at most one new
// output: when the rest is over the limit too, it waits for the next update
// (sendAnswer reports true then).
func (v *liveView) sendAnswer(st *streamState, final bool) (more bool) {
	for cuts := 0; ; {
		tail := st.text[v.frozen:]
		if len(tail) == 0 {
			return false
		}
		limit := v.limit()
		if !final && cuts > 0 && len(tail) > limit {
			return true
		}
		if v.blockID == "" {
			v.blockID = v.newID()
		}
		if final && !v.plainAfter.IsZero() && now().After(v.plainAfter) {
			v.show(v.blockID, KindAnswerText, string(tail))
			v.frozen, v.shown = len(st.text), len(st.text)
			return false
		}
		cut, after := 0, v.fence
		if len(tail) > limit {
			cut, after = findCut(tail, v.fence, limit)
		}
		if cut == 0 {
			if v.shown == len(st.text) && !final {
				return false // on screen already
			}
			v.buf = segmentMarkdown(v.buf[:0], tail, v.fence, fence{})
			kind := KindMarkdown
			if final {
				kind = KindMarkdownFinal
			}
			v.show(v.blockID, kind, string(v.buf))
			v.shown = len(st.text)
			return false
		}
		v.buf = segmentMarkdown(v.buf[:0], tail[:cut], v.fence, after)
		v.show(v.blockID, KindMarkdownFinal, string(v.buf))
		v.frozen += cut
		v.fence = after
		v.blockID = ""
		cuts++
	}
}

// sendStatus sends the status output when it changed.
func (v *liveView) sendStatus(st *streamState, t time.Time) {
	s, changed := v.status(st, t)
	v.showStatus(st, s, changed)
}

// showStatus sends s, the status output worked out by status, when changed.
func (v *liveView) showStatus(st *streamState, s string, changed bool) {
	if v.phase >= phaseAnswering {
		v.thought = true
	}
	v.statusReason = len(st.reasoning)
	if changed {
		if v.statusID == "" {
			v.statusID = v.newID()
		}
		v.statusSent = s
		v.show(v.statusID, KindHTML, s)
	}
}

// status returns the status output's content at t and whether it differs
// from the one on screen.
func (v *liveView) status(st *streamState, t time.Time) (string, bool) {
	if v.phase != phaseDone {
		switch {
		case !st.firstContent.IsZero():
			if v.phase < phaseAnswering && len(st.reasoning) == 0 && v.blockID == "" && v.frozen == 0 {
				// Nothing was thought: the status output becomes the
				// answer's first output, which saves a message.
				v.blockID, v.statusID, v.statusSent = v.statusID, "", ""
			}
			v.phase = phaseAnswering
		case len(st.reasoning) > 0:
			v.phase = phaseThinking
		}
	}
	if v.phase < phaseAnswering {
		elapsed := t.Sub(st.start)
		// Refresh the counter at the next whole second.
		v.statusRefresh = st.start.Add((elapsed/time.Second + 1) * time.Second)
		s := thinkingHTML(st.reasoning, elapsed)
		return s, s != v.statusSent
	}
	v.statusRefresh = time.Time{}
	if v.thought && v.statusReason == len(st.reasoning) {
		return v.statusSent, false // the collapsed section is up to date
	}
	s := thoughtHTML(st)
	return s, s != v.statusSent
}

// thinkingHTML is the status while no answer text has arrived.
func thinkingHTML(reasoning []byte, elapsed time.Duration) string {
	label := "💭 Thinking…"
	if elapsed >= time.Second {
		label += " " + strconv.Itoa(int(elapsed/time.Second)) + " s"
	}
	preview := ""
	if len(reasoning) > 0 {
		// The newest lines show: the box is aligned to its bottom and clips the top.
		preview = tailString(reasoning, reasoningPreviewBytes)
	}
	return renderView("thinking", struct{ Label, Preview string }{label, preview})
}

// thoughtHTML is the status once the answer started or the stream ended: the
// reasoning in a collapsed section, or nothing when there was none.
func thoughtHTML(st *streamState) string {
	if len(st.reasoning) == 0 {
		return ""
	}
	end := st.firstContent
	if end.IsZero() {
		end = st.end
	}
	if end.IsZero() {
		end = now()
	}
	return renderView("thought", struct{ Seconds, Reasoning string }{
		seconds(end.Sub(st.start)), tailString(st.reasoning, maxReasoningBytes)})
}

// footerHTML is the last output: the note, if any, and the stats line.
func footerHTML(r Result) string {
	return renderView("footer", struct {
		Note, Stats string
		Stopped     bool
	}{r.Note(), r.Stats(), r.Stopped})
}

// headString returns the first n bytes of s (whole characters), with "…"
// after them when it cut something.
func headString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// tailString returns the last n bytes of b (whole characters), with "…" in
// front when it cut something.
func tailString(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	i := len(b) - n
	for i < len(b) && !utf8.RuneStart(b[i]) {
		i++
	}
	return "…" + string(b[i:])
}
