package helpers

import (
	"context"
	"os"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/streamview"
)

// Comparison is the outcome of CompareStreaming: the Waiting and the
// Streaming side, each with its text, times and error, and a Summary.
type Comparison = streamview.Comparison

// CompareStreaming sends the same request twice at the same moment, once
// with CreateChatCompletion (the whole answer arrives at the end) and once
// with CreateChatCompletionStream, and shows the two answers side by side as
// they arrive, each with its elapsed time, then a timeline (SVG) of when text
// appeared on each side.
//
// The two requests run concurrently rather than one after the other: the
// student watches one side fill in while the other stays blank, which is the
// difference the lesson asks about, and both meet the same server load at
// the same moment, so the times compare fairly. (It costs two requests of a
// free model's rate limit at once; models answer differently each time, so
// the two texts differ.)
//
// request.Stream is set for each call as needed. Stopping the cell (see
// Context) cancels both requests.
func CompareStreaming(ctx context.Context, client *openai.Client, request openai.ChatCompletionRequest) Comparison {
	streamview.FlushPrinters()
	if CurrentConnection().Offline {
		streamview.ShowOfflineLabel(nil) // above the comparison, not below it
	}
	var s streamview.Sink
	if kernel.InNotebook() {
		s = streamview.NotebookSink()
	}
	c := streamview.Compare(ctx, streamview.ChatClient{Client: client}, request, s, os.Stdout, explainer.Explain)
	kernel.Sync()
	return c
}
