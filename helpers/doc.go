// Package helpers hides the notebook plumbing of the lessons: it connects a
// go-openai client to OpenRouter, another OpenAI-compatible server or the
// offline sample provider, shows a streamed answer in a cell as it arrives,
// explains errors in plain words, and renders quiz questions as widgets.
//
// Lesson cells keep the real go-openai calls in sight; everything here is what a
// student should not have to read to learn streaming.
package helpers
