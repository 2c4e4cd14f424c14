package streamview

import (
	"context"
	"os"
	"time"

	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/sse"
)

// Show shows a streamed chat completion as it arrives, in the notebook (a
// live view) or else as plain text on standard output, and returns what it
// read. It closes the stream. explain words the error a stream ended with.
func Show(ctx context.Context, stream sse.RawStream, explain func(error) string) Result {
	var v View
	if kernel.InNotebook() {
		v = NewLive(NotebookSink())
	} else {
		v = NewPlain(os.Stdout)
	}
	FlushPrinters()
	r := Run(ctx, stream, v, explain)
	kernel.Sync()
	return r
}

// streamEvent is one chunk, or the end of the stream.
type streamEvent struct {
	delta sse.Delta
	at    time.Time
	err   error
}

// Run reads stream until it ends or ctx is done, feeding v, and closes it.
// The result's Note words its error with explain.
func Run(ctx context.Context, stream sse.RawStream, v View, explain func(error) string) Result {
	st := newStreamState(now())
	st.explain = explain
	v.begin(st, st.start)

	events := make(chan streamEvent, 64)
	quit := make(chan struct{})
	go readEvents(stream, events, quit)

	tick := newTicker(v)
	defer tick.stop()
	for done := false; !done; {
		tick.arm()
		select {
		case ev := <-events:
			done = applyAll(st, ev, events)
			if !done {
				v.update(st, now())
			}
		case <-tick.c():
			tick.fired()
			v.tick(st, now())
		case <-ctx.Done():
			st.stop(ctx.Err(), now())
			done = true
		}
	}
	close(quit)
	stream.Close()
	// Keep chunks that arrived before the stop.
	for more := true; more; {
		select {
		case ev := <-events:
			if ev.err == nil {
				st.apply(ev.delta, ev.at)
			}
		default:
			more = false
		}
	}
	v.finish(st, now())
	return st.result()
}

// applyAll adds ev to st, then what else has arrived, so that one update
// shows it all; it reports whether the stream ended.
func applyAll(st *streamState, ev streamEvent, events <-chan streamEvent) bool {
	if apply(st, ev) {
		return true
	}
	for {
		select {
		case ev = <-events:
			if apply(st, ev) {
				return true
			}
		default:
			return false
		}
	}
}

// apply adds ev to st and reports whether the stream ended.
func apply(st *streamState, ev streamEvent) bool {
	if ev.err != nil {
		st.stop(ev.err, ev.at)
		return true
	}
	st.apply(ev.delta, ev.at)
	return false
}

// viewTicker is the timer of a View's deadline.
type viewTicker struct {
	v     View
	timer *time.Timer
	armed time.Time
}

func newTicker(v View) *viewTicker {
	t := &viewTicker{v: v, timer: time.NewTimer(time.Hour)}
	t.timer.Stop()
	return t
}

// arm sets the timer to the view's deadline, when that changed.
func (t *viewTicker) arm() {
	d := t.v.deadline()
	if d.Equal(t.armed) {
		return
	}
	t.timer.Stop()
	t.armed = d
	if !d.IsZero() {
		t.timer.Reset(max(time.Until(d), 0))
	}
}

func (t *viewTicker) c() <-chan time.Time { return t.timer.C }
func (t *viewTicker) fired()              { t.armed = time.Time{} }
func (t *viewTicker) stop()               { t.timer.Stop() }

// readEvents reads and parses chunks until the stream ends or quit closes.
func readEvents(stream sse.RawStream, events chan<- streamEvent, quit <-chan struct{}) {
	send := func(ev streamEvent) bool {
		select {
		case events <- ev:
			return true
		case <-quit:
			return false
		}
	}
	at, err := sse.Read(stream, now, func(d sse.Delta, at time.Time) bool {
		return send(streamEvent{delta: d, at: at})
	})
	if err != nil {
		send(streamEvent{at: at, err: err})
	}
}
