package helpers

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/k12notebooks/golessons/offline"
)

// The comparison against the offline provider: both answers arrive, the
// streamed one shows text long before the other, and the timeline is drawn.
func TestCompareStreamingOffline(t *testing.T) {
	srv := httptest.NewServer(offline.NewHandler(offline.Options{TokensPerSecond: 400, ThinkTime: 100 * time.Millisecond}))
	t.Cleanup(srv.Close)
	client := connectTo(t, srv.URL+"/api/v1")
	sink := &streamview.Recorder{}
	c := streamview.Compare(context.Background(), streamview.ChatClient{Client: client}, lessonRequest(), sink, nil, explainer.Explain)

	w, s := c.Waiting, c.Streaming
	if w.Err != nil || s.Err != nil {
		t.Fatalf("errors: %v, %v", w.Err, s.Err)
	}
	if w.Text == "" || s.Text == "" || len(s.Marks) < 10 || len(w.Marks) != 1 {
		t.Fatalf("waiting %d bytes, %d marks; streaming %d bytes, %d marks", len(w.Text), len(w.Marks), len(s.Text), len(s.Marks))
	}
	if s.FirstText >= w.FirstText || w.FirstText != w.Total {
		t.Errorf("streaming first text %v, waiting first text %v (total %v)", s.FirstText, w.FirstText, w.Total)
	}
	if s.Thinking == 0 || s.Thinking > s.FirstText {
		t.Errorf("thinking %v, first text %v", s.Thinking, s.FirstText)
	}
	if last := s.Marks[len(s.Marks)-1]; last.Bytes != len(s.Text) {
		t.Errorf("last mark %+v for %d bytes", last, len(s.Text))
	}

	ids, last := sink.Outputs()
	if len(ids) != 1 {
		t.Fatalf("%d outputs, want one updated in place", len(ids))
	}
	final := last[ids[0]].Content
	for _, want := range []string{"Without streaming", "With streaming", "<svg", "polyline", "thinking", "first words appeared after"} {
		if !strings.Contains(final, want) {
			t.Errorf("final output lacks %q", want)
		}
	}
	// While running, the streamed column grew in several steps while the
	// other stayed empty.
	growing := 0
	for _, u := range sink.Updates() {
		if strings.Contains(u.Content, "still writing") && strings.Contains(u.Content, "waiting for the whole answer") {
			growing++
		}
	}
	if growing < 2 {
		t.Errorf("only %d updates showed the streamed side growing before the other answered", growing)
	}
	noKey(t, sink.All())
}

// One side failing shows the reason in its column; the other still works.
func TestCompareStreamingOneSideFails(t *testing.T) {
	srv := serve(t, wire{parts: []string{orContent1, orContent2, orFinish, orDone}})
	client := connectTo(t, srv.URL+"/api/v1")
	var out bytes.Buffer
	// The test server answers every request with a stream: the non-streamed
	// call cannot read it.
	c := streamview.Compare(context.Background(), streamview.ChatClient{Client: client}, lessonRequest(), nil, &out, explainer.Explain)
	if c.Streaming.Text != answer || c.Streaming.Err != nil {
		t.Errorf("streaming side %+v", c.Streaming)
	}
	if c.Waiting.Err == nil {
		t.Errorf("waiting side did not fail: %+v", c.Waiting)
	}
	got := out.String()
	if !strings.Contains(got, "With streaming: first words after") || !strings.Contains(got, answer) ||
		!strings.Contains(got, "One of the requests failed") {
		t.Errorf("plain output %q", got)
	}
	noKey(t, got)
}
