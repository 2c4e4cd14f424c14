package helpers

import (
	"os"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/streamview"
)

// Timer shows how long a cell has waited for a whole answer; see
// StartTimer.
type Timer = streamview.Timer

// StartTimer starts showing the seconds going by while a cell waits for an
// answer that comes all at once (CreateChatCompletion without streaming):
// in a notebook one line, "⏳ Waiting for the whole answer… 2.3 s", updated
// about ten times a second. Call its Stop(err) with the request's error when
// the answer (or an error) came back: the line then says how long it took. Outside a notebook
// only that last line is printed.
func StartTimer() *Timer {
	if kernel.InNotebook() {
		return streamview.StartTimer(streamview.NotebookSink(), nil)
	}
	return streamview.StartTimer(nil, os.Stdout)
}

// ShowAnswer shows the answer of a chat completion that came back whole, the
// way ShowStream shows a streamed one: in a notebook formatted from Markdown
// (headings, lists, tables, bold; HTML the model writes shows as text),
// otherwise as plain text. A note follows when the answer was cut off or
// filtered, or when the response holds no answer.
func ShowAnswer(response openai.ChatCompletionResponse) {
	if kernel.InNotebook() {
		streamview.ShowResponse(streamview.NotebookSink(), nil, response)
	} else {
		streamview.ShowResponse(nil, os.Stdout, response)
	}
	kernel.Sync()
}
