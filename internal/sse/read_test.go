package sse

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// chunks is a RawStream with scripted chunks.
type chunks struct {
	raw []string
	end error
}

func (s *chunks) RecvRaw() ([]byte, error) {
	if len(s.raw) == 0 {
		return nil, s.end
	}
	c := s.raw[0]
	s.raw = s.raw[1:]
	return []byte(c), nil
}

func (s *chunks) Close() error { return nil }

// Read skips chunks that are not JSON, stamps each with the clock, and
// returns the stream's own error.
func TestReadSkipsBadChunks(t *testing.T) {
	stream := &chunks{end: io.ErrUnexpectedEOF, raw: []string{
		`{"choices":[{"index":0,"delta":{"reasoning":"Hmm."}}]}`,
		`not json`,
		`{"choices":[{"index":1,"delta":{"content":"other choice"}},{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}`,
	}}
	tick := time.Unix(0, 0)
	now := func() time.Time { tick = tick.Add(time.Second); return tick }
	var got []string
	at, err := Read(stream, now, func(d Delta, at time.Time) bool {
		got = append(got, d.Reasoning+"|"+d.Content+"|"+d.Finish+"@"+at.Format("05"))
		return true
	})
	if want := "Hmm.||@01 |Hi|stop@03"; strings.Join(got, " ") != want {
		t.Errorf("deltas %q, want %q", strings.Join(got, " "), want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || at.Second() != 4 {
		t.Errorf("ended with %v at %v", err, at)
	}
}

// Read stops as soon as its callback says so.
func TestReadStopsWhenAsked(t *testing.T) {
	stream := &chunks{end: io.EOF, raw: []string{`{"choices":[]}`, `{"choices":[]}`}}
	n := 0
	at, err := Read(stream, time.Now, func(Delta, time.Time) bool { n++; return false })
	if n != 1 || err != nil || !at.IsZero() || len(stream.raw) != 1 {
		t.Errorf("read %d chunks, err %v, at %v; %d left", n, err, at, len(stream.raw))
	}
}

// listener records the queue notices a Body passes on.
type listener struct{ heard []string }

func (l *listener) Ahead(n int) { l.heard = append(l.heard, "ahead "+strings.Repeat("|", n)) }
func (l *listener) Turn()       { l.heard = append(l.heard, "turn") }

// The hooks of a Body hear the relay's queue and each error event.
func TestBodyHooks(t *testing.T) {
	in := ": waiting for a free turn, 2 ahead\n\n: waiting for a free turn, 1 ahead\n\n" +
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {\"error\":\"overloaded\"}\n\n"
	body := NewBody(context.Background(), io.NopCloser(strings.NewReader(in)))
	l := &listener{}
	var events []string
	body.Wait = l
	body.OnError = func(e []byte) { events = append(events, string(e)) }
	if _, err := io.ReadAll(body); !errors.Is(err, ErrEndedEarly) {
		t.Errorf("error = %v", err)
	}
	if got := strings.Join(l.heard, ", "); got != "ahead ||, ahead |, turn" {
		t.Errorf("listener heard %q", got)
	}
	if len(events) != 1 || events[0] != `{"error":{"message":"overloaded"}}` {
		t.Errorf("errors %q", events)
	}
}
