// Package helpers hides the notebook plumbing of the lessons: it connects a
// go-openai client to OpenRouter, another OpenAI-compatible server, a
// school's class relay or the offline sample provider, shows a streamed
// answer in a cell as it arrives (and one that came whole, with the time it
// took), explains errors in plain words, compares streaming with waiting,
// and renders quiz questions as widgets.
//
// Lesson cells keep the real go-openai calls in sight; everything here is what a
// student should not have to read to learn streaming.
//
// The package is a thin facade, one file per verb a lesson uses: connect.go
// (APIKey, Connect, CurrentConnection), stream.go (Context, ShowStream,
// NewPrinter), answer.go (StartTimer, ShowAnswer: an answer that comes
// whole), errors.go (ShowError), compare.go (CompareStreaming) and
// quiz.go (Question, Quiz). The work is done by the packages under
// internal/, one concern each:
//
//   - internal/connect: configuration, the .env file, API keys, relay mode,
//     the transport, and Secrets, which hides every key from the text shown;
//   - internal/sse: repairing the event stream for go-openai, reading its
//     chunks, the class relay's queue comments;
//   - internal/explain: an error's message for a student;
//   - internal/streamview: the live and plain views of a stream, Markdown
//     rendering, the Printer, the comparison and the HTML around them;
//   - internal/quizwidget: the quiz widget and its script;
//   - internal/kernel: the one place that talks to GoNB (outputs, ids, the
//     stop button).
package helpers
