package helpers

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/k12notebooks/golessons/internal/streamview"
	"github.com/k12notebooks/golessons/offline"
)

// The chat lesson's request, not streamed, against the offline provider: the
// whole prepared answer comes back with its token counts, and ShowAnswer's
// view shows it formatted, as ShowStream's final outputs do.
func TestShowAnswerOffline(t *testing.T) {
	srv := httptest.NewServer(offline.NewHandler(offline.Options{TokensPerSecond: -1, ThinkTime: -1}))
	t.Cleanup(srv.Close)
	client := connectTo(t, srv.URL+"/api/v1")
	request := lessonRequest()
	request.Stream = false
	resp, err := client.CreateChatCompletion(context.Background(), request)
	if err != nil {
		t.Fatal(err)
	}
	if u := resp.Usage; u.PromptTokens == 0 || u.CompletionTokens == 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage %+v", u)
	}
	rec := &streamview.Recorder{}
	streamview.ShowResponse(rec, nil, resp)
	ids, last := rec.Outputs()
	if len(ids) != 1 || last[ids[0]].Kind != streamview.KindMarkdownFinal {
		t.Fatalf("outputs: %+v", rec.Updates())
	}
	shown := last[ids[0]].Content
	if shown != offline.LessonAnswer {
		t.Errorf("shown %q\nwant the prepared answer %q", shown, offline.LessonAnswer)
	}
	if !strings.Contains(shown, "Offline sample answer") {
		t.Error("the offline answer is not labelled")
	}
}

// StartTimer outside a notebook prints one line when stopped, and Stop
// returns the time waited.
func TestStartTimerPlain(t *testing.T) {
	timer := StartTimer()
	if d := timer.Stop(nil); d < 0 {
		t.Errorf("Stop returned %v", d)
	}
}
