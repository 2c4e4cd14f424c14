package streamview

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
)

// noTicks keeps timers' tickers quiet for the test: it calls tick itself.
func noTicks(t *testing.T) {
	old := timerEvery
	timerEvery = time.Hour
	t.Cleanup(func() { timerEvery = old })
}

// A timer shows the time waited in one output, updated in place, and Stop
// turns it into the time the answer took; nothing changes after Stop.
func TestTimerOneLineInPlace(t *testing.T) {
	noTicks(t)
	at := time.Unix(1000, 0)
	useClock(t, &at)
	rec := &Recorder{}
	tm := StartTimer(rec, nil)
	at = at.Add(2300 * time.Millisecond)
	tm.tick()
	at = at.Add(2 * time.Second)
	if got := tm.Stop(nil); got != 4300*time.Millisecond {
		t.Errorf("Stop returned %v", got)
	}
	tm.tick() // the ticker's last tick, after Stop
	tm.Stop(nil)
	ids, last := rec.Outputs()
	if len(ids) != 1 {
		t.Fatalf("%d outputs, want one line updated in place", len(ids))
	}
	ups := rec.Updates()
	if !strings.Contains(ups[0].Content, "Waiting for the whole answer… 0.0 s") ||
		!strings.Contains(ups[1].Content, "Waiting for the whole answer… 2.3 s") {
		t.Errorf("running lines: %q, %q", ups[0].Content, ups[1].Content)
	}
	if final := last[ids[0]].Content; !strings.Contains(final, "arrived after 4.30 s") || len(ups) != 3 {
		t.Errorf("%d updates, final %q", len(ups), final)
	}
}

// Outside a notebook only the final line is printed; a failed request says
// that no answer came.
func TestTimerPlainAndFailed(t *testing.T) {
	at := time.Unix(1000, 0)
	useClock(t, &at)
	var out bytes.Buffer
	tm := StartTimer(nil, &out)
	at = at.Add(1500 * time.Millisecond)
	tm.Stop(errors.New("boom"))
	if got := out.String(); got != "⏱ Waited 1.50 s without an answer.\n" {
		t.Errorf("printed %q", got)
	}
}

// response returns a chat completion holding content.
func response(content string, finish openai.FinishReason) openai.ChatCompletionResponse {
	return openai.ChatCompletionResponse{Choices: []openai.ChatCompletionChoice{
		{Message: openai.ChatCompletionMessage{Role: "assistant", Content: content}, FinishReason: finish},
	}}
}

// A whole answer renders as the live view's final outputs do: Markdown made
// safe, kept as text too; a note follows only when it did not end normally.
func TestShowResponseMarkdown(t *testing.T) {
	rec := &Recorder{}
	ShowResponse(rec, nil, response("## Feeding\n\n| Age | Meals |\n|---|---|\n| Adult | 2 |\n\n**bold** and <script>alert(1)</script>", "stop"))
	ids, last := rec.Outputs()
	if len(ids) != 1 || last[ids[0]].Kind != KindMarkdownFinal {
		t.Fatalf("outputs %v", rec.Updates())
	}
	html := string(renderAnswer(nil, []byte(last[ids[0]].Content)))
	for _, want := range []string{"<h2", "<table>", "<strong>bold</strong>", "&lt;script>"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered answer lacks %q:\n%s", want, html)
		}
	}

	rec = &Recorder{}
	ShowResponse(rec, nil, response("Feed it twi", "length"))
	if screen := rec.Screen(); !strings.Contains(screen, "Feed it twi") || !strings.Contains(screen, "cut off") {
		t.Errorf("cut-off answer shows %q", screen)
	}
	rec = &Recorder{}
	ShowResponse(rec, nil, openai.ChatCompletionResponse{})
	if screen := rec.Screen(); !strings.Contains(screen, "no answer") {
		t.Errorf("empty response shows %q", screen)
	}
}

// A long answer is split into outputs of bounded size, as a stream's is.
func TestShowResponseLongAnswerInBlocks(t *testing.T) {
	rec := &Recorder{}
	para := strings.Repeat("word ", 200) + "\n\n"
	text := strings.Repeat(para, 100) // about 100 KB
	ShowResponse(rec, nil, response(text, "stop"))
	ids, last := rec.Outputs()
	if len(ids) < 4 {
		t.Fatalf("%d outputs for %d bytes", len(ids), len(text))
	}
	var got strings.Builder
	for _, id := range ids {
		if len(last[id].Content) > MaxBlockBytes+len(para) {
			t.Errorf("an output of %d bytes", len(last[id].Content))
		}
		got.WriteString(last[id].Content)
	}
	if strings.Join(strings.Fields(got.String()), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("the outputs do not hold the whole answer")
	}
}

// Outside a notebook the answer and its note are printed as text.
func TestShowResponsePlain(t *testing.T) {
	var out bytes.Buffer
	ShowResponse(nil, &out, response("**Twice** a day.", "length"))
	if got := out.String(); !strings.HasPrefix(got, "**Twice** a day.\n⚠️ The answer was cut off") {
		t.Errorf("printed %q", got)
	}
}
