package helpers

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/sashabaranov/go-openai"
)

// RawStream is a stream of chat completion chunks as raw JSON:
// *openai.ChatCompletionStream is one.
type RawStream interface {
	// RecvRaw returns the next chunk's JSON, io.EOF at the end.
	RecvRaw() ([]byte, error)
	// Close ends the stream.
	Close() error
}

// ShowStream shows a streamed chat completion as it arrives and returns what
// it read. It closes the stream.
//
// In a notebook the answer renders as Markdown, updated in place at most
// about ten times a second (a token after a quiet spell shows at once); a
// reasoning model's thinking shows at once as "Thinking…", then as a
// collapsed "Thought for N s" section; a stats line (time to first token,
// tokens per second, total time, token counts) ends the output. Outside a
// notebook the answer is printed as plain text.
//
// It reads the raw chunks, so it sees what go-openai's types leave out:
// reasoning in delta.reasoning, reasoning_details or reasoning_content,
// usage in a chunk without choices or on the finish chunk, "content": null.
// When the stream fails or ctx is cancelled (the stop button, see Context),
// the partial answer stays, with a note saying what happened (see Explain);
// ShowStream then returns within a second. The result's Err says why it
// ended early.
func ShowStream(ctx context.Context, stream RawStream) StreamResult {
	if isNilStream(stream) {
		err := errors.New("there is no stream to show: the request failed, so check err before calling ShowStream")
		ShowError(err)
		return StreamResult{Err: err}
	}
	var v view
	if gonbui.IsNotebook {
		v = newLiveView(gonbSink{})
	} else {
		v = newPlainView(os.Stdout)
	}
	flushPrinters()
	r := runStream(ctx, stream, v)
	syncDisplay()
	return r
}

// isNilStream reports whether stream is nil, or a nil *openai.ChatCompletionStream
// (what CreateChatCompletionStream returns with an error).
func isNilStream(stream RawStream) bool {
	if stream == nil {
		return true
	}
	s, ok := stream.(*openai.ChatCompletionStream)
	return ok && s == nil
}

// streamEvent is one chunk, or the end of the stream.
type streamEvent struct {
	delta chunkDelta
	at    time.Time
	err   error
}

// runStream reads stream until it ends or ctx is done, feeding v.
func runStream(ctx context.Context, stream RawStream, v view) StreamResult {
	st := newStreamState(now())
	v.begin(st, st.start)

	events := make(chan streamEvent, 64)
	quit := make(chan struct{})
	go readEvents(stream, events, quit)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	armed := time.Time{}
	arm := func() {
		d := v.deadline()
		if d.Equal(armed) {
			return
		}
		timer.Stop()
		armed = d
		if !d.IsZero() {
			timer.Reset(max(time.Until(d), 0))
		}
	}

	done := false
	for !done {
		arm()
		select {
		case ev := <-events:
			done = apply(st, ev)
			// Take what else has arrived before showing it.
			for more := true; more && !done; {
				select {
				case ev = <-events:
					done = apply(st, ev)
				default:
					more = false
				}
			}
			if !done {
				v.update(st, now())
			}
		case <-timer.C:
			armed = time.Time{}
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

// apply adds ev to st and reports whether the stream ended.
func apply(st *streamState, ev streamEvent) bool {
	if ev.err != nil {
		st.stop(ev.err, ev.at)
		return true
	}
	st.apply(ev.delta, ev.at)
	return false
}

// readEvents reads and parses chunks until the stream ends or quit closes.
// Chunks that are not JSON are skipped.
func readEvents(stream RawStream, events chan<- streamEvent, quit <-chan struct{}) {
	for {
		raw, err := stream.RecvRaw()
		ev := streamEvent{at: now(), err: err}
		if err == nil {
			d, perr := parseChunk(raw)
			if perr != nil {
				continue
			}
			ev.delta = d
		}
		select {
		case events <- ev:
		case <-quit:
			return
		}
		if err != nil {
			return
		}
	}
}
