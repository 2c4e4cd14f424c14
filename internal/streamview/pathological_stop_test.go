package streamview

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// chanStream is a stream whose chunks come from a channel; it blocks, as a
// slow model does, until the channel is closed or the stream is.
type chanStream struct {
	chunks chan []byte
	closed chan struct{}
	once   atomic.Bool
}

func newChanStream(n int) *chanStream {
	return &chanStream{chunks: make(chan []byte, n), closed: make(chan struct{})}
}

func (s *chanStream) RecvRaw() ([]byte, error) {
	select {
	case c, ok := <-s.chunks:
		if !ok {
			return nil, io.EOF
		}
		return c, nil
	case <-s.closed:
		return nil, io.ErrClosedPipe
	}
}

func (s *chanStream) Close() error {
	if s.once.CompareAndSwap(false, true) {
		close(s.closed)
	}
	return nil
}

func contentChunk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": s}}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The stop button (Jupyter's interrupt cancels the context ShowStream is
// given) ends the view within a second while a pathological answer is
// rendering, with a megabyte still unformatted: every render is bounded,
// and what is left after stopFormatBudget shows as plain text.
func TestStopWhilePathologicalPieceRenders(t *testing.T) {
	for _, budget := range []time.Duration{stopFormatBudget, 0} {
		stopFormatBudget = budget
		stopWhileRendering(t)
	}
	stopFormatBudget = 300 * time.Millisecond
}

func stopWhileRendering(t *testing.T) {
	answer := rep("- ", 30000) + "x" + rep("\n", 30000) // the 88 KiB answer
	for _, e := range pathoCatalogue() {
		if len(answer)+len(e.Text) > 1<<20 {
			break
		}
		answer += "\n\n" + e.Text
	}
	stream := newChanStream(1024)
	for i := 0; i < len(answer); i += 4 << 10 {
		stream.chunks <- contentChunk(t, answer[i:min(len(answer), i+4<<10)])
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var renders atomic.Int32
	var stopped time.Time
	rec := &Recorder{}
	sink := sinkFunc(func(id string, kind Kind, content string) {
		rec.Show(id, kind, content)
		if kind.IsMarkdown() && renders.Add(1) == 3 {
			stopped = time.Now()
			cancel() // the button is pressed while this piece renders
		}
		output(id, kind, content)
	})
	done := make(chan Result, 1)
	go func() { done <- Run(ctx, stream, NewLive(sink), nil) }()
	select {
	case r := <-done:
		if took := time.Since(stopped); took > time.Second {
			t.Errorf("Run returned %v after the stop, want within a second", took)
		}
		if !r.Stopped {
			t.Errorf("the result does not say it was stopped: %v", r.Err)
		}
		t.Logf("budget %v: %d renders; %d of %d bytes received; returned %v after the stop",
			stopFormatBudget, renders.Load(), len(r.Text), len(answer), time.Since(stopped))
		if got := rec.AnswerMarkdown(); len(got) < len(r.Text) {
			t.Errorf("the outputs hold %d bytes of the answer, want all %d received", len(got), len(r.Text))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return 30 s after the stop")
	}
	if stopFormatBudget == 0 {
		ids, last := rec.Outputs()
		if u := last[ids[len(ids)-2]]; u.Kind != KindAnswerText || !strings.Contains(output(u.ID, u.Kind, u.Content).HTML, stoppedNote) {
			t.Errorf("with no time left, the rest is not plain text: %v", u.Kind)
		}
	}
}
