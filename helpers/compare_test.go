package helpers

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/k12notebooks/golessons/offline"
)

// The comparison against the offline provider: both answers arrive, the
// streamed one shows text long before the other, and the timeline is drawn.
func TestCompareStreamingOffline(t *testing.T) {
	srv := httptest.NewServer(offline.NewHandler(offline.Options{TokensPerSecond: 400, ThinkTime: 100 * time.Millisecond}))
	t.Cleanup(srv.Close)
	client := connectTo(t, srv.URL+"/api/v1")
	sink := &fakeSink{}
	c := compare(context.Background(), chatClient{client}, lessonRequest(), sink, nil)

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

	ids, last := sink.outputs()
	if len(ids) != 1 {
		t.Fatalf("%d outputs, want one updated in place", len(ids))
	}
	final := last[ids[0]].content
	for _, want := range []string{"Without streaming", "With streaming", "<svg", "polyline", "thinking", "first words appeared after"} {
		if !strings.Contains(final, want) {
			t.Errorf("final output lacks %q", want)
		}
	}
	// While running, the streamed column grew in several steps while the
	// other stayed empty.
	growing := 0
	for _, u := range sink.updates {
		if strings.Contains(u.content, "still writing") && strings.Contains(u.content, "waiting for the whole answer") {
			growing++
		}
	}
	if growing < 2 {
		t.Errorf("only %d updates showed the streamed side growing before the other answered", growing)
	}
	noKey(t, sink.all())
}

// One side failing shows the reason in its column; the other still works.
func TestCompareStreamingOneSideFails(t *testing.T) {
	srv := serve(t, wire{parts: []string{orContent1, orContent2, orFinish, orDone}})
	client := connectTo(t, srv.URL+"/api/v1")
	var out bytes.Buffer
	// The test server answers every request with a stream: the non-streamed
	// call cannot read it.
	c := compare(context.Background(), chatClient{client}, lessonRequest(), nil, &out)
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

func TestTimelineSVG(t *testing.T) {
	c := Comparison{
		Waiting: CompareSide{Text: "abcd", FirstText: 4 * time.Second, Total: 4 * time.Second,
			Marks: []TextMark{{At: 4 * time.Second, Bytes: 4}}},
		Streaming: CompareSide{Text: "abcd", Thinking: 200 * time.Millisecond, FirstText: time.Second,
			Total: 3 * time.Second, Marks: []TextMark{{At: time.Second, Bytes: 2}, {At: 3 * time.Second, Bytes: 4}}},
	}
	svg := renderView("timeline", newTimeline(c))
	if strings.Count(svg, "<polyline") != 2 || !strings.Contains(svg, ">4 s<") || !strings.HasSuffix(svg, "</svg>") || !strings.Contains(svg, ">thinking<") {
		t.Errorf("svg = %s", svg)
	}
}
