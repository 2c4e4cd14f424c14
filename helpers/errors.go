package helpers

import "github.com/k12notebooks/golessons/internal/streamview"

// ShowError shows one friendly message about err, saying what happened and
// what to do next, in plain words: in a notebook as a highlighted box,
// otherwise on standard error. It knows the errors of go-openai (HTTP status
// codes from OpenAI-compatible servers, OpenRouter and the class relay),
// network failures, streams that ended early and a stopped cell; the API key
// never appears. It shows nothing for a nil error. Text already printed by a
// Printer is flushed first, so the message comes after it.
func ShowError(err error) {
	if err == nil {
		return
	}
	streamview.ShowError(explainer.Explain(err), err)
}
