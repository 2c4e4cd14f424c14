package helpers

import (
	"context"
	"errors"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/internal/kernel"
	"github.com/k12notebooks/golessons/internal/sse"
	"github.com/k12notebooks/golessons/internal/streamview"
)

// RawStream is a stream of chat completion chunks as raw JSON:
// *openai.ChatCompletionStream is one.
type RawStream = sse.RawStream

// StreamResult is what ShowStream read from a stream: the text, the
// reasoning, the finish reason, the usage, the times, and the error that
// ended it early (Err), with its Stats and Note lines.
type StreamResult = streamview.Result

// Printer collects small writes, such as the tokens of a streamed answer,
// and writes them to standard output together, at most every 55 ms (a little
// more for a very fast answer) and never more than 19 messages in a second,
// so that a cell stays far below Jupyter's limit of output messages a second.
// See NewPrinter.
type Printer = streamview.Printer

// NewPrinter returns a Printer writing to standard output. Close it when
// done (defer out.Close()) so the last text is written. In a notebook, links
// in the text other than http and https ones are defused, and a long text
// goes on in a new output at a line end (it reads the same), so that the
// browser keeps up with it to the end.
func NewPrinter() *Printer { return streamview.NewPrinter() }

// RemoteImages turns on images in a model's answer. When false (the
// default), an image in an answer shows as a link with its description, so
// that a model cannot make the student's browser fetch an address it chose.
// A teacher may turn it on in a cell (helpers.RemoteImages.Store(true)):
// even then only http and https images are shown.
var RemoteImages = &streamview.RemoteImages

// Context returns a context that is cancelled when the cell is stopped
// (Jupyter's stop button, or Ctrl-C). Pass it to the go-openai calls of a
// cell so that stopping cancels the request at once; ShowStream then keeps
// the partial answer and says it was stopped.
func Context() context.Context { return kernel.Context() }

// ShowStream shows a streamed chat completion as it arrives and returns what
// it read. It closes the stream.
//
// In a notebook the answer renders as Markdown, updated in place at most
// about twenty times a second (a token after a quiet spell shows at once); a
// reasoning model's thinking shows at once as "Thinking…", then as a
// collapsed "Thought for N s" section; a stats line (time to first token,
// tokens per second, total time, token counts) ends the output. Outside a
// notebook the answer is printed as plain text.
//
// It reads the raw chunks, so it sees what go-openai's types leave out:
// reasoning in delta.reasoning, reasoning_details or reasoning_content,
// usage in a chunk without choices or on the finish chunk, "content": null.
// When the stream fails or ctx is cancelled (the stop button, see Context),
// the partial answer stays, with a note saying what happened; ShowStream
// then returns within a second. The result's Err says why it ended early.
func ShowStream(ctx context.Context, stream RawStream) StreamResult {
	if isNilStream(stream) {
		err := errors.New("there is no stream to show: the request failed, so check err before calling ShowStream")
		ShowError(err)
		return StreamResult{Err: err}
	}
	return streamview.Show(ctx, stream, explainer.Explain)
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
