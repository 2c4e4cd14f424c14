package streamview

import "time"

// Pacing of output messages. Jupyter drops a kernel's output above 1000
// messages a second, and JupyterLab re-renders an output for every message
// it gets, so the views send few of them.
const (
	// updateGap is the least time between two updates of a live answer or
	// two writes of a Printer. A token that arrives after a quiet spell of
	// updateGap is shown at once; otherwise it waits for the end of the gap.
	// 55 ms (about 18 a second) leaves room, under maxMessagesPerSecond,
	// for the second message of an update that starts a new output.
	updateGap = 55 * time.Millisecond
	// maxMessagesPerSecond is the most output messages a view or a Printer
	// sends in any one second. It is one under 20 so that a message held up
	// on its way to the browser (by ZMQ, the Jupyter server or a busy core)
	// and delivered together with the next does not make a second of 21.
	maxMessagesPerSecond = 19
	// maxFinishWait bounds how long the end of a view waits for room under
	// maxMessagesPerSecond; after it, the last messages go at once, so that
	// ShowStream returns promptly after a stop.
	maxFinishWait = 200 * time.Millisecond
)

// sleep waits for d (tests replace it to move a fake clock).
var sleep = time.Sleep

// pacer spaces updates: each is updateGap (or its gap) after the previous
// one, and no second holds more than maxMessagesPerSecond messages. An
// update is one message, or more when it also starts a new output.
type pacer struct {
	gap   time.Duration
	last  time.Time                       // time of the last update
	times [maxMessagesPerSecond]time.Time // the latest messages' times, a ring
	head  int                             // index of the oldest in times
}

// earliest returns the first time at or after t when an update of k
// messages (1 ≤ k ≤ maxMessagesPerSecond) may be sent.
func (p *pacer) earliest(t time.Time, k int) time.Time {
	at := t
	if !p.last.IsZero() {
		at = later(at, p.last.Add(p.gap))
	}
	return later(at, p.roomFor(k))
}

// roomFor returns when k more messages fit in the one-second window.
func (p *pacer) roomFor(k int) time.Time {
	k = min(max(k, 1), maxMessagesPerSecond)
	// The k-th oldest of the latest maxMessagesPerSecond messages must
	// have left the window.
	kth := p.times[(p.head+k-1)%maxMessagesPerSecond]
	if kth.IsZero() {
		return time.Time{}
	}
	return kth.Add(time.Second)
}

// started records that an update starts at t (its messages follow).
func (p *pacer) started(t time.Time) { p.last = t }

// message records one message sent at t.
func (p *pacer) message(t time.Time) {
	p.times[p.head] = t
	p.head = (p.head + 1) % len(p.times)
}

// wait sleeps until an update of k messages may be sent after t, but not
// past deadline, and returns the time it may be sent.
func (p *pacer) wait(t time.Time, k int, deadline time.Time) time.Time {
	at := p.earliest(t, k)
	if at.After(deadline) {
		at = deadline
	}
	if d := at.Sub(t); d > 0 {
		sleep(d)
		return at
	}
	return t
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// outputSize returns how many bytes an output of a view or a Printer holds
// before a new one starts: at least least, a BlockGrowth-th of the sent
// bytes so far (so that a long text needs few outputs), and, for a fast text,
// what arrives in FastBlockSeconds, at most MaxFastBlockBytes.
func outputSize(sent int, bytesPerSecond float64, least int) int {
	return max(least, sent/BlockGrowth, min(int(bytesPerSecond*FastBlockSeconds), MaxFastBlockBytes))
}

// gapFor returns the gap between updates for a text that arrives at
// bytesPerSecond in outputs of size bytes, each new output taking extra more
// messages: updateGap, or more when the new outputs would otherwise make a
// second of more than maxMessagesPerSecond. A message a second is kept spare
// (for a view's status and footer).
func gapFor(bytesPerSecond float64, size, extra int) time.Duration {
	outputsPerSecond := bytesPerSecond / float64(size)
	room := max(float64(maxMessagesPerSecond)-1-float64(extra)*outputsPerSecond, 1)
	return max(updateGap, time.Duration(float64(time.Second)/room))
}
